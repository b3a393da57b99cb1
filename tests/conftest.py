"""Shared test set-up: one torch thread (LSTMs crawl under OpenMP spin-wait on a busy 2-core box), the
repository root (:data:`ROOT`, fixture ``repo_root``) and the one Snakemake runner (:func:`run_snakemake`,
fixture ``snakemake``).

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
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# the interpreter running the tests (e.g. .venv/bin/python, not activated) first on PATH for subprocesses
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def run_snakemake(workdir: Path, *args: str, configfile: str = ".test/config.yaml", cores: int = 1,
                  timeout: float = 1200, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run this checkout's Snakefile in ``workdir`` (``--directory``) with ``configfile`` (relative to it).

    Returns the finished process; stdout and stderr together in ``.stdout``.
    """
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
         "--configfile", configfile, "--cores", str(cores), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir, timeout=timeout, env=env)


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
