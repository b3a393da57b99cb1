"""An installed (not editable) package works outside the checkout: its commands, and config validation
against the schemas it carries as package data (``deepmotif/plan/schemas``)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with ``pip install --no-deps`` of a copy of the checkout; the test
    environment's packages (torch, pandas, ...) are visible through a ``.pth`` file, not installed again."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # a copy: the build writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)  # this environment's pip and setuptools do the install
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # the test environment's site-packages as plain paths: their .pth files (an editable deepmotif) do not run
    Path(purelib, "test_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    result = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                             "--no-build-isolation", "--no-index", "--quiet", str(source)],
                            capture_output=True, text=True, env=_clean_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return env_dir


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH (which may point at a checkout's src/)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=_clean_env(),
                          timeout=120)


def test_installed_package_is_imported_from_the_environment(installed, tmp_path):
    result = _run(installed, tmp_path, installed / "bin/python", "-c",
                  "import deepmotif.plan.config as c; print(c.__file__); print(c.SCHEMA_DIR.is_dir())")
    assert result.returncode == 0, result.stderr
    where, schemas = result.stdout.split()
    assert Path(where).is_relative_to(installed) and schemas == "True"
    assert not Path(where).is_relative_to(ROOT)


def test_installed_commands_run_outside_the_checkout(installed, tmp_path):
    result = _run(installed, tmp_path, installed / "bin/deepmotif", "predict", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: deepmotif predict")
    # --settings is checked against the packaged schema: a typo is one line naming the key
    result = _run(installed, tmp_path, installed / "bin/deepmotif", "index", "--auc-table=a.tsv", "--dashboards",
                  "A=a.html", "--descriptions={}", "-o", "i.html", "--settings", '{"jaspar": {"max_qq": 0.1}}')
    assert result.returncode == 2
    assert "unknown key 'jaspar.max_qq'; did you mean 'max_q'?" in result.stderr


def test_installed_package_validates_a_config(installed, tmp_path):
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\nCTCF\tsimulated\tMA0139.1\n")
    (tmp_path / "good.yaml").write_text("tfs: tfs.tsv\narchitectures: [cnn]\n")
    (tmp_path / "typo.yaml").write_text("tfs: tfs.tsv\narchitectures: [cnn]\ntraning: {}\n")
    code = ("import sys\nfrom deepmotif.errors import InputError\nfrom deepmotif.plan import Plan\n"
            "try:\n    plan = Plan.from_files(sys.argv[1])\nexcept InputError as err:\n    sys.exit(str(err))\n"
            "print(plan.archs, plan.section('interpret')['n_sequences'])\n")
    good = _run(installed, tmp_path, installed / "bin/python", "-c", code, "good.yaml")
    assert good.returncode == 0, good.stderr
    assert good.stdout.split() == ["['cnn']", "20"]  # the schema's default filled in
    typo = _run(installed, tmp_path, installed / "bin/python", "-c", code, "typo.yaml")
    assert typo.returncode == 1 and "unknown key 'traning'; did you mean 'training'?" in typo.stderr
