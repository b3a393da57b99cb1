"""deepmotif score-variants and simulate-variants: windows, tangermeme paths, skips, bad VCFs, ground truth."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from _interpret_fixtures import X_of, random_seqs, save_checkpoint
from deepmotif.cli import main
from deepmotif.data.genome import write_fasta
from deepmotif.errors import InputError
from deepmotif.apply.predict import load_models, open_genome, strand_scores
from deepmotif.apply.variants import (Allele, Window, alt_sequence, explain_variants, iter_alleles, make_window,
                                score_vcf, score_windows, summarize_variants, variant_ground_truth)

HEADER = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=3000>", "##contig=<ID=chr2,length=600>",
          '##INFO=<ID=CLASS,Number=1,Type=String,Description="class">',
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]


@pytest.fixture(scope="module")
def genome(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("genome")
    seqs = {"chr1": random_seqs(1, 3000, seed=11)[0], "chr2": random_seqs(1, 600, seed=12)[0]}
    write_fasta(root / "g.fa", seqs)
    return root / "g.fa", seqs


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    paths = [save_checkpoint(root / "TF1" / arch / "model.ckpt", arch, seed=i)
             for i, arch in enumerate(("cnn", "rnn"))]
    return load_models(paths)


def write_vcf(path: Path, records: list[str], header: list[str] = HEADER) -> Path:
    path.write_text("\n".join(header + records) + "\n")
    return path


def rec(chrom: str, pos: int, ref: str, alt: str, info: str = ".", id_: str = ".") -> str:
    return f"{chrom}\t{pos}\t{id_}\t{ref}\t{alt}\t.\t.\t{info}"


def other(base: str) -> str:
    return "A" if base != "A" else "C"


# --- windows -----------------------------------------------------------------------------------------

def test_alt_window_keeps_the_left_flank_and_continues_with_the_genome():
    ref_seq = "AAAAACGTTTTTGG"  # window of 11 from offset-5, with 3 extra bases for a deletion
    allele = Allele("c", 1, ".", "", "", 1)
    assert alt_sequence(Window(allele, 5, "C", "T", ref_seq), 11) == "AAAAATGTTTT"     # SNV at the centre
    assert alt_sequence(Window(allele, 5, "CG", "", ref_seq), 11) == "AAAAATTTTTG"     # deletion pulls in G
    assert alt_sequence(Window(allele, 5, "", "GG", ref_seq[:11]), 11) == "AAAAAGGCGTT"  # insertion pushes out


def test_make_window_centres_the_first_changed_base(genome):
    path, seqs = genome
    fasta = open_genome(path)
    sizes = {c: len(s) for c, s in seqs.items()}
    c1 = seqs["chr1"]
    pos = 1000  # 1-based: 0-based 999
    w = make_window(Allele("chr1", pos, ".", c1[999:1002], c1[999], 1), fasta, sizes, 101)
    assert (w.kind, w.offset, w.change_ref, w.change_alt) == ("deletion", 1000, c1[1000:1002], "")
    assert w.ref_seq == c1[1000 - 50:1000 + 51 + 2]
    ins = make_window(Allele("chr1", pos, ".", c1[999], c1[999] + "GT", 1), fasta, sizes, 101)
    assert (ins.kind, ins.offset, ins.change_alt) == ("insertion", 1000, "GT")


def test_tangermeme_paths_score_the_same_windows_as_the_strings(genome, models):
    """substitution_effect / deletion_effect / insertion_effect (left=False) = the documented windows."""
    path, seqs = genome
    fasta = open_genome(path)
    sizes = {c: len(s) for c, s in seqs.items()}
    c1 = seqs["chr1"]
    alleles = [("chr1", 500, c1[499], other(c1[499])),                        # SNV
               ("chr1", 600, c1[599:601], other(c1[599]) + other(c1[600])),    # MNV
               ("chr1", 700, c1[699:702], c1[699]),                            # deletion of 2
               ("chr1", 800, c1[799:805], c1[799]),                            # deletion of 5 (same group)
               ("chr1", 900, c1[899], c1[899] + "G"),                          # insertion of 1
               ("chr1", 1000, c1[999], c1[999] + "CATTG"),                     # insertion of 5
               ("chr1", 1100, c1[1099:1102], "GN"),                            # complex with N
               ("chr2", 300, seqs["chr2"][299], other(seqs["chr2"][299]))]
    windows = [make_window(Allele(c, p, ".", r, a, 1), fasta, sizes, 101) for c, p, r, a in alleles]
    assert [w.kind for w in windows] == ["substitution", "substitution", "deletion", "deletion", "insertion",
                                         "insertion", "complex", "substitution"]
    for model in models:
        before, after = score_windows(windows, model.net, 101)
        ref_logit, ref_prob = strand_scores(model.net, X_of([w.ref_seq[:101] for w in windows]))
        alt_logit, alt_prob = strand_scores(model.net, X_of([alt_sequence(w, 101) for w in windows]))
        np.testing.assert_allclose(before[:, 0], ref_logit, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(after[:, 0], alt_logit, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(after[:, 1], alt_prob, rtol=1e-5, atol=1e-6)


# --- the command -------------------------------------------------------------------------------------

def test_score_vcf_splits_alleles_and_reports_every_skip(genome, models, tmp_path):
    path, seqs = genome
    c1 = seqs["chr1"]
    snv_alts = [b for b in "ACGT" if b != c1[499]]
    vcf = write_vcf(tmp_path / "in.vcf", [
        rec("chr1", 10, c1[9], other(c1[9])),                                     # window off the start
        rec("chr1", 500, c1[499], ",".join(snv_alts[:2]), "CLASS=break", "rs1"),  # multi-allelic
        rec("chr1", 600, c1[599:603], c1[599]),                                   # deletion
        rec("chr1", 700, other(c1[699]), c1[699]),                                # REF differs from genome
        rec("chr1", 800, c1[799], "<DEL>", "CLASS=sv"),                           # symbolic
        rec("chr1", 900, c1[899], "C[chr2:100["),                                 # breakend
        rec("chr1", 2990, c1[2989], other(c1[2989])),                             # off the end
        rec("chr2", 300, seqs["chr2"][299], "*"),                                 # spanning deletion
        rec("2", 100, "A", "G"),                                                  # chromosome naming
    ])
    out, skipped = tmp_path / "out.tsv", tmp_path / "skipped.tsv"
    counts = score_vcf(vcf, path, models, out, skipped, info_fields=["CLASS"])
    table = pd.read_csv(out, sep="\t", keep_default_na=False)
    assert counts["scored"] == 3 and len(table) == 3 * 2
    assert list(table["pos"]) == [500, 500, 500, 500, 600, 600]
    assert list(table["alt"][:4]) == [snv_alts[0]] * 2 + [snv_alts[1]] * 2
    assert list(table["arch"][:2]) == ["cnn", "rnn"] and set(table["tf"]) == {"TF1"}
    assert list(table["CLASS"]) == ["break"] * 4 + [""] * 2
    np.testing.assert_allclose(table["delta_logit"], table["logit_alt"] - table["logit_ref"], atol=1e-5)
    lor = np.log(table["prob_alt"] / (1 - table["prob_alt"])) - np.log(table["prob_ref"] / (1 - table["prob_ref"]))
    np.testing.assert_allclose(table["log_odds_ratio"], lor, atol=1e-4)
    skips = pd.read_csv(skipped, sep="\t", keep_default_na=False)
    assert list(skips["reason"]) == ["off_chromosome_end", "ref_mismatch", "symbolic_allele", "breakend",
                                     "off_chromosome_end", "spanning_deletion", "chromosome_missing"]
    assert list(skips["line"]) == [6, 9, 10, 11, 12, 13, 14]
    assert "the genome calls it 'chr2'" in skips["detail"].iloc[-1]


def test_bgzipped_vcf_gives_the_same_table(genome, models, tmp_path):
    path, seqs = genome
    c1 = seqs["chr1"]
    plain = write_vcf(tmp_path / "in.vcf", [rec("chr1", p, c1[p - 1], other(c1[p - 1])) for p in (300, 400)])
    pysam.tabix_compress(str(plain), str(tmp_path / "in.vcf.gz"))
    score_vcf(plain, path, models, tmp_path / "a.tsv", tmp_path / "a.skipped.tsv")
    score_vcf(tmp_path / "in.vcf.gz", path, models, tmp_path / "b.tsv", tmp_path / "b.skipped.tsv", chunk_size=1)
    a, b = (pd.read_csv(tmp_path / f"{x}.tsv", sep="\t") for x in "ab")
    pd.testing.assert_frame_equal(a, b, rtol=1e-4)  # batch composition moves float32 sums in the last digits


@pytest.mark.parametrize("records, header, message", [
    ([rec("chr1", 300, "A", "G")], [], r"in\.vcf line 1: no VCF header"),
    ([rec("chr1", 300, "A", "G"), rec("chr1", 200, "A", "G")], HEADER,
     r"in\.vcf line 7: position chr1:200 comes after chr1:300; the VCF must be sorted"),
    ([rec("chr1", 300, "A", "G"), rec("chr2", 200, "A", "G"), rec("chr1", 400, "A", "G")], HEADER,
     r"in\.vcf line 8: records of chr1 resume after other chromosomes"),
    ([rec("chr1", 300, "A", "G,T"), rec("chr1", 300, "A", "T")], HEADER,
     r"in\.vcf line 7: duplicate of the record on line 6 \(chr1:300 A>T\)"),
    ([rec("chr1", 300, "A", "G"), rec("chr1", 310, "A", "XZ1")], HEADER,
     r"in\.vcf line 7: ALT allele 'XZ1' is not valid"),
    ([rec("chr1", 300, "A7", "G")], HEADER, r"in\.vcf line 6: REF 'A7' is not valid"),
    ([], HEADER, r"in\.vcf: the VCF has a header but no records"),
])
def test_bad_vcf_is_an_error_with_file_and_line_and_no_output(genome, models, tmp_path, records, header,
                                                                message):
    path, seqs = genome
    c1 = seqs["chr1"]
    fixed = [r.replace("\tA\t", f"\t{c1[int(r.split(chr(9))[1]) - 1]}\t", 1) for r in records]  # REF = genome
    vcf = write_vcf(tmp_path / "in.vcf", fixed, header)
    with pytest.raises(InputError, match=message):
        score_vcf(vcf, path, models, tmp_path / "out.tsv", tmp_path / "skipped.tsv", chunk_size=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.vcf"]


def test_empty_file_and_plain_gzip_are_errors(genome, models, tmp_path):
    path, seqs = genome
    (tmp_path / "empty.vcf").write_text("")
    with pytest.raises(InputError, match=r"empty\.vcf: empty file"):
        score_vcf(tmp_path / "empty.vcf", path, models, tmp_path / "o.tsv", tmp_path / "s.tsv")
    with gzip.open(tmp_path / "in.vcf.gz", "wt") as handle:
        handle.write("\n".join(HEADER + [rec("chr1", 300, seqs["chr1"][299], "G")]) + "\n")
    with pytest.raises(InputError, match=r"in\.vcf\.gz: gzip-compressed but not BGZF; recompress with .*bgzip"):
        score_vcf(tmp_path / "in.vcf.gz", path, models, tmp_path / "o.tsv", tmp_path / "s.tsv")
    assert not (tmp_path / "o.tsv").exists() and not (tmp_path / "s.tsv").exists()


def test_cli_score_variants_with_a_checkpoint_of_another_architecture(genome, tmp_path):
    path, seqs = genome
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", 300, seqs["chr1"][299], "G")])
    wrong = save_checkpoint(tmp_path / "res" / "TF" / "cnn_rnn" / "model.ckpt", "rnn")
    args = ["score-variants", str(vcf), f"--genome={path}", f"--model={wrong}", "-o", str(tmp_path / "o.tsv")]
    assert main(args) == 2
    assert not (tmp_path / "o.tsv").exists()


def test_cli_score_variants_writes_the_skipped_table_beside(genome, models, tmp_path):
    path, seqs = genome
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", 300, seqs["chr1"][299], "<INS>")])
    ckpt = models[0].path
    assert main(["score-variants", str(vcf), f"--genome={path}", f"--model={ckpt}", "-o",
                 str(tmp_path / "v.tsv")]) == 0
    assert len(pd.read_csv(tmp_path / "v.tsv", sep="\t")) == 0
    assert list(pd.read_csv(tmp_path / "v.skipped.tsv", sep="\t")["reason"]) == ["symbolic_allele"]


def test_iter_alleles_streams(genome, tmp_path):
    """Alleles come one by one: the first is available before a bad record further down is read."""
    path, seqs = genome
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", 300, "A", "G"), rec("chr1", 200, "A", "G")])
    alleles = iter_alleles(vcf)
    assert next(alleles).pos == 300
    with pytest.raises(InputError, match="must be sorted"):
        next(alleles)


# --- tables across TFs and the ground truth ----------------------------------------------------------

def _table(tf: str, rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["pos", "arch", "delta_logit", "CLASS"])
    df.insert(0, "chrom", "chr1")
    df["id"], df["ref"], df["alt"], df["tf"] = ".", "A", "G", tf
    for col in ("logit_ref", "logit_alt", "prob_ref", "prob_alt", "delta_prob", "log_odds_ratio"):
        df[col] = 0.0
    return df


def test_summary_ranks_variants_by_mean_effect_over_architectures():
    a = _table("A", [(1, "cnn", -3.0, ""), (1, "rnn", -1.0, ""), (2, "cnn", 0.5, ""), (2, "rnn", 1.5, "")])
    b = _table("B", [(1, "cnn", 2.5, ""), (1, "rnn", -0.5, "")])
    summary = summarize_variants([a, b])
    assert list(zip(summary["tf"], summary["pos"])) == [("A", 1), ("A", 2), ("B", 1)]
    assert list(summary["delta_logit"]) == [-2.0, 1.0, 1.0]
    assert list(summary["rank"]) == [1, 2, 3]
    assert list(summary["archs_agree"]) == [True, True, False]
    assert list(summary["n_archs"]) == [2, 2, 2]
    assert list(summary.columns[-1:]) == ["CLASS"]  # INFO columns carried along


def test_ground_truth_metrics_by_hand():
    table = _table("A", [(1, "cnn", -3.0, "break"), (2, "cnn", 0.2, "break"), (3, "cnn", 0.1, "neutral_far"),
                         (4, "cnn", -0.5, "neutral_flat"), (5, "cnn", 2.0, "create"), (6, "cnn", -0.05, "create")])
    row = variant_ground_truth(table).iloc[0]
    # |Δ| of break (3.0, 0.2) vs neutral (0.1, 0.5): pairs won 2 of 4 ... 3>0.1, 3>0.5, 0.2>0.1, 0.2<0.5 → 3/4
    assert row["auroc_break"] == pytest.approx(0.75)
    assert row["auroc_create"] == pytest.approx(0.75)  # 2 > 0.1, -0.5; -0.05 > -0.5, < 0.1
    assert row["sign_break"] == 0.5 and row["sign_create"] == 0.5 and row["sign_accuracy"] == 0.5
    assert (row["n_break"], row["n_create"], row["n_neutral"]) == (2, 2, 2)
    with pytest.raises(InputError, match="--info CLASS"):
        variant_ground_truth(table.drop(columns="CLASS"))
    assert list(variant_ground_truth(table)["motif"]) == ["all"]  # no MOTIF column: the pooled row only


def test_ground_truth_of_a_composite_has_a_row_per_matrix():
    """A model that reads only half T of a composite T+G: the pooled row hides it, the rows per matrix show it."""
    table = _table("TG", [(1, "cnn", -3.0, "break"), (2, "cnn", -2.0, "break"), (3, "cnn", 0.0, "break"),
                          (4, "cnn", -0.3, "break"), (5, "cnn", 0.1, "neutral_far"), (6, "cnn", -0.2, "neutral_flat"),
                          (7, "cnn", 1.0, "create"), (8, "cnn", 0.05, "create")])
    table["MOTIF"] = ["T", "T", "G", "G", ".", "G", "T", "G"]
    rows = variant_ground_truth(table).set_index("motif")
    assert list(rows.index) == ["all", "G", "T"]
    assert rows.loc["T", "auroc_break"] == 1.0 and rows.loc["T", "n_break"] == 2
    # G: |Δ| 0.0 and 0.3 against neutral 0.1, 0.2 → 0.3 beats both, 0.0 neither → 2 of 4
    assert rows.loc["G", "auroc_break"] == pytest.approx(0.5)
    assert rows.loc["all", "auroc_break"] == pytest.approx(6 / 8)
    assert (rows["n_neutral"] == 2).all()  # every row against all neutral variants
    assert rows.loc["T", "auroc_create"] == 1.0 and rows.loc["G", "auroc_create"] == pytest.approx(0.5)
    assert rows.loc["G", "median_delta_break"] == pytest.approx(-0.15)
    single = table.assign(MOTIF=table["MOTIF"].replace("G", "T"))
    assert list(variant_ground_truth(single)["motif"]) == ["all"]  # one matrix: no rows per matrix


# --- the simulated ground truth ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """The trained CTCF model of tests/_trained_tf.py, its genome re-simulated (same seeds), the VCF."""
    from _trained_tf import MOTIF, trained_tf
    from deepmotif.simulation.genome import fetch_jaspar_motif, plant_peaks, simulate_genome

    f = trained_tf()
    root = tmp_path_factory.mktemp("sim")
    genome = simulate_genome(n_chroms=5, chrom_size=250_000, seed=3)
    genome, _, planted = plant_peaks(genome, [fetch_jaspar_motif(MOTIF)], n_peaks=1000, seed=4)
    pd.testing.assert_frame_equal(planted, pd.read_csv(f["planted"], sep="\t", dtype={"chrom": str}))
    write_fasta(root / "genome.fa", genome)
    vcf = root / "variants.vcf.gz"
    assert main(["simulate-variants", f"--genome={root / 'genome.fa'}", f"--planted={f['planted']}",
                 "-o", str(vcf), "--n-per-class=60", "--seed=1"]) == 0
    return {"root": root, "genome": root / "genome.fa", "vcf": vcf, "model": f["model"], "planted": planted,
            "sequences": genome}


def test_simulated_variants_are_what_their_class_says(simulated):
    from deepmotif.simulation.genome import fetch_jaspar_motif
    from deepmotif.simulation.variants import kmer_scores, log_odds, site_threshold

    genome, planted = simulated["sequences"], simulated["planted"]
    records = list(pysam.VariantFile(str(simulated["vcf"])))
    classes = pd.Series([r.info["CLASS"] for r in records])
    assert set(classes) == {"break", "create", "neutral_far", "neutral_flat"}
    assert (classes.value_counts() <= 60).all() and classes.value_counts()["break"] == 60
    pwm = fetch_jaspar_motif("MA0139.1").pwm
    lo, thr = log_odds(pwm), site_threshold(pwm, 0.1, seed=1)
    codes = {c: np.frombuffer(s.encode(), dtype=np.uint8) for c, s in genome.items()}
    to_code = {ord(b): i for i, b in enumerate("ACGT")}
    for r in records:
        p = r.pos - 1
        assert genome[r.chrom][p] == r.ref
        inside = planted[(planted["chrom"] == r.chrom) & (planted["start"] <= p) & (planted["end"] > p)]
        near = planted[(planted["chrom"] == r.chrom) & (planted["start"] - 1000 < p) & (planted["end"] + 1000 > p)]
        cls = r.info["CLASS"]
        assert len(inside) == (1 if cls in ("break", "neutral_flat") else 0)
        if cls in ("create", "neutral_far"):
            assert near.empty
            k = lo.shape[1]
            before = np.array([to_code[b] for b in codes[r.chrom][p - k + 1:p + k]])
            after = before.copy()
            after[k - 1] = "ACGT".index(r.alts[0])
            best_before, best_after = kmer_scores(before, lo).max(), kmer_scores(after, lo).max()
            if cls == "create":
                assert best_before < thr <= best_after
            else:
                assert max(best_before, best_after) < thr


def test_simulated_variants_are_deterministic(simulated, tmp_path):
    from _trained_tf import trained_tf

    again = tmp_path / "again.vcf.gz"
    assert main(["simulate-variants", f"--genome={simulated['genome']}", f"--planted={trained_tf()['planted']}",
                 "-o", str(again), "--n-per-class=60", "--seed=1"]) == 0
    def body(path):
        return [str(r) for r in pysam.VariantFile(str(path))]
    assert body(again) == body(simulated["vcf"])


def test_training_records_the_input_length(simulated):
    """deepmotif train writes input_length into the checkpoint: predict and score-variants read it."""
    import torch

    ckpt = torch.load(simulated["model"], map_location="cpu", weights_only=True)
    assert ckpt["hyper_parameters"]["input_length"] == 101


def test_trained_cnn_separates_breaking_from_neutral_variants(simulated):
    root = simulated["root"]
    out = root / "variants.tsv"
    assert main(["score-variants", str(simulated["vcf"]), f"--genome={simulated['genome']}",
                 f"--model={simulated['model']}", "--info=CLASS", "-o", str(out)]) == 0
    assert main(["variants-ground-truth", str(out), "-o", str(root / "gt.tsv")]) == 0
    row = pd.read_csv(root / "gt.tsv", sep="\t").iloc[0]
    assert row["arch"] == "cnn" and row["n_break"] == 60
    assert row["auroc_break"] >= 0.9
    assert row["sign_break"] >= 0.9
    assert row["median_delta_break"] < -1 < row["median_delta_neutral_far"]


def test_malformed_record_names_its_line(genome, models, tmp_path):
    path, seqs = genome
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", 300, seqs["chr1"][299], "G"), "chr1\tabc\t.\tA\tG\t.\t.\t."])
    with pytest.raises(InputError, match=r"in\.vcf line 7: malformed VCF record"):
        score_vcf(vcf, path, models, tmp_path / "o.tsv", tmp_path / "s.tsv")
    assert not (tmp_path / "o.tsv").exists()


def test_explain_variants_writes_ref_and_alt_arrays_plot_saliency_reads(genome, models, tmp_path):
    path, seqs = genome
    c1 = seqs["chr1"]
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", p, c1[p - 1], other(c1[p - 1])) for p in (300, 400, 500)])
    score_vcf(vcf, path, models, tmp_path / "v.tsv", tmp_path / "s.tsv")
    ckpt = models[0].path
    assert main(["explain-variants", str(tmp_path / "v.tsv"), f"--genome={path}", f"--model={ckpt}",
                 f"--ref={tmp_path / 'ref.npz'}", f"--alt={tmp_path / 'alt.npz'}", "-n", "2"]) == 0
    ref, alt = (dict(np.load(tmp_path / f"{x}.npz", allow_pickle=False)) for x in ("ref", "alt"))
    table = pd.read_csv(tmp_path / "v.tsv", sep="\t")
    cnn = table[table["arch"] == "cnn"]
    strongest = cnn.iloc[np.argsort(-cnn["delta_logit"].abs().to_numpy())[:2]]
    assert list(ref["ids"]) == [f"chr1:{r.pos}:{r.ref}>{r.alt}" for r in strongest.itertuples()]
    for r, ref_seq, alt_seq, ism_ref in zip(strongest.itertuples(), ref["seqs"], alt["seqs"], ref["X_ism"]):
        assert ref_seq[50] == r.ref and alt_seq[50] == r.alt and ref_seq[:50] == alt_seq[:50]
        # ISM of the REF window at the centre, ALT base = the forward-strand Δlogit of the variant
        X = X_of([ref_seq, alt_seq])
        forward = models[0].net(X).detach().double().numpy()
        assert ism_ref["ACGT".index(r.alt), 50] == pytest.approx(forward[1] - forward[0], abs=1e-4)
    from deepmotif.report.figures import sequence_figures, write_figure_folder

    assert write_figure_folder(tmp_path / "fig", sequence_figures("saliency", {"REF": ref, "ALT": alt})) == 2
    assert write_figure_folder(tmp_path / "ism", sequence_figures("ism", {"REF": ref, "ALT": alt})) == 2


def test_score_variants_explains_the_strongest_in_the_same_job(genome, models, tmp_path):
    """score-variants --explain-ref/--explain-alt writes what explain-variants writes from its table."""
    path, seqs = genome
    c1 = seqs["chr1"]
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", p, c1[p - 1], other(c1[p - 1])) for p in range(300, 700, 40)])
    ckpts = [str(m.path) for m in models]
    merged = {(a, side): tmp_path / f"m.{a}.{side}.npz" for a in ("cnn", "rnn") for side in ("ref", "alt")}
    alone = {key: tmp_path / f"s.{key[0]}.{key[1]}.npz" for key in merged}
    assert main(["score-variants", str(vcf), f"--genome={path}", "--model", *ckpts, "-o", str(tmp_path / "v.tsv"),
                 "--chunk-size=3", "--n-explained=4", "--explain-ref", str(merged["cnn", "ref"]),
                 str(merged["rnn", "ref"]), "--explain-alt", str(merged["cnn", "alt"]), str(merged["rnn", "alt"])]) == 0
    assert main(["explain-variants", str(tmp_path / "v.tsv"), f"--genome={path}", "--model", *ckpts, "-n", "4",
                 "--ref", str(alone["cnn", "ref"]), str(alone["rnn", "ref"]),
                 "--alt", str(alone["cnn", "alt"]), str(alone["rnn", "alt"])]) == 0
    for key in merged:
        a, b = np.load(merged[key], allow_pickle=False), np.load(alone[key], allow_pickle=False)
        assert a.files == b.files and len(a["ids"]) == 4
        for name in a.files:
            if a[name].dtype.kind in "US":
                assert (a[name] == b[name]).all()
            else:
                np.testing.assert_allclose(a[name], b[name], atol=1e-5)


def test_explanations_run_in_batches_of_the_batch_size_and_do_not_depend_on_it(genome, models):
    """score-variants' batch size (variants.batch_size) reaches the explanations' ISM, saliency and probabilities."""
    path, seqs = genome
    c1 = seqs["chr1"]
    top = pd.DataFrame({"chrom": "chr1", "pos": [300, 420], "id": ".", "ref": [c1[299], c1[419]],
                        "alt": [other(c1[299]), other(c1[419])]})
    for model in models:
        whole = explain_variants(top, path, model, batch_size=1024)
        sizes = []
        hook = model.net.register_forward_hook(lambda module, args, out: sizes.append(len(out)))
        try:
            small = explain_variants(top, path, model, batch_size=5)
        finally:
            hook.remove()
        assert max(sizes) == 5 and sum(sizes) > 2 * 3 * 101  # the ISM's windows went 5 at a time
        for want, got in zip(whole, small):
            for name in ("prob", "X_attr", "X_ism"):
                np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6)


def test_score_variants_with_explanations_for_fewer_models_writes_nothing(genome, models, tmp_path):
    path, seqs = genome
    vcf = write_vcf(tmp_path / "in.vcf", [rec("chr1", 300, seqs["chr1"][299], other(seqs["chr1"][299]))])
    with pytest.raises(InputError, match="1 REF/ALT explanation outputs for 2 models"):
        score_vcf(vcf, path, models, tmp_path / "o.tsv", tmp_path / "s.tsv",
                  explanations=[(tmp_path / "r.npz", tmp_path / "a.npz")])
    assert not list(tmp_path.glob("*.tsv")) and not list(tmp_path.glob("*.npz"))
    assert main(["score-variants", str(vcf), f"--genome={path}", f"--model={models[0].path}", "-o",
                 str(tmp_path / "o.tsv"), "--explain-ref", str(tmp_path / "r.npz")]) != 0
    assert not list(tmp_path.glob("*.tsv"))
