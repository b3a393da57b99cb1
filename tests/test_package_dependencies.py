"""Every import is declared, and requirements.txt, pyproject.toml and envs/*.yaml pin the same versions."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version

import pytest
import yaml

IMPORT_TO_PACKAGE = {"yaml": "pyyaml", "sklearn": "scikit-learn", "PIL": "pillow", "modiscolite": "modisco-lite", "pyBigWig": "pybigwig",
                     "snakemake_executor_plugin_slurm": "snakemake-executor-plugin-slurm"}
NOT_IN_JOB_ENVS = {"snakemake", "snakemake-executor-plugin-slurm", "snakefmt", "pytest", "aiohttp"}


def pins(lines) -> dict[str, str]:
    """``name==version`` lines → {lowercase name: version without a local label (+cpu)}."""
    found = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)(\+[a-z0-9]+)?", line)
        assert match, f"not pinned with ==: {line!r}"
        found[match[1].lower()] = match[2]
    return found


@pytest.fixture(scope="module")
def requirements(repo_root) -> dict[str, str]:
    return pins((repo_root / "requirements.txt").read_text().splitlines())


def test_pyproject_pins_what_requirements_pins(repo_root, requirements):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    assert pins(declared) == requirements


@pytest.mark.parametrize("env", ["deepmotif.yaml", "deepmotif-cuda.yaml"])
def test_conda_environments_pin_what_requirements_pins(repo_root, requirements, env):
    spec = yaml.safe_load((repo_root / "envs" / env).read_text())
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    assert pins(pip) == {k: v for k, v in requirements.items() if k not in NOT_IN_JOB_ENVS}


def test_cpu_environment_asks_for_the_cpu_build_of_torch(repo_root):
    pip = next(d["pip"] for d in yaml.safe_load((repo_root / "envs/deepmotif.yaml").read_text())["dependencies"]
               if isinstance(d, dict))
    assert any(line.startswith("torch==") and line.endswith("+cpu") for line in pip)


def imported_modules(paths) -> set[str]:
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_import_is_declared(repo_root, requirements):
    files = [*(repo_root / "src").rglob("*.py"), *(repo_root / "tests").glob("*.py")]
    local = {"deepmotif", "tests", "conftest", *(p.stem for p in (repo_root / "tests").glob("*.py"))}
    third_party = imported_modules(files) - set(sys.stdlib_module_names) - local
    undeclared = {IMPORT_TO_PACKAGE.get(name, name) for name in third_party} - set(requirements)
    assert not undeclared, f"imported but not in requirements.txt: {sorted(undeclared)}"


def test_the_running_environment_is_the_pinned_one(requirements):
    wrong = {}
    for name, pinned in requirements.items():
        try:
            installed = version(name).split("+")[0]
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"pinned vs installed: {wrong}; run setup.sh"
