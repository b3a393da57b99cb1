"""The config (deepmotif.plan.config) and Snakemake's checks of it: bad input gets one clear message
naming file, key and fix. The TF sheet: tests/test_plan_sheet.py."""

from __future__ import annotations

import pytest
import yaml
from conftest import run_snakemake

from deepmotif.errors import InputError
from deepmotif.plan.config import check_config, load_schema


@pytest.fixture(scope="module")
def config_schema():
    return load_schema("config")


@pytest.mark.parametrize("config, message", [
    ({"tfs": "x", "architectures": ["cnn"], "traning": {}}, r"unknown key 'traning'; did you mean 'training'"),
    ({"tfs": "x", "architectures": ["cnn"], "sequence": {"lenght": 5}},
     r"unknown key 'sequence.lenght'; did you mean 'length'"),
    ({"tfs": "x", "architectures": ["cnn"], "training": {"rnn": {"lr": "fast"}}},
     r"key 'training.rnn.lr': 'fast' is not of type 'number'"),
    ({"tfs": "x"}, r"'architectures' is a required property"),
])
def test_bad_configs_name_the_key(config_schema, config, message):
    with pytest.raises(InputError, match=message):
        check_config(config, config_schema, "c.yaml")


def test_default_config_is_valid(repo_root, config_schema):
    check_config(yaml.safe_load((repo_root / "config/config.yaml").read_text()), config_schema)


def dry_run(repo_root, workdir, config: dict, sheet: str | None = None):
    if sheet is not None:
        (workdir / "tfs.tsv").write_text(sheet.replace("|", "\t"))
    (workdir / "c.yaml").write_text(yaml.safe_dump({"tfs": "tfs.tsv", **config}))
    return run_snakemake(workdir, "-n", configfile="c.yaml", timeout=300)


def test_snakemake_reports_unknown_architecture_and_sheet_errors(repo_root, tmp_path):
    sheet = "tf|source|motifs\nA|simulated|MA0139.1\n"
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn", "transformer"]}, sheet)
    assert result.returncode != 0
    assert "unknown architecture 'transformer'; registered: cnn" in result.stdout
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn"]}, sheet + "A|simulated|MA0138.2\n")
    assert result.returncode != 0
    assert "tfs.tsv line 3: TF id 'A' already used on line 2" in result.stdout
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn"], "traning": {}}, sheet)
    assert "unknown key 'traning'; did you mean 'training'" in result.stdout
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn", "rnn"]}, sheet)
    assert result.returncode == 0, result.stdout
    assert "train_model" in result.stdout


def test_snakemake_plans_both_tfs_of_a_sheet_with_a_quote(repo_root, tmp_path):
    """issue 10 item 1: the quote made `snakemake -n` plan one TF."""
    sheet = 'tf|source|motifs|description\nCTCF|simulated|MA0139.1|"x\nREST|simulated|MA0138.2|y\n'
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn"]}, sheet)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "results/CTCF/cnn/metrics.json" in result.stdout and "results/REST/cnn/metrics.json" in result.stdout


@pytest.mark.parametrize("config, message", [
    ({"training": {"cnnn": {"lr": 0.1}}}, "unknown key 'training.cnnn'; did you mean 'cnn'?"),
    ({"training": {"rnn": {"net": {"pool": "avg"}}}}, "key 'training.rnn.net.pool': 'avg' is not one of"),
    ({"training": {"cnn": {"net": {"kernel_sizes": 9}}}}, "key 'training.cnn.net.kernel_sizes': 9 is not of type"),
])
def test_snakemake_checks_training_sections_before_any_job(repo_root, tmp_path, config, message):
    """issue 10 item 5: these failed inside the training job, after the data stage, or were ignored."""
    sheet = "tf|source|motifs\nA|simulated|MA0139.1\n"
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn", "rnn"], **config}, sheet)
    assert result.returncode != 0 and message in result.stdout, result.stdout[-3000:]


def test_snakemake_passes_a_dash_description_and_refuses_a_dash_name(repo_root, tmp_path):
    """issue 10 items 2 and 3: values starting with '-' go to the CLI as --opt=value; names are refused."""
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn"]},
                     "tf|source|motifs|description\nA|simulated|MA0139.1|-x\n")
    assert result.returncode == 0, result.stdout[-3000:]
    result = dry_run(repo_root, tmp_path, {"architectures": ["cnn"]}, "tf|source|motifs\n-A|simulated|MA0139.1\n")
    assert result.returncode != 0 and "tfs.tsv line 2, column 'tf': '-A' starts with '-'" in result.stdout


def test_schema_defaults_are_copies_read_by_libyaml():
    # every command's parser reads ~20 defaults: the schema is parsed once (by libyaml when PyYAML has it) and
    # not copied whole per default, so a returned default must be the caller's own copy
    import yaml

    from deepmotif.plan import config as cfg

    steps = cfg.schema_default("interpret.cooperativity.motifs")
    steps.append("changed by the caller")
    assert cfg.schema_default("interpret.cooperativity.motifs") == []
    assert cfg._load("config.schema.yaml") == yaml.safe_load((cfg.SCHEMA_DIR / "config.schema.yaml").read_text())
