"""Numbers in the configuration: finite, seeds in numpy's range, bounded genome sizes, checked at once.

JSON schema cannot say "finite": NaN passes every ``minimum``/``exclusiveMinimum`` (comparisons with
NaN are false) and YAML spells it ``.nan``. Before this check such a config passed ``snakemake -n``
and the training jobs died later in torch, sklearn or Lightning tracebacks.
"""

from __future__ import annotations

import math

import pytest
import yaml

from deepmotif.errors import InputError
from deepmotif.models.train import train_model
from deepmotif.plan.plan import Plan

BASE = {"tfs": None, "archive": {"url": "x.tar.gz"}, "architectures": ["cnn"]}


def section(key: str, value) -> dict:
    """``{"a": {"b": value}}`` for ``"a.b"``."""
    out: dict = {}
    node = out
    *parents, last = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return out


@pytest.mark.parametrize("key, value, message", [
    ("training.default.lr", math.nan, "not a finite number"),
    ("training.default.weight_decay", math.inf, "not a finite number"),
    ("training.cnn.grad_clip", -math.inf, "not a finite number"),
    ("interpret.class_optimization.lr", math.nan, "not a finite number"),
    ("download.timeout", math.inf, "not a finite number"),
    ("training.default.seed", -1, "less than the minimum of 0"),
    ("sequence.seed", -1, "less than the minimum of 0"),
    ("simulation.seed", 2**32, "greater than the maximum"),
    ("interpret.class_optimization.seed", -5, "less than the minimum of 0"),
    ("simulation.chrom_size", 10**12, "greater than the maximum"),
    ("training.default.batch_size", 0, "less than the minimum of 1"),
])
def test_config_numbers_are_checked_naming_the_key(key, value, message):
    with pytest.raises(InputError, match=rf"c\.yaml: key '{key}': .*{message}"):
        Plan.load({**BASE, **section(key, value)}, source="c.yaml")


def test_snakemake_dry_run_refuses_a_nan_learning_rate_at_once(snakemake, tmp_path):
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\nA\tsimulated\tMA0139.1\n")
    (tmp_path / "c.yaml").write_text("tfs: tfs.tsv\narchitectures: [cnn]\ntraining:\n  default:\n    lr: .nan\n")
    result = snakemake(tmp_path, "-n", configfile="c.yaml", timeout=300)
    assert result.returncode != 0
    [line] = [line for line in result.stdout.splitlines() if "training.default.lr" in line]
    assert "key 'training.default.lr': nan is not a finite number" in line
    assert "train_model" not in result.stdout  # refused while planning: no job was listed


@pytest.mark.parametrize("params, key", [({"lr": math.nan}, "lr"), ({"grad_clip": math.inf}, "grad_clip"),
                                         ({"seed": -1}, "seed"), ({"batch_size": 0}, "batch_size")])
def test_train_params_are_checked_before_any_work(tmp_path, params, key):
    # deepmotif train --params '{"lr": NaN}': Python's JSON reader accepts NaN and Infinity
    with pytest.raises(InputError, match=rf"training parameters of 'cnn': key '{key}'"):
        train_model(tmp_path / "missing.tsv", "cnn", tmp_path / "out", params)
    assert not (tmp_path / "out").exists()


def test_the_shipped_configs_pass(repo_root):
    for name in ("config.yaml", "paper.yaml", "deepbind.yaml"):
        config = yaml.safe_load((repo_root / "config" / name).read_text())
        if "tfs" in config and "architectures" in config:
            Plan.load(config, base_dir=repo_root, source=name)
