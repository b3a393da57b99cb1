"""Inputs a new user gets wrong, found by probing the data commands: each gets a one-line error or works."""

from __future__ import annotations

import bz2
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from conftest import ROOT

from deepmotif.cli import main
from deepmotif.data.genome import download_genome
from deepmotif.data.http import DownloadError, download
from deepmotif.data.readers import read_labelled_table, read_sequences, sniff_format
from deepmotif.errors import InputError

RNG = np.random.default_rng(0)


def seq(n: int) -> str:
    return "".join(RNG.choice(list("ACGT"), n))


@pytest.mark.parametrize("kind", ["bzip2", "zip"])
def test_other_compression_named_gz_is_named(tmp_path, kind):
    path = tmp_path / "x_AC.seq.gz"
    text = b"FoldID\tEventID\tseq\tBound\n"
    if kind == "bzip2":
        path.write_bytes(bz2.compress(text))
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("x.seq", text)
    with pytest.raises(InputError, match=f"x_AC.seq.gz: the file is compressed with {kind}, not gzip"):
        read_sequences(path)


def test_blank_lines_before_the_first_record_do_not_change_the_format(tmp_path):
    path = tmp_path / "test.fa"
    path.write_text(f"\n\n>1\n{seq(20)}\n>0\n{seq(20)}\n")
    assert sniff_format(path) == "demo"
    assert read_sequences(path, length=20)["label"].tolist() == [1, 0]


def test_a_sequence_longer_than_the_csv_field_limit_is_read(tmp_path):
    long = seq(200_000)
    path = tmp_path / "t.tsv"
    path.write_text(f"seq\tlabel\n{long}\t1\n{long[::-1]}\t0\n")
    assert read_labelled_table(path)["seq"].str.len().tolist() == [200_000, 200_000]


def test_cr_only_genome_is_refused_not_indexed_as_empty(tmp_path):
    source = tmp_path / "mac.fa"
    source.write_bytes(b">chr1\r" + b"ACGT" * 15 + b"\r" + b"ACGT" * 15 + b"\r")
    with pytest.raises(InputError, match=r"mac.fa line 1: the file's lines end in CR only"):
        download_genome(str(source), tmp_path / "out" / "g.fa", progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_unsupported_url_scheme_fails_at_once(tmp_path):
    with pytest.raises(DownloadError, match="unsupported URL scheme 'htp'"):
        download("htp://example.org/x", tmp_path / "x", retries=3, backoff=30)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["extract", "p.bed", "g.fa", "-o", "x", "--length=0"], "argument --length: 0 must be > 0"),
        (["import-sequences", "--train=a", "--test=b", "-o", "x", "--valid-fraction=1.5"],
         "argument --valid-fraction: 1.5 must be in [0, 1)"),
        (["import-sequences", "--train=a", "--test=b", "-o", "x", "--max-train=-1"], "-1 must be >= 0"),
        (["simulate", "--motifs=MA0139.1", "--n-peaks=0", "--genome=g", "--peaks=p", "--planted=t"],
         "argument --n-peaks: 0 must be > 0"),
        (["build-dataset", "p.tsv", "-o", "x", "--test-fraction=abc"], "'abc' is not a number"),
    ],
)
def test_out_of_range_numbers_are_refused_by_the_parser(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_empty_positives_table_is_an_input_error(tmp_path, capsys):
    (tmp_path / "pos.tsv").write_text("")
    assert main(["build-dataset", str(tmp_path / "pos.tsv"), "-o", str(tmp_path / "s.tsv")]) == 2
    assert "pos.tsv: not a positives table" in capsys.readouterr().err


def test_output_where_a_file_is_gives_one_line_not_a_traceback(tmp_path):
    (tmp_path / "train.fa").write_text("".join(f">{i % 2}\n{seq(30)}\n" for i in range(20)))
    (tmp_path / "blocker").write_text("")
    result = subprocess.run([sys.executable, "-m", "deepmotif", "import-sequences", "--train",
                             str(tmp_path / "train.fa"), "--test", str(tmp_path / "train.fa"), "-o",
                             str(tmp_path / "blocker" / "s.tsv")], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: " in result.stderr and "blocker" in result.stderr


def test_a_folder_given_as_a_file_is_named_as_such(tmp_path):
    from deepmotif.data.intervals import read_peaks

    with pytest.raises(InputError, match="is a directory, expected a file"):
        read_peaks(tmp_path)


@pytest.mark.parametrize("columns", ["chrom\tstart\tend\tname\tscore\tstrand\tsignalValue\tpValue\tqValue\tpeak",
                                     "chrom\tstart\tend"])
def test_a_header_row_in_a_peak_file_gets_a_hint(tmp_path, columns):
    from deepmotif.data.intervals import read_peaks

    path = tmp_path / "p.bed"
    row = "\t".join(["chr1", "1000", "1200", ".", "0", ".", "5", "-1", "-1", "100"][: columns.count("\t") + 1])
    path.write_text(f"{columns}\n{row}\n")
    with pytest.raises(InputError, match=r"p.bed line 1: .*looks like a header of column names"):
        read_peaks(path)
