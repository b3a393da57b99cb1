"""Threads of a job: what every ``deepmotif`` command sets before torch, numba or OpenMP start.

A pipeline job is given its cores (Snakemake's ``threads:``, exported as ``OMP_NUM_THREADS``). Two things
broke that contract on shared cores:

- OpenMP threads spin while they wait for work (``OMP_WAIT_POLICY`` unset); an LSTM training whose cores are
  shared crawls (~100x), and a job's idle workers take CPU from the job beside it.
- numba starts one worker per core of the machine for its parallel loops (Tomtom, MoDISco), whatever the job
  was given: in the default run two interpretation jobs on 2 cores ran 2-4x slower side by side than alone.

:func:`limit_threads` makes waiting threads sleep and gives numba the job's thread count. A user's own
settings of either variable win.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def limit_threads(environ: os._Environ | dict | None = None, numba_imported: bool | None = None) -> dict[str, str]:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` and ``NUMBA_NUM_THREADS`` (from ``OMP_NUM_THREADS``) unless set.

    Must run before torch or numba is imported (both read the variables once, at start-up). In a process
    that has imported numba already (a command called in-process, as the tests do) ``NUMBA_NUM_THREADS`` is
    left alone: numba re-reads it at every compilation and refuses a value other than the one its threads
    were launched with.

    Parameters
    ----------
    environ
        The environment to change; default ``os.environ``.
    numba_imported
        Whether numba is imported in this process; default: looked up in ``sys.modules``.

    Returns
    -------
    dict
        The variables this call set (empty when the user had set both).
    """
    environ = os.environ if environ is None else environ
    changed = {}
    if "OMP_WAIT_POLICY" not in environ:
        changed["OMP_WAIT_POLICY"] = "PASSIVE"
    job_threads = environ.get("OMP_NUM_THREADS", "")
    if numba_imported is None:
        numba_imported = "numba" in sys.modules
    if (not numba_imported and "NUMBA_NUM_THREADS" not in environ and job_threads.isdigit()
            and int(job_threads) >= 1):
        changed["NUMBA_NUM_THREADS"] = job_threads
    environ.update(changed)
    return changed


def set_threads(threads: int) -> None:
    """Give torch ``threads`` intra-op threads and one inter-op thread; log what the job runs with (training).

    The inter-op pool (default: one thread per core) only serves ``torch.jit.fork``, which training
    does not use; it is set to 1 so that a job given ``threads`` cores never starts more. It can be set
    only before torch's first parallel work: a process that trained before keeps its pool (tests).
    """
    import torch

    torch.set_num_threads(threads)
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # parallel work already ran in this process
            pass
    log.info("torch threads: %d intra-op, %d inter-op; OMP_WAIT_POLICY=%s", torch.get_num_threads(),
             torch.get_num_interop_threads(), os.environ.get("OMP_WAIT_POLICY", "(unset)"))
