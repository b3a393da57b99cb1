"""The TF sheet and config: bad input gets one clear message naming file, line, key and fix."""

from __future__ import annotations


import pytest
import yaml
from conftest import run_snakemake

from deepmotif.plan.config import check_config
from deepmotif.errors import InputError
from deepmotif.plan.sheet import read_sheet


@pytest.fixture(scope="module")
def tf_schema(repo_root):
    return yaml.safe_load((repo_root / "src/deepmotif/plan/schemas/tfs.schema.yaml").read_text())


@pytest.fixture(scope="module")
def config_schema(repo_root):
    return yaml.safe_load((repo_root / "src/deepmotif/plan/schemas/config.schema.yaml").read_text())


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


def test_quotes_are_data_and_do_not_swallow_rows(tmp_path, tf_schema):
    """A '"' in a description (csv's default quoting made it swallow the rows after it)."""
    path = tmp_path / "s.tsv"
    path.write_text('tf\tsource\tmotifs\tdescription\nCTCF\tsimulated\tMA0139.1\t"x\nREST\tsimulated\tMA0138.2\ty\n')
    df = read_sheet(path, tf_schema)
    assert list(df.index) == ["CTCF", "REST"]
    assert df.loc["CTCF", "description"] == '"x' and df.loc["REST", "description"] == "y"


@pytest.mark.parametrize("name, message", [
    (".", r"line 2, column 'tf': '\.' is a path step"),
    ("..", r"line 2, column 'tf': '\.\.' is a path step"),
    ("-x", r"line 2, column 'tf': '-x' starts with '-'"),
    ("mean", r"line 2, column 'tf': 'mean' is a summary row of results/summary/auc_table.tsv"),
    ("median", r"line 2, column 'tf': 'median' is a summary row"),
    ("summary", r"line 2, column 'tf': 'summary' is a folder of the pipeline's own \(results/summary/\)"),
    ("igv", r"'igv' is a folder of the pipeline's own"),
])
def test_tf_names_that_escape_or_collide_are_refused(tmp_path, tf_schema, name, message):
    with pytest.raises(InputError, match=message):
        read_sheet(write_sheet(tmp_path, f"tf|source|motifs\n{name}|simulated|MA0139.1\n"), tf_schema)


def test_sheet_with_utf8_bom_reads_and_latin1_is_named(tmp_path, tf_schema):
    path = tmp_path / "tfs.tsv"
    path.write_bytes("\ufefftf\tsource\tmotifs\tdescription\nA\tsimulated\tMA0139.1\tné\n".encode("utf-8"))
    df = read_sheet(path, tf_schema)
    assert list(df.index) == ["A"] and df.loc["A", "description"] == "né"
    path.write_bytes("tf\tsource\tmotifs\tdescription\nA\tsimulated\tMA0139.1\tné\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"tfs.tsv line 2: not UTF-8.*byte 0xe9 at column 23.*save the file as UTF-8"):
        read_sheet(path, tf_schema)


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
