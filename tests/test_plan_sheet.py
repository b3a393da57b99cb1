"""The TF sheet (deepmotif.plan.sheet): bad input gets one clear message naming file, line, column and fix."""

from __future__ import annotations

import pytest

from deepmotif.errors import InputError
from deepmotif.plan.config import load_schema
from deepmotif.plan.sheet import read_sheet


@pytest.fixture(scope="module")
def tf_schema():
    return load_schema("tfs")


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
