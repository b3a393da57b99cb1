"""The TF sheet and config: bad input gets one clear message naming file, line, key and fix."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from deepmotif.config import check_config
from deepmotif.errors import InputError
from deepmotif.sheet import read_sheet


@pytest.fixture(scope="module")
def tf_schema(repo_root):
    return yaml.safe_load((repo_root / "workflow/schemas/tfs.schema.yaml").read_text())


@pytest.fixture(scope="module")
def config_schema(repo_root):
    return yaml.safe_load((repo_root / "workflow/schemas/config.schema.yaml").read_text())


def write_sheet(tmp_path, text):
    path = tmp_path / "tfs.tsv"
    path.write_text(text.replace("|", "\t"))
    return path


def test_default_sheet_reads(repo_root, tf_schema):
    df = read_sheet(repo_root / "config/tfs.tsv", tf_schema)
    assert list(df.index) == ["CTCF", "REST", "TAL1-GATA1"]
    assert df.loc["TAL1-GATA1", "spacing"] == 7 and df.loc["CTCF", "spacing"] is None


@pytest.mark.parametrize("text, message", [
    ("tf|source|motif\nA|simulated|MA0139.1\n", r"line 1: unknown column 'motif'"),
    ("tf|source|motifs\nA|simulated|MA0139.1\nB|simulated|MA0138.2\nA|simulated|MA0139.1\n",
     r"line 4: TF id 'A' already used on line 2"),
    ("tf|source|motifs\nA/B|simulated|MA0139.1\n", r"line 2, column 'tf': 'A/B' does not match"),
    ("tf|source|motifs\nA|simulatd|MA0139.1\n", r"line 2, column 'source': 'simulatd' is not one of"),
    ("tf|source\nA|simulated\n", r"line 2: 'motifs' is a required property"),
    ("tf|source|motifs|spacing\nA|simulated|MA0139.1|seven\n", r"line 2, column 'spacing': 'seven' is not"),
    ("tf|source|motifs\nA|simulated|MA0139.1|x\n", r"line 2: 4 fields but the header has 3"),
    ("", r"is empty"),
    ("tf|source|motifs\n", r"no TF rows"),
])
def test_bad_sheets_name_line_and_column(tmp_path, tf_schema, text, message):
    with pytest.raises(InputError, match=message):
        read_sheet(write_sheet(tmp_path, text), tf_schema)


def test_sheet_names_with_parentheses_are_allowed(tmp_path, tf_schema):
    df = read_sheet(write_sheet(tmp_path, "tf|source|motifs\nGATA1_(SC-265)+x.1|simulated|MA0035.4\n"),
                    tf_schema)
    assert df.index[0] == "GATA1_(SC-265)+x.1"


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
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(repo_root / "Snakefile"), "--directory",
         str(workdir), "--configfile", "c.yaml", "-n", "--cores", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir, timeout=300)


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
