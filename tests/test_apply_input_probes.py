"""Silent wrong answers of issue 17: inputs that were scored wrongly (or died in a traceback) and now
get the right answer or one line naming file and line."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from _interpret_fixtures import X_of, random_seqs, tiny_net
from deepmotif.apply.predict import load_models, predict_file
from deepmotif.apply.variants import score_vcf
from deepmotif.cli import main
from deepmotif.data.genome import extract_sequences, write_fasta
from deepmotif.data.tables import read_variant_table
from deepmotif.errors import InputError
from deepmotif.models.inference import load_network

ROOT = Path(__file__).resolve().parents[1]
VCF_HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def save_checkpoint(path: Path, seed: int = 0, nan: bool = False) -> Path:
    """A cnn checkpoint as deepmotif train writes it (hyper_parameters + net.-prefixed weights)."""
    net = tiny_net("cnn", seed)
    state = {f"net.{k}": v for k, v in net.state_dict().items()}
    if nan:
        state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in state.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"hyper_parameters": {"arch": "cnn", "net_kwargs": {"n_filters": 8}, "input_length": 101},
                "state_dict": state}, path)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return load_models([save_checkpoint(tmp_path_factory.mktemp("results") / "TF" / "cnn" / "model.ckpt")])


@pytest.fixture
def chrom() -> str:
    return random_seqs(1, 1000, seed=5)[0]


def reverse_complement(seq: str) -> str:
    return seq.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def logits_of(net, seqs: list[str]) -> np.ndarray:
    with torch.no_grad():
        return net(X_of(seqs)).double().numpy()


# --- genomes: stale index, duplicate names --------------------------------------------------------------

def test_a_stale_index_of_a_rewrapped_genome_is_rebuilt(tmp_path, chrom, model):
    fasta = tmp_path / "g.fa"
    write_fasta(fasta, {"chr1": chrom}, width=60)  # writes g.fa.fai for 60-bp lines
    fai = Path(f"{fasta}.fai")
    old_index = fai.read_text()
    fasta.write_text(">chr1\n" + "".join(chrom[i:i + 50] + "\n" for i in range(0, len(chrom), 50)))
    os.utime(fai, (fasta.stat().st_mtime + 10,) * 2)  # the index looks newer than the FASTA
    window = pd.DataFrame({"chrom": ["chr1"], "start": [100], "end": [201]})
    assert extract_sequences(window, fasta) == [chrom[100:201]]  # not a window with a newline inside
    assert fai.read_text() != old_index and "\t50\t51\n" in fai.read_text()
    bed = tmp_path / "in.bed"
    bed.write_text("chr1\t100\t201\tw\n")
    predict_file(bed, model, tmp_path / "out.tsv", genome=str(fasta), rc=False)
    logit = pd.read_csv(tmp_path / "out.tsv", sep="\t")["cnn_logit"].to_numpy()
    np.testing.assert_allclose(logit, logits_of(model[0].net, [chrom[100:201]]), rtol=1e-5, atol=1e-6)


def test_a_genome_with_two_records_of_one_name_is_refused_without_an_index_left(tmp_path, chrom, model):
    fasta = tmp_path / "g.fa"
    fasta.write_text(f">chr1\n{chrom}\n>chr2\n{chrom}\n>chr1 again\n{chrom}\n")
    bed = tmp_path / "in.bed"
    bed.write_text("chr1\t100\t201\n")
    with pytest.raises(InputError, match=r"g\.fa line 5: duplicate sequence name 'chr1'"):
        predict_file(bed, model, tmp_path / "out.tsv", genome=str(fasta))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa", "in.bed"]  # no .fai, no output


# --- sequences: letters, encodings, duplicate ids -------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    (">s\n{a}\n{b}\n", None),
    (">s\n{a}\nACGT 1234{b}\n", r"in\.fa line 3: invalid character ' ' at position 5"),
    (">s\n{a}\n{b}-\n", r"in\.fa line 3: invalid character '-' at position 52"),
    (">s genbank\n        1 {a}\n", r"in\.fa line 2: invalid character '1' at position 1"),
    (">s\n{a}\n{b}é\n", r"in\.fa line 3: invalid character 'É' at position 52"),
])
def test_predict_refuses_letters_the_training_readers_refuse(tmp_path, model, text, message):
    seq = random_seqs(1, 101, seed=1)[0]
    fasta = tmp_path / "in.fa"
    fasta.write_text(text.format(a=seq[:50], b=seq[50:]))
    if message is None:
        assert predict_file(fasta, model, tmp_path / "out.tsv") == 1
        return
    with pytest.raises(InputError, match=message + ".* only A, C, G, T and N"):
        predict_file(fasta, model, tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()


def test_predict_table_with_a_bad_letter_names_the_line(tmp_path, model):
    seq = random_seqs(1, 101, seed=1)[0]
    table = tmp_path / "in.tsv"
    table.write_text(f"id\tseq\na\t{seq}\nb\t{seq[:60]}7{seq[61:]}\n")
    with pytest.raises(InputError, match=r"in\.tsv line 3: invalid character '7' at position 61"):
        predict_file(table, model, tmp_path / "out.tsv")


@pytest.mark.parametrize("name, text", [
    ("in.fa", ">s café\n{seq}\n"),
    ("in.tsv", "id\tseq\ncafé\t{seq}\n"),
    ("in.bed", "chr1\t100\t201\tcafé\n"),
])
def test_latin1_inputs_to_predict_are_named_like_the_sheet_reader(tmp_path, model, chrom, name, text):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    path = tmp_path / name
    path.write_bytes(text.format(seq=random_seqs(1, 101, seed=1)[0]).encode("latin-1"))
    column = text.split("\n")[1 if name == "in.tsv" else 0].index("é") + 1
    line = 2 if name == "in.tsv" else 1
    with pytest.raises(InputError, match=rf"{name} line {line}: not UTF-8 text \(byte 0xe9 at column {column}\)"):
        predict_file(path, model, tmp_path / "out.tsv", genome=str(tmp_path / "g.fa"))


def test_duplicate_ids_are_scored_and_warned_about(tmp_path, model, caplog):
    seqs = random_seqs(3, 101, seed=2)
    fasta = tmp_path / "in.fa"
    fasta.write_text(f">a\n{seqs[0]}\n>b\n{seqs[1]}\n>a\n{seqs[2]}\n")
    with caplog.at_level(logging.WARNING):
        assert predict_file(fasta, model, tmp_path / "out.tsv") == 3
    assert list(pd.read_csv(tmp_path / "out.tsv", sep="\t")["id"]) == ["a", "b", "a"]
    assert "1 duplicate id(s), e.g. 'a' (line 5)" in caplog.text


def test_a_checkpoint_with_nan_weights_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "cnn" / "model.ckpt", nan=True)
    with pytest.raises(InputError, match=r"model\.ckpt: .*not finite"):
        load_network(path)


# --- intervals: digits, summits, strands ----------------------------------------------------------------

@pytest.mark.parametrize("line", ["chr1\t1\u00b200\t300\n", "chr1\t\u0661\u0660\u0660\t300\n", "chr1\t100\t３00\n"])
def test_unicode_digits_in_bed_coordinates_are_refused(tmp_path, chrom, model, line):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    bed = tmp_path / "in.bed"
    bed.write_text("chr1\t10\t200\n" + line)
    with pytest.raises(InputError, match=r"in\.bed line 2: .*integer"):
        predict_file(bed, model, tmp_path / "out.tsv", genome=str(tmp_path / "g.fa"))
    from deepmotif.data.intervals import read_bed

    with pytest.raises(InputError, match=r"in\.bed line 2: column '(start|end)' must be a non-negative integer"):
        read_bed(bed)


@pytest.mark.parametrize("summit", [250, -5])
def test_a_summit_outside_its_peak_is_refused_by_predict_and_extract(tmp_path, chrom, model, summit):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    peaks = tmp_path / "in.narrowPeak"
    peaks.write_text(f"chr1\t300\t500\tp1\t0\t.\t1\t1\t1\t50\nchr1\t100\t300\tp2\t0\t.\t1\t1\t1\t{summit}\n")
    with pytest.raises(InputError, match=rf"in\.narrowPeak line 2: summit offset {summit} .*outside the peak"):
        predict_file(peaks, model, tmp_path / "out.tsv", genome=str(tmp_path / "g.fa"))
    assert main(["extract", str(peaks), str(tmp_path / "g.fa"), "-o", str(tmp_path / "x.tsv")]) == 2


def test_the_bed_strand_is_honoured(tmp_path, chrom, model):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    bed = tmp_path / "in.bed"
    bed.write_text("chr1\t100\t260\tplus\t0\t+\nchr1\t100\t260\tminus\t0\t-\n")
    predict_file(bed, model, tmp_path / "bed.tsv", genome=str(tmp_path / "g.fa"), scan=True, rc=False)
    fasta = tmp_path / "same.fa"
    fasta.write_text(f">plus\n{chrom[100:260]}\n>minus\n{reverse_complement(chrom[100:260])}\n")
    predict_file(fasta, model, tmp_path / "fa.tsv", scan=True, rc=False)
    bed_table, fa_table = (pd.read_csv(tmp_path / n, sep="\t") for n in ("bed.tsv", "fa.tsv"))
    assert list(bed_table["strand"]) == ["+", "-"]
    np.testing.assert_allclose(bed_table["cnn_logit"], fa_table["cnn_logit"], rtol=1e-6)
    assert list(bed_table["cnn_pos"]) == list(fa_table["cnn_pos"])  # from the 5' end of the strand scored
    assert bed_table["cnn_logit"].iloc[0] != pytest.approx(bed_table["cnn_logit"].iloc[1])


# --- variant tables --------------------------------------------------------------------------------------

def test_info_keys_that_are_output_columns_are_refused(tmp_path, chrom, model):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    vcf = tmp_path / "in.vcf"
    vcf.write_text(VCF_HEADER + f"chr1\t300\t.\t{chrom[299]}\tN\t.\t.\t.\n")
    for info in (["pos"], ["CLASS", "chrom"], ["delta_logit"]):
        with pytest.raises(InputError, match=rf"--info {info[-1]}: .*output column"):
            score_vcf(vcf, tmp_path / "g.fa", model, tmp_path / "v.tsv", tmp_path / "s.tsv", info)
    assert not (tmp_path / "v.tsv").exists()


def test_n_explained_below_zero_is_refused(tmp_path, chrom, model):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    vcf = tmp_path / "in.vcf"
    vcf.write_text(VCF_HEADER + f"chr1\t300\t.\t{chrom[299]}\tA\t.\t.\t.\n")
    with pytest.raises(InputError, match="n_explained must be >= 0, got -1"):
        score_vcf(vcf, tmp_path / "g.fa", model, tmp_path / "v.tsv", tmp_path / "s.tsv",
                  explanations=[(tmp_path / "r.npz", tmp_path / "a.npz")], n_explained=-1)


def test_ids_with_quotes_are_written_alike_in_both_tables(tmp_path, chrom, model):
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    vcf = tmp_path / "in.vcf"
    ref = chrom[299]
    vcf.write_text(VCF_HEADER + f'chr1\t300\trs"1\t{ref}\t{"A" if ref != "A" else "C"},<DEL>\t.\t.\t.\n')
    score_vcf(vcf, tmp_path / "g.fa", model, tmp_path / "v.tsv", tmp_path / "s.tsv")
    scored, skipped = (tmp_path / "v.tsv").read_text(), (tmp_path / "s.tsv").read_text()
    assert scored.splitlines()[1].split("\t")[2] == skipped.splitlines()[1].split("\t")[2]
    assert list(read_variant_table(tmp_path / "v.tsv")["id"]) == ['rs"1']
    assert list(read_variant_table(tmp_path / "s.tsv")["id"]) == ['rs"1']
