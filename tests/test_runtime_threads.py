"""deepmotif.runtime.threads: every command's jobs sleep while waiting and give numba the job's threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from deepmotif.runtime.threads import limit_threads

ROOT = Path(__file__).resolve().parents[1]
# a command registered the way every deepmotif command is, run through deepmotif.cli.main
PROBE = """\
import os
from deepmotif.cli import command, main

@command("probe-threads", "what the job runs with")(lambda parser: None)
def run(args):
    import numba
    print(os.environ.get("OMP_WAIT_POLICY"), numba.config.NUMBA_NUM_THREADS)

raise SystemExit(main(["probe-threads"]))
"""


def test_limit_threads_sets_passive_waiting_and_numba_threads_from_the_job():
    env = {"OMP_NUM_THREADS": "1"}
    assert limit_threads(env, numba_imported=False) == {"OMP_WAIT_POLICY": "PASSIVE", "NUMBA_NUM_THREADS": "1"}
    assert env == {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "NUMBA_NUM_THREADS": "1"}


def test_the_users_settings_win_and_no_job_threads_leave_numba_alone():
    env = {"OMP_WAIT_POLICY": "ACTIVE", "OMP_NUM_THREADS": "4", "NUMBA_NUM_THREADS": "2"}
    assert limit_threads(env) == {} and env["OMP_WAIT_POLICY"] == "ACTIVE" and env["NUMBA_NUM_THREADS"] == "2"
    env = {"OMP_NUM_THREADS": "auto"}
    assert limit_threads(env, numba_imported=False) == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert "NUMBA_NUM_THREADS" not in env


def test_a_command_called_in_process_after_numba_started_leaves_its_threads_alone():
    """numba re-reads NUMBA_NUM_THREADS at every compilation and raises if it differs from its launched
    threads: a second command in the same process (tests, a notebook) must not change it."""
    code = ("import os, numba, numpy as np\n"
            "@numba.njit(parallel=True)\n"
            "def total(x):\n"
            "    s = 0.0\n"
            "    for i in numba.prange(x.size):\n"
            "        s += x[i]\n"
            "    return s\n"
            "total(np.ones(4))\n"
            "from deepmotif.runtime.threads import limit_threads\n"
            "print(sorted(limit_threads()))\n"
            "@numba.njit\n"
            "def one():\n"
            "    return 1\n"
            "print(one())\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "NUMBA_NUM_THREADS")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["['OMP_WAIT_POLICY']", "1"]


def test_a_command_runs_numba_with_the_threads_snakemake_gave_the_job():
    """Through ``deepmotif.cli.main``: a job given 1 thread (Snakemake exports ``OMP_NUM_THREADS``) gets one
    numba thread and sleeping OpenMP waiters; before, numba started one worker per core and they spun."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "NUMBA_NUM_THREADS")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PASSIVE", "1"]


def test_training_job_runs_one_intra_and_one_inter_op_thread():
    """A fresh process (the inter-op pool can be set once): 1 + 1 threads, OMP_WAIT_POLICY as given."""
    code = ("import logging, torch; logging.basicConfig(level=logging.INFO); "
            "from deepmotif.runtime.threads import set_threads; set_threads(1); "
            "print(torch.get_num_threads(), torch.get_num_interop_threads())")
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    env.pop("OMP_NUM_THREADS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == ["1", "1"]
    assert "1 intra-op, 1 inter-op; OMP_WAIT_POLICY=PASSIVE" in done.stderr
