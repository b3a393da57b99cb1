"""deepmotif predict: inputs (FASTA, TSV, BED + genome), strands, central window, scan, streaming, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from _interpret_fixtures import X_of, random_seqs, save_checkpoint
from deepmotif.cli import main
from deepmotif.data.genome import write_fasta
from deepmotif.errors import InputError
from deepmotif.models.inference import load_network
from deepmotif.apply.predict import find_checkpoints, load_models, predict_file, strand_scores

@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("results")
    for i, arch in enumerate(("cnn", "rnn")):
        save_checkpoint(root / "TF1" / arch / "model.ckpt", arch, seed=i)
    save_checkpoint(root / "TF2" / "cnn" / "model.ckpt", "cnn", seed=5)
    return root


def direct(ckpt: Path, seqs: list[str], rc: bool = True) -> np.ndarray:
    """Strand-averaged logits computed by hand: the network on the forward and the reverse complement."""
    net = load_network(ckpt)
    with torch.no_grad():
        X = X_of(seqs)
        forward = net(X).double().numpy()
        reverse = net(X.flip(1, 2)).double().numpy()
    return (forward + reverse) / 2 if rc else forward


def reverse_complement(seq: str) -> str:
    return seq.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def test_fasta_scores_match_the_network_on_both_strands(results, tmp_path):
    seqs = random_seqs(6, 101, seed=1)
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i} some description\n{s[:50]}\n{s[50:]}\n" for i, s in enumerate(seqs)))
    out = tmp_path / "out.tsv"
    assert main(["predict", str(fasta), "--tf", "TF1", f"--results={results}", "-o", str(out)]) == 0
    table = pd.read_csv(out, sep="\t")
    assert list(table["id"]) == [f"s{i}" for i in range(6)]
    for arch in ("cnn", "rnn"):
        expected = direct(results / "TF1" / arch / "model.ckpt", seqs)
        np.testing.assert_allclose(table[f"{arch}_logit"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table["mean_logit"], (table["cnn_logit"] + table["rnn_logit"]) / 2, rtol=1e-5)
    np.testing.assert_allclose(table["mean_prob"], (table["cnn_prob"] + table["rnn_prob"]) / 2, rtol=1e-5)


def test_reverse_complement_scores_the_same_unless_no_rc(results, tmp_path):
    seqs = random_seqs(4, 101, seed=2)
    table = tmp_path / "in.tsv"
    pd.DataFrame({"id": ["a", "b", "c", "d", "a_rc", "b_rc", "c_rc", "d_rc"],
                  "seq": seqs + [reverse_complement(s) for s in seqs]}).to_csv(table, sep="\t", index=False)
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    for rc in (True, False):
        out = tmp_path / f"rc{rc}.tsv"
        predict_file(table, models, out, rc=rc)
        logit = pd.read_csv(out, sep="\t")["cnn_logit"].to_numpy()
        same = np.allclose(logit[:4], logit[4:], atol=1e-5)
        assert same is rc


def test_longer_sequences_are_scored_on_their_central_window(results, tmp_path):
    long = random_seqs(3, 160, seed=3)
    left = (160 - 101) // 2
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(long)))
    models = load_models([results / "TF1" / "rnn" / "model.ckpt"])
    predict_file(fasta, models, tmp_path / "out.tsv")
    table = pd.read_csv(tmp_path / "out.tsv", sep="\t")
    np.testing.assert_allclose(table["rnn_logit"], direct(models[0].path, [s[left:left + 101] for s in long]),
                               rtol=1e-5, atol=1e-6)
    assert list(table["length"]) == [160] * 3


def test_scan_reports_the_best_window_and_where_it_starts(results, tmp_path):
    seqs = random_seqs(2, 140, seed=4)
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    predict_file(fasta, models, tmp_path / "scan.tsv", scan=True, stride=3)
    table = pd.read_csv(tmp_path / "scan.tsv", sep="\t")
    for seq, row in zip(seqs, table.itertuples()):
        starts = list(range(0, 40, 3)) + [39]  # flush-right last window included
        scores = direct(models[0].path, [seq[s:s + 101] for s in starts])
        assert row.cnn_logit == pytest.approx(scores.max(), rel=1e-5)
        assert row.cnn_pos == starts[int(scores.argmax())]


def test_bed_and_narrowpeak_windows_come_from_the_genome(results, tmp_path):
    chrom = random_seqs(1, 1000, seed=5)[0]
    write_fasta(tmp_path / "g.fa", {"chr1": chrom})
    bed = tmp_path / "in.bed"
    bed.write_text("chr1\t100\t300\tpeakA\nchr1\t500\t560\n")
    narrow = tmp_path / "in.narrowPeak"
    narrow.write_text("chr1\t100\t300\tpeakA\t0\t.\t1\t1\t1\t20\n")
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    predict_file(bed, models, tmp_path / "bed.tsv", genome=str(tmp_path / "g.fa"))
    predict_file(narrow, models, tmp_path / "np.tsv", genome=str(tmp_path / "g.fa"))
    table = pd.read_csv(tmp_path / "bed.tsv", sep="\t")
    assert list(table["id"]) == ["peakA", "chr1:480-581"]
    assert list(table["start"]) == [150, 480]  # midpoints 200 and 530, 101-bp windows
    np.testing.assert_allclose(table["cnn_logit"], direct(models[0].path, [chrom[150:251], chrom[480:581]]),
                               rtol=1e-5, atol=1e-6)
    summit = pd.read_csv(tmp_path / "np.tsv", sep="\t")
    assert summit["start"].iloc[0] == 100 + 20 - 50  # centred on the summit, not the midpoint


def test_streaming_in_small_chunks_gives_the_same_table(results, tmp_path):
    seqs = random_seqs(9, 101, seed=6)
    fasta = tmp_path / "in.fa.gz"
    import gzip

    with gzip.open(fasta, "wt") as handle:
        handle.write("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    models = load_models([results / "TF1" / "cnn" / "model.ckpt", results / "TF1" / "rnn" / "model.ckpt"])
    predict_file(fasta, models, tmp_path / "a.tsv", chunk_size=2, batch_size=3)
    predict_file(fasta, models, tmp_path / "b.tsv")
    a, b = (pd.read_csv(tmp_path / f"{x}.tsv", sep="\t") for x in "ab")
    pd.testing.assert_frame_equal(a, b, rtol=1e-4)  # batch composition moves float32 sums in the last digits


def test_models_of_several_tfs_are_named_by_tf(results, tmp_path):
    fasta = tmp_path / "in.fa"
    fasta.write_text(">s\n" + random_seqs(1, 101, seed=7)[0] + "\n")
    out = tmp_path / "out.tsv"
    assert main(["predict", str(fasta), "--tf", "TF1", f"--results={results}", "--model",
                 str(results / "TF2" / "cnn" / "model.ckpt"), "-o", str(out)]) == 0
    assert list(pd.read_csv(out, sep="\t").columns) == [
        "id", "length", "TF2.cnn_logit", "TF2.cnn_prob", "TF1.cnn_logit", "TF1.cnn_prob", "TF1.rnn_logit",
        "TF1.rnn_prob", "TF1.mean_logit", "TF1.mean_prob"]  # --model checkpoints first, then --tf


def test_short_sequence_is_an_error_naming_the_record_and_no_output(results, tmp_path):
    fasta = tmp_path / "in.fa"
    seqs = random_seqs(3, 101, seed=8)
    fasta.write_text(f">ok1\n{seqs[0]}\n>ok2\n{seqs[1]}\n>tiny\n{seqs[2][:60]}\n")
    out = tmp_path / "out.tsv"
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    with pytest.raises(InputError, match=r"in\.fa line 5: sequence 'tiny' has 60 bp, shorter than the model's 101"):
        predict_file(fasta, models, out, chunk_size=1)  # the first chunks are written before the error
    assert list(tmp_path.iterdir()) == [fasta]


def test_sequences_with_n_are_scored_with_empty_columns(results, tmp_path):
    seq = random_seqs(1, 101, seed=9)[0]
    with_n = seq[:40] + "NNNNN" + seq[45:]
    pd.DataFrame({"id": ["n"], "seq": [with_n]}).to_csv(tmp_path / "in.tsv", sep="\t", index=False)
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    predict_file(tmp_path / "in.tsv", models, tmp_path / "out.tsv")
    X = X_of([with_n])
    assert X[0, :, 40:45].sum() == 0
    logit, _ = strand_scores(models[0].net, X)
    assert pd.read_csv(tmp_path / "out.tsv", sep="\t")["cnn_logit"].iloc[0] == pytest.approx(logit[0], rel=1e-5)


def test_checkpoint_in_the_folder_of_another_architecture(tmp_path):
    wrong = save_checkpoint(tmp_path / "TF" / "rnn" / "model.ckpt", "cnn")
    with pytest.raises(InputError, match=r"rnn/model\.ckpt: checkpoint of architecture 'cnn' in the folder of 'rnn'"):
        load_models([wrong])


def test_checkpoints_of_other_lengths(tmp_path):
    a = save_checkpoint(tmp_path / "A" / "cnn" / "model.ckpt", "cnn", length=101)
    b = save_checkpoint(tmp_path / "A" / "rnn" / "model.ckpt", "rnn", length=200)
    with pytest.raises(InputError, match=r"rnn/model\.ckpt: model length 200 bp differs from 101 bp"):
        load_models([a, b])
    with pytest.raises(InputError, match=r"cnn/model\.ckpt: model trained on 101-bp sequences, but --length is 80"):
        load_models([a], length=80)
    old = save_checkpoint(tmp_path / "B" / "cnn" / "model.ckpt", "cnn", length=None)
    assert load_models([old])[0].length == 101 and load_models([old], length=90)[0].length == 90


def test_not_a_checkpoint(tmp_path):
    bad = tmp_path / "model.ckpt"
    bad.write_text("hello")
    with pytest.raises(InputError, match=r"model\.ckpt: not a PyTorch checkpoint"):
        load_models([bad])
    with pytest.raises(InputError, match="no trained model"):
        find_checkpoints(tmp_path, "NOPE")


def test_cli_error_is_one_line(results, tmp_path):
    fasta = tmp_path / "in.fa"
    fasta.write_text(">short\nACGT\n")
    proc = subprocess.run([sys.executable, "-m", "deepmotif", "predict", str(fasta), "--tf", "TF1",
                           f"--results={results}", "-o", str(tmp_path / "o.tsv")],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1],
                          env={"PYTHONPATH": str(Path(__file__).parents[1] / "src"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert "deepmotif predict: error:" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.tsv").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_scores_match_cpu(results, tmp_path):
    seqs = random_seqs(5, 101, seed=10)
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    cpu, _ = strand_scores(models[0].net, X_of(seqs), device="cpu")
    gpu, _ = strand_scores(models[0].net, X_of(seqs), device="cuda")
    np.testing.assert_allclose(cpu, gpu, rtol=1e-4, atol=1e-5)


def test_several_checkpoints_after_one_model_flag(results, tmp_path):
    fasta = tmp_path / "in.fa"
    fasta.write_text(">s\n" + random_seqs(1, 101, seed=11)[0] + "\n")
    out = tmp_path / "out.tsv"
    ckpts = [str(results / "TF1" / arch / "model.ckpt") for arch in ("cnn", "rnn")]
    assert main(["predict", str(fasta), "-o", str(out), "--model", *ckpts]) == 0
    assert list(pd.read_csv(out, sep="\t").columns)[-2:] == ["mean_logit", "mean_prob"]


def test_scan_of_a_long_sequence_spans_several_blocks(results, tmp_path):
    seq = random_seqs(1, 4300, seed=12)[0]  # 4200 windows at stride 1: two blocks of windows
    (tmp_path / "in.fa").write_text(f">long\n{seq}\n")
    models = load_models([results / "TF1" / "cnn" / "model.ckpt"])
    predict_file(tmp_path / "in.fa", models, tmp_path / "scan.tsv", scan=True, batch_size=512)
    row = pd.read_csv(tmp_path / "scan.tsv", sep="\t").iloc[0]
    logits, _ = strand_scores(models[0].net, X_of([seq[s:s + 101] for s in range(4200)]))
    assert row["cnn_logit"] == pytest.approx(logits.max(), rel=1e-5)
    assert row["cnn_pos"] == int(logits.argmax())


# --- the readers, alone -------------------------------------------------------------------------------

def test_fasta_records_stream_with_their_header_line(tmp_path):
    import gzip

    from deepmotif.apply.predict import iter_fasta

    path = tmp_path / "x.fa.gz"
    with gzip.open(path, "wt") as f:
        f.write(">a first one\nACGT\nAC\n\n>b\nGG\n")
    assert [(r.id, r.seq, r.line) for r in iter_fasta(path)] == [("a", "ACGTAC", 1), ("b", "GG", 5)]
    for text, match in ((">a\nAC\n> \nGG\n", r"line 3: FASTA header without a name"),
                        ("ACGT\n>a\nAC\n", r"line 1: sequence before the first '>' header"),
                        ("\n\n", r"no FASTA record")):
        (tmp_path / "bad.fa").write_text(text)
        with pytest.raises(InputError, match=match):
            list(iter_fasta(tmp_path / "bad.fa"))


def test_table_records_take_id_and_seq_by_name(tmp_path):
    from deepmotif.apply.predict import iter_table

    (tmp_path / "t.tsv").write_text("seq\tnote\tid\nACGT\tx\t007\n\nGG\ty\tb\n")
    assert [(r.id, r.seq, r.line) for r in iter_table(tmp_path / "t.tsv")] == [("007", "ACGT", 2), ("b", "GG", 4)]
    (tmp_path / "short.tsv").write_text("id\tseq\nA\tACGT\nB\n")
    with pytest.raises(InputError, match=r"short\.tsv line 3: 1 columns, the header has 2"):
        list(iter_table(tmp_path / "short.tsv"))
    (tmp_path / "nohead.tsv").write_text("name\tsequence\nA\tACGT\n")
    with pytest.raises(InputError, match="must name columns 'id' and 'seq'"):
        list(iter_table(tmp_path / "nohead.tsv"))


def test_format_from_the_name_else_the_first_line(tmp_path):
    from deepmotif.apply.predict import sniff_format, window_starts

    for name, fmt in (("a.fa.gz", "fasta"), ("a.FASTA", "fasta"), ("p.narrowPeak.gz", "bed"), ("t.txt", "table")):
        assert sniff_format(tmp_path / name) == fmt  # no need to open the file
    (tmp_path / "seqs").write_text(">a\nACGT\n")
    (tmp_path / "rows").write_text("id\tseq\n")
    assert (sniff_format(tmp_path / "seqs"), sniff_format(tmp_path / "rows")) == ("fasta", "table")
    assert window_starts(10, 4, 3).tolist() == [0, 3, 6]     # the last window flush with the end
    assert window_starts(11, 4, 3).tolist() == [0, 3, 6, 7]
