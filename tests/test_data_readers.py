"""Readers of DeepBind, DeMo, narrowPeak and users' own files: real shared data and every bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from deepmotif.data.readers import (
    drop_n,
    read_deepbind_seq,
    read_demo_fasta,
    read_labelled_table,
    read_narrowpeak,
    read_sequences,
    sniff_format,
)
from deepmotif.errors import InputError

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not available")

SEQ = "ACGT" * 25 + "A"  # 101 bp


def write(path: Path, text: str, compress: bool = False) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def deepbind_text(*rows: str) -> str:
    return "FoldID\tEventID\tseq\tBound\n" + "".join(r + "\n" for r in rows)


# ------------------------------------------------------------------------------------ real data


@needs_shared
@pytest.mark.parametrize("path", sorted((SHARED / "deepbind_encode").glob("*_B.seq.gz")), ids=lambda p: p.name)
def test_deepbind_test_files_have_1000_balanced_rows(path):
    df = read_deepbind_seq(path)
    assert list(df.columns) == ["id", "seq", "label"]
    assert len(df) == 1000 and df.label.sum() == 500
    assert df.seq.str.len().eq(101).all() and df.id.is_unique
    assert df.id[0] == "seq_00002_peak"


@needs_shared
@pytest.mark.parametrize(
    "name, rows",
    [("ARID3A_K562_ARID3A_(sc-8821)_Stanford", 8526), ("FOXA1_HepG2_FOXA1_(SC-101058)_HudsonAlpha", 42614),
     ("MYC_H1-hESC_c-Myc_Stanford", 4051)],
)
def test_deepbind_training_files_are_all_positives(name, rows):
    df = read_deepbind_seq(SHARED / "deepbind_encode" / f"{name}_AC.seq.gz")
    assert len(df) == rows and (df.label == 1).all()


@needs_shared
@pytest.mark.parametrize("path", sorted((SHARED / "demo_format").glob("*/test.fa")), ids=lambda p: p.parent.name)
def test_demo_test_files_have_1000_balanced_rows(path):
    df = read_demo_fasta(path)
    assert len(df) == 1000 and df.label.sum() == 500
    assert df.seq.str.fullmatch("[ACGTN]{101}").all()
    assert df.id[0] == "test_1" and df.label.dtype == np.int64


@needs_shared
def test_demo_train_file_with_space_after_gt_alternates_labels():
    df = read_demo_fasta(SHARED / "demo_format" / "GATA1_K562_GATA-1_USC" / "train.fa")
    assert len(df) == 7148 and df.label.sum() == 3574
    assert df.label[:4].tolist() == [1, 0, 1, 0]


@needs_shared
@pytest.mark.parametrize("accession, rows", [("ENCFF618VMC", 38430), ("ENCFF605WXD", 38755)])
def test_real_encode_narrowpeak_parses(accession, rows):
    df = read_narrowpeak(SHARED / "encode_peaks" / f"{accession}.bed.gz")
    assert len(df) == rows
    assert list(df.columns) == ["chrom", "start", "end", "name", "score", "strand",
                                "signalValue", "pValue", "qValue", "peak"]
    assert df.start.dtype == np.int64 and df.peak.dtype == np.int64 and df.qValue.dtype == np.float64
    assert ((df.peak >= 0) & (df.peak < df.end - df.start)).all()
    assert df.chrom.str.startswith("chr").all()


@needs_shared
def test_real_encode_summit_at_peak_end_is_moved_to_last_base():
    df = read_narrowpeak(SHARED / "encode_peaks" / "ENCFF618VMC.bed.gz")
    row = df[(df.chrom == "chr6") & (df.start == 73521145)].iloc[0]  # file line 23050: summit 88 of 88
    assert row.peak == 87
    raw = read_narrowpeak(SHARED / "encode_peaks" / "ENCFF618VMC.bed.gz", resolve_summit=False)
    assert raw.peak[df.index[(df.chrom == "chr6") & (df.start == 73521145)][0]] == 88


# ------------------------------------------------------------------------------------- DeepBind


def test_deepbind_fixture_keeps_n_and_drop_n_counts(caplog):
    caplog.set_level("INFO")
    df = read_deepbind_seq(DATA / "tiny_B.seq")
    assert df.label.tolist() == [1, 1, 1, 1, 0, 0]
    assert df.id.tolist()[:2] == ["seq_00002_peak", "seq_00004_peak"]
    assert df.seq[2][50] == "N"
    assert "1 of 6 sequences contain N" in caplog.text
    kept, dropped = drop_n(df)
    assert dropped == 1 and len(kept) == 5 and not kept.seq.str.contains("N").any()
    assert drop_n(df, max_n=1)[1] == 0


def test_deepbind_gzip_and_lower_case(tmp_path):
    path = write(tmp_path / "x_B.seq.gz", deepbind_text(f"A\tseq_1\t{SEQ.lower()}\t1"), compress=True)
    df = read_deepbind_seq(path)
    assert df.seq[0] == SEQ and df.label[0] == 1


@pytest.mark.parametrize(
    "text, match",
    [
        ("", r"x\.seq: is empty"),
        ("FoldID\tEventID\tseq\tBound\n", "has a header but no sequences"),
        ("FoldID EventID seq Bound\nA x y 1\n", r"line 1: missing column\(s\) EventID, seq, Bound.*no tab"),
        ("FoldID\tEventID\tsequence\tBound\n", r"line 1: missing column\(s\) seq"),
        (deepbind_text(f"A\tseq_1\t{SEQ}\t1", f"A\tseq_2\t{SEQ}"),
         r"x\.seq line 3: has 3 tab-separated fields, expected 4"),
        (deepbind_text(f"A\tseq_1\t{SEQ[:-1]}X\t1"), r"line 2: invalid character 'X' at position 101"),
        (deepbind_text(f"A\tseq_1\t{SEQ}\t1", f"A\tseq_2\t{SEQ}A\t0"), r"line 3: sequence has 102 bp, expected 101"),
        (deepbind_text(f"A\tseq_1\t{SEQ}\t2"), r"line 2: column 'Bound' is '2'; labels must be 0 \(unbound\) or 1"),
        (deepbind_text(f"A\tseq_1\t{SEQ}\tyes"), r"line 2: column 'Bound' is 'yes'"),
        (deepbind_text(f"A\tseq_1\t{SEQ}\t1", f"A\tseq_1\t{SEQ}\t0"), r"line 3: duplicate id 'seq_1'"),
    ],
)
def test_deepbind_bad_input(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_deepbind_seq(write(tmp_path / "x.seq", text))


def test_deepbind_length_is_configurable(tmp_path):
    path = write(tmp_path / "x.seq", deepbind_text("A\tseq_1\tACGTN\t1"))
    with pytest.raises(InputError, match="5 bp, expected 101.*length="):
        read_deepbind_seq(path)
    assert read_deepbind_seq(path, length=5).seq[0] == "ACGTN"
    assert read_deepbind_seq(path, length=None).seq[0] == "ACGTN"


def test_truncated_gzip_is_reported(tmp_path):
    data = gzip.compress(deepbind_text(*[f"A\tseq_{i}\t{SEQ}\t1" for i in range(50)]).encode())
    path = tmp_path / "x.seq.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"x\.seq\.gz: truncated or corrupt gzip file"):
        read_deepbind_seq(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_deepbind_seq(tmp_path / "absent.seq")
    (tmp_path / "bin.seq").write_bytes(b"FoldID\tEventID\tseq\tBound\n\xff\xfe\n")
    with pytest.raises(InputError, match=r"bin\.seq line 2: not UTF-8 text \(byte 0xff at column 1\)"):
        read_deepbind_seq(tmp_path / "bin.seq")


# ----------------------------------------------------------------------------------------- DeMo


def test_demo_fixture_wrapped_records_and_spaces():
    df = read_demo_fasta(DATA / "tiny_demo.fa")
    assert df.label.tolist() == [1, 0, 1, 0]
    assert df.seq.str.len().eq(101).all() and df.seq.str.isupper().all()
    assert df.id.tolist() == ["tiny_demo_1", "tiny_demo_2", "tiny_demo_3", "tiny_demo_4"]


def test_demo_gzip_crlf(tmp_path):
    path = write(tmp_path / "test.fa.gz", f">1\r\n{SEQ}\r\n> 0\r\n{SEQ}\r\n", compress=True)
    df = read_demo_fasta(path)
    assert df.label.tolist() == [1, 0] and df.seq[1] == SEQ and df.id[0] == "test_1"


@pytest.mark.parametrize(
    "text, match",
    [
        ("\n\n", r"t\.fa: is empty"),
        (f"{SEQ}\n>1\n{SEQ}\n", r"t\.fa line 1: text before the first '>' header"),
        (f">1\n{SEQ}\n>chr1:5-106\n{SEQ}\n", r"t\.fa line 3: header '>chr1:5-106' is not a label.*'>1'"),
        (f">1\n{SEQ}\n>2\n{SEQ}\n", r"line 3: header '>2' is not a label"),
        (f">1\n>0\n{SEQ}\n", r"t\.fa line 1: record '>1' has no sequence"),
        (f">1\n{SEQ}\n>0\n", r"t\.fa line 3: record '>0' has no sequence"),
        (f">1\n{SEQ[:60]}\n{SEQ[60:-1]}R\n", r"t\.fa line 3: invalid character 'R' at position 41"),
        (f">1\n{SEQ}\n>0\n{SEQ[:60]}\n", r"t\.fa line 3: sequence has 60 bp, expected 101"),
    ],
)
def test_demo_bad_input(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_demo_fasta(write(tmp_path / "t.fa", text))


# ------------------------------------------------------------------------- users' FASTA / tables


def test_labelled_table_tsv_csv_and_split(tmp_path):
    tsv = write(tmp_path / "t.tsv", "id\tseq\tlabel\tsplit\tnote\nr1\tacgt\t1\ttrain\tx\nr2\tACGA\t0\ttest\ty\n")
    df = read_labelled_table(tsv)
    assert df.to_dict("list") == {"id": ["r1", "r2"], "seq": ["ACGT", "ACGA"], "label": [1, 0],
                                  "split": ["train", "test"]}
    csv = write(tmp_path / "t.csv.gz", 'seq,label\n"ACGT",1\n\nACGG,0.0\n', compress=True)
    df = read_labelled_table(csv)
    assert df.to_dict("list") == {"id": ["t_1", "t_2"], "seq": ["ACGT", "ACGG"], "label": [1, 0]}


@pytest.mark.parametrize(
    "text, match",
    [
        ("", r"t\.tsv: is empty"),
        ("seq\tlabel\n", "has a header but no sequences"),
        ("sequence\tlabel\nACGT\t1\n", r"t\.tsv line 1: missing column\(s\) seq"),
        ("seq\tlabel\nACGT\t1\nACGT\n", r"t\.tsv line 3: has 1 fields, the header has 2"),
        ("seq\tlabel\nACGT\t1\nACGT\tbound\n", r"line 3: column 'label' is 'bound'"),
        ("seq\tlabel\nACGT\t1\nACG\t0\n", r"line 3: sequence has 3 bp, expected 4"),
        ("id\tseq\tlabel\nx\tACGT\t1\nx\tACGT\t0\n", r"line 3: duplicate id 'x'"),
        ("seq\tlabel\tsplit\nACGT\t1\tvalidation\n", r"line 2: column 'split' is 'validation'; use train, valid or test"),
    ],
)
def test_labelled_table_bad_input(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_labelled_table(write(tmp_path / "t.tsv", text), length=4 if "ACG\t0" in text else None)


def test_sniff_and_dispatch(tmp_path):
    assert sniff_format(DATA / "tiny_B.seq") == "deepbind"
    assert sniff_format(DATA / "tiny_demo.fa") == "demo"
    assert sniff_format(write(tmp_path / "n.fa", ">a\nACGT\n")) == "fasta"
    assert sniff_format(write(tmp_path / "t.tsv", "seq\tlabel\nACGT\t1\n")) == "table"
    assert len(read_sequences(DATA / "tiny_demo.fa")) == 4
    with pytest.raises(InputError, match="has no labels"):
        read_sequences(tmp_path / "n.fa")


# ------------------------------------------------------------------------------------ narrowPeak


def test_narrowpeak_fixture_summits_and_types():
    df = read_narrowpeak(DATA / "tiny.narrowPeak")
    assert df.chrom.tolist() == ["chr1", "chr1", "chr2", "chr2"]
    assert df.name.tolist() == ["peak1", ".", "peak3", "."]
    assert df.peak.tolist() == [50, 75, 0, 87]  # -1 -> midpoint of 150 bp; 88 of 88 -> last base
    assert df.score.tolist() == [1000, 539, 0, 1000] and df.score.dtype == np.int64
    assert df.signalValue[1] == pytest.approx(4.3422)
    raw = read_narrowpeak(DATA / "tiny.narrowPeak", resolve_summit=False)
    assert raw.peak.tolist() == [50, -1, 0, 88]


def test_narrowpeak_gzip(tmp_path):
    path = write(tmp_path / "p.bed.gz", (DATA / "tiny.narrowPeak").read_text(), compress=True)
    assert len(read_narrowpeak(path)) == 4


def peak(*fields) -> str:
    """A valid narrowPeak line with the given leading fields replaced (None keeps the default)."""
    row = ["chr1", "100", "200", ".", "0", ".", "1.5", "-1", "0.5", "50"]
    for i, f in enumerate(fields):
        if f is not None:
            row[i] = str(f)
    return "\t".join(row) + "\n"


@pytest.mark.parametrize(
    "text, match",
    [
        ("", r"p\.narrowPeak: contains no peaks"),
        ("track name=x\n# comment\n", "contains no peaks"),
        (peak() + "chr1\t1\t2\n", r"p\.narrowPeak line 2: has 3 columns, narrowPeak has 10"),
        (peak().replace("\t", " "), r"line 1: has 1 columns.*separated by tabs"),
        (peak(None, "1e3"), r"line 1: column 'start' must be an integer, got '1e3'"),
        (peak(None, None, "abc"), r"line 1: column 'end' must be an integer, got 'abc'"),
        (peak(None, None, None, None, None, None, "high"), r"line 1: column 'signalValue' must be a number"),
        (peak(None, "-5"), "line 1: start -5 is negative"),
        (peak(None, "200", "200"), "line 1: start 200 is not before end 200"),
        (peak(None, None, None, None, None, "x"), "line 1: strand 'x' must be"),
        (peak() + peak(*[None] * 9, 101),
         r"line 2: summit offset 101 \(column 10\) is outside the peak \[0, 100\) of chr1:100-200"),
        (peak(*[None] * 9, -2), r"line 1: summit offset -2 .* outside the peak"),
        (peak(""), "line 1: empty chromosome name"),
    ],
)
def test_narrowpeak_bad_input(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_narrowpeak(write(tmp_path / "p.narrowPeak", text))


# ------------------------------------------------------------- encodings, line ends, long values


def test_byte_order_mark_keeps_the_first_column(tmp_path):
    # issue 10.6: a table saved with a UTF-8 BOM lost its 'id' column; the user's split was ignored
    bom = "\ufeff"
    table = write(tmp_path / "t.tsv", bom + "id\tseq\tlabel\tsplit\nr1\tACGT\t1\ttest\nr2\tACGA\t0\ttrain\n")
    df = read_labelled_table(table)
    assert df["id"].tolist() == ["r1", "r2"] and df["split"].tolist() == ["test", "train"]
    csv = write(tmp_path / "t.csv", bom + "split,seq,label\ntest,ACGT,1\ntrain,ACGA,0\n")
    assert read_labelled_table(csv)["split"].tolist() == ["test", "train"]
    seq = write(tmp_path / "x_B.seq.gz", bom + deepbind_text(f"A\tp1\t{SEQ}\t1", f"A\tp2\t{SEQ}\t0"), compress=True)
    assert read_deepbind_seq(seq)["id"].tolist() == ["p1", "p2"]
    demo = write(tmp_path / "test.fa", bom + f">1\n{SEQ}\n>0\n{SEQ}\n")
    assert read_demo_fasta(demo)["label"].tolist() == [1, 0]
    assert sniff_format(demo) == "demo"
    peak = write(tmp_path / "p.narrowPeak", bom + "chr1\t10\t50\t.\t0\t.\t5\t-1\t-1\t20\n")
    assert read_narrowpeak(peak)["chrom"].tolist() == ["chr1"]


def test_latin1_table_names_file_and_line(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_bytes("id\tseq\tlabel\ncafé\tACGT\t1\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"t\.tsv line 2: not UTF-8 text \(byte 0xe9 at column 4\); save the file as UTF-8"):
        read_labelled_table(path)


def test_cr_only_fasta_is_read_and_errors_quote_an_excerpt(tmp_path):
    # issue 10.9: a FASTA with classic-Mac line ends was one line, and its error quoted the whole file
    path = write(tmp_path / "mac.fa", f">1\r{SEQ}\r>0\r{SEQ}\r")
    assert read_demo_fasta(path)["label"].tolist() == [1, 0]
    long_header = write(tmp_path / "long.fa", f">chr1:1-101 {SEQ}{SEQ}\n{SEQ}\n")
    with pytest.raises(InputError) as err:
        read_demo_fasta(long_header)
    assert "is not a label" in str(err.value) and len(str(err.value)) < 400
    assert "characters)" in str(err.value)


def test_table_separated_by_spaces_says_so(tmp_path):
    # issue 10.9: the message said the columns must be "separated by commas"
    path = write(tmp_path / "t.tsv", "id seq label\nr1 ACGT 1\n")
    with pytest.raises(InputError, match=r"t\.tsv line 1: the header 'id seq label' is separated by spaces; "
                                         r"separate the columns by tabs") as err:
        read_labelled_table(path)
    assert "commas" not in str(err.value).split(";")[0]
