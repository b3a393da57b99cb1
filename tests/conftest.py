"""Shared test set-up: one torch thread (LSTMs crawl under OpenMP spin-wait on a busy 2-core box), the
repository root (:data:`ROOT`, fixture ``repo_root``), the one Snakemake runner (:func:`run_snakemake`,
fixture ``snakemake``) and the import check of a fresh interpreter (:func:`loaded_after`).

Test files are named after what they test, so the tests of a module are found by its path:

- ``test_<stage>_<module>[_<topic>].py`` tests ``src/deepmotif/<stage>/<module>.py`` (e.g.
  ``test_data_readers.py``, ``test_plan_config_numbers.py``); ``test_<stage>[_<topic>].py`` a stage's
  package as a whole (``test_plan.py``: ``deepmotif.plan``; ``test_cli_arguments.py``: the argument types
  of ``deepmotif.cli``); ``test_cli_<stage>[_<topic>].py`` the commands of ``cli/<stage>.py`` run in-process.
- ``test_pipeline[_<topic>].py`` run the Snakefile (through :func:`run_snakemake`); ``test_package_*.py``
  check the distribution (pins, ``pip install .``), ``test_benchmarks_*.py`` a script of ``benchmarks/``.
- Modules without ``test_`` (``_trained_tf.py``, ``httpserver.py``, ``slurm_cluster.py``, ...) are shared
  fixtures and helpers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# the interpreter running the tests (e.g. .venv/bin/python, not activated) first on PATH for subprocesses
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

import pytest  # noqa: E402
from slurm_cluster import die_with_parent  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


class SnakemakeRun(subprocess.CompletedProcess):
    """A finished Snakemake run: ``returncode``, ``stdout`` (stderr included) and ``seconds`` (wall time)."""

    def __init__(self, args: list[str], returncode: int, stdout: str, seconds: float) -> None:
        super().__init__(args, returncode, stdout)
        self.seconds = seconds


def run_snakemake(workdir: Path, *args: str, configfile: str | None = ".test/config.yaml", cores: int | None = 1,
                  snakefile: Path = ROOT / "Snakefile", timeout: float = 1200, env: dict | None = None,
                  log: Path | None = None) -> SnakemakeRun:
    """Run ``snakefile`` (this checkout's by default) in ``workdir`` (``--directory`` and the current folder).

    Snakemake runs in a session of its own that gets SIGTERM when pytest dies; on a timeout or an interrupt
    its whole process group gets SIGTERM, then SIGKILL, so no job it started (a local rule's shell, a
    cluster job's ``sbatch``/``srun``) outlives the test: Snakemake waiting on Slurm jobs may ignore SIGTERM.

    Parameters
    ----------
    workdir
        The working directory.
    *args
        More arguments: targets, ``-n``, ``--profile ...``.
    configfile
        ``--configfile``, relative to ``workdir``; None gives none (the Snakefile's or a profile's).
    cores
        ``--cores``; None gives none (a profile's ``jobs``).
    snakefile
        The workflow.
    timeout
        Seconds; a run still going then is stopped and :class:`TimeoutError` raised with its last lines.
    env
        The environment; None: this process's.
    log
        Also keep the output in this file, written while the run goes (``tail -f`` it).

    Returns
    -------
    SnakemakeRun
        The finished run.
    """
    # args first: a target after --configfile (nargs="+") would be read as one more config file
    command = [sys.executable, "-m", "snakemake", *args, "-s", str(snakefile), "--directory", str(workdir),
               *(["--configfile", configfile] if configfile is not None else []),
               *(["--cores", str(cores)] if cores is not None else [])]
    start = time.monotonic()
    with (open(log, "w+b") if log is not None else tempfile.TemporaryFile()) as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, env=env,
                                   start_new_session=True, preexec_fn=die_with_parent())
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(process)
            out.seek(0)
            last = "\n".join(out.read().decode(errors="replace").splitlines()[-60:])
            raise TimeoutError(f"snakemake {' '.join(args)} in {workdir} ran longer than {timeout:.0f} s; "
                               f"its last lines:\n{last}") from None
        except BaseException:  # an interrupt (KeyboardInterrupt, pytest's timeout): no orphans
            _stop_group(process, grace=5)
            raise
        out.seek(0)
        text = out.read().decode(errors="replace")
    return SnakemakeRun(command, returncode, text, time.monotonic() - start)


def _stop_group(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM the process group of ``process``, then SIGKILL if it is still there after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def loaded_after(code: str, module: str) -> bool:
    """Whether ``module`` is in ``sys.modules`` after running ``code`` in a fresh interpreter (this checkout's
    package)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    script = f"import sys\n{code}\nprint({module!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return result.stdout.strip() == "True"


@pytest.fixture(scope="session")
def snakemake():
    """:func:`run_snakemake`."""
    return run_snakemake


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    import torch

    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where the Snakefile is)."""
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository (read-only real data)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found")
    return SHARED


@pytest.fixture(scope="session")
def tiny_run(repo_root, tmp_path_factory):
    """The tiny config (.test/) run end to end once per session: (workdir, result)."""
    import shutil

    workdir = tmp_path_factory.mktemp("pipeline")
    shutil.copytree(repo_root / ".test", workdir / ".test")
    result = run_snakemake(workdir, cores=2)
    assert result.returncode == 0, result.stdout[-5000:]
    return workdir, result
