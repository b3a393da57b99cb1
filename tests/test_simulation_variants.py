"""deepmotif simulate-variants on a composite (TAL1 E-box + GATA1, 7 bp apart): what each class does to
the planted sites, by recomputing the log-odds scores from the genome; no model is trained."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pysam
import pytest

from deepmotif.cli import main
from deepmotif.data.genome import write_fasta
from deepmotif.simulation.genome import fetch_jaspar_motif, plant_peaks, simulate_genome
from deepmotif.simulation.variants import (CODE, COMPLEMENT, _one_change_matches, _pick_per_motif, best_through,
                                              information_bits, kmer_scores, log_odds, site_threshold)

MOTIFS = ("MA0091.1", "MA0035.4")
SEED = 2


@pytest.fixture(scope="module")
def composite(tmp_path_factory):
    root = tmp_path_factory.mktemp("composite")
    motifs = [fetch_jaspar_motif(m) for m in MOTIFS]
    genome = simulate_genome(n_chroms=2, chrom_size=100_000, seed=5)
    genome, _, planted = plant_peaks(genome, motifs, n_peaks=150, spacing=7, seed=6)
    write_fasta(root / "genome.fa", genome)
    planted.to_csv(root / "planted.tsv", sep="\t", index=False)
    vcf = root / "variants.vcf.gz"
    assert main(["simulate-variants", f"--genome={root / 'genome.fa'}", f"--planted={root / 'planted.tsv'}",
                 "-o", str(vcf), "--n-per-class=40", f"--seed={SEED}"]) == 0
    records = [(r.chrom, r.pos - 1, r.ref, r.alts[0], r.info["CLASS"], r.info["MOTIF"], r.info["PEAK"],
                r.info.get("DSCORE")) for r in pysam.VariantFile(str(vcf))]
    table = pd.DataFrame(records, columns=["chrom", "pos", "ref", "alt", "cls", "motif", "peak", "dscore"])
    return {"genome": genome, "planted": planted, "table": table,
            "pwm": {m.motif_id: m.pwm for m in motifs},
            "thr": {m.motif_id: site_threshold(m.pwm, 0.1, seed=SEED) for m in motifs}}


def _site(composite, row) -> tuple[np.ndarray, np.ndarray, int]:
    """The planted site of a variant in the matrix's orientation, before and after; the column changed."""
    site = composite["planted"]
    site = site[(site["peak"] == row.peak) & (site["motif_id"] == row.motif)].iloc[0]
    codes = CODE[np.frombuffer(composite["genome"][site.chrom][site.start:site.end].encode(), dtype=np.uint8)]
    after = codes.copy()
    after[row.pos - site.start] = "ACGT".index(row.alt)
    if site.strand == "-":
        return COMPLEMENT[codes[::-1]], COMPLEMENT[after[::-1]], site.end - 1 - row.pos
    return codes, after, row.pos - site.start


def _through(composite, row, motif) -> tuple[float, float]:
    """Best score of ``motif`` over the k-mers through the variant, before and after (brute force)."""
    lo = log_odds(composite["pwm"][motif])
    k = lo.shape[1]
    seq = composite["genome"][row.chrom]
    before = CODE[np.frombuffer(seq[row.pos - k + 1:row.pos + k].encode(), dtype=np.uint8)]
    after = before.copy()
    after[k - 1] = "ACGT".index(row.alt)
    return kmer_scores(before, lo).max(), kmer_scores(after, lo).max()


def test_every_class_is_shared_equally_between_the_halves(composite):
    table = composite["table"]
    counts = table.groupby(["cls", "motif"]).size()
    for cls in ("break", "create", "neutral_flat"):
        assert counts[cls, MOTIFS[0]] == counts[cls, MOTIFS[1]] == 20, counts
    assert counts["neutral_far", "."] == 40


def test_a_break_lowers_the_site_by_three_bits_and_leaves_no_match(composite):
    """Before the fix a break was always the top-information column, and half of them left a k-mer
    scoring above the threshold (a planted site with a strong score stays a match after one change)."""
    breaks = composite["table"][composite["table"]["cls"] == "break"]
    assert len(breaks) == 40
    columns = set()
    for row in breaks.itertuples():
        lo = log_odds(composite["pwm"][row.motif])
        before, after, j = _site(composite, row)
        score, new = lo[before, np.arange(len(before))].sum(), lo[after, np.arange(len(after))].sum()
        assert score >= composite["thr"][row.motif]
        assert new - score <= -3 and row.dscore == pytest.approx(new - score, abs=1e-3)
        assert _through(composite, row, row.motif)[1] < composite["thr"][row.motif]
        other = next(m for m in MOTIFS if m != row.motif)
        assert [x >= composite["thr"][other] for x in _through(composite, row, other)] in ([True] * 2, [False] * 2)
        columns.add((row.motif, j))
    assert len(columns) > 4  # drawn among the qualifying columns, not always the most informative one


def test_a_neutral_flat_variant_keeps_the_site_score_and_every_match(composite):
    flats = composite["table"][composite["table"]["cls"] == "neutral_flat"]
    assert len(flats) == 40
    for row in flats.itertuples():
        pwm = composite["pwm"][row.motif]
        before, after, j = _site(composite, row)
        assert information_bits(pwm)[j] < 0.5
        assert abs(log_odds(pwm)[after[j], j] - log_odds(pwm)[before[j], j]) <= 0.5
        for motif in MOTIFS:
            old, new = _through(composite, row, motif)
            assert (old >= composite["thr"][motif]) == (new >= composite["thr"][motif])


def test_create_and_neutral_far_are_far_from_the_sites(composite):
    planted = composite["planted"]
    for row in composite["table"][composite["table"]["cls"].isin(["create", "neutral_far"])].itertuples():
        near = planted[(planted["chrom"] == row.chrom) & (planted["start"] - 1000 < row.pos)
                       & (planted["end"] + 1000 > row.pos)]
        assert near.empty
        if row.cls == "create":
            old, new = _through(composite, row, row.motif)
            assert old < composite["thr"][row.motif] <= new and row.dscore > 0


def test_best_through_agrees_with_scoring_every_kmer():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=60)
    lo = log_odds(fetch_jaspar_motif("MA0035.4").pwm)
    k = lo.shape[1]
    positions = np.array([0, 3, 30, 59])
    alts = (codes[positions] + 1) % 4
    before, after = best_through(codes, positions, alts, lo)
    for p, b, x, y in zip(positions, alts, before, after):
        changed = codes.copy()
        changed[p] = b
        lo_end = max(0, p - k + 1)
        assert x == pytest.approx(kmer_scores(codes[lo_end:p + k], lo).max())
        assert y == pytest.approx(kmer_scores(changed[lo_end:p + k], lo).max())


def test_best_through_agrees_at_the_ends_of_the_sequence():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, size=30)
    codes[12] = 4  # an N: the k-mers over it score -inf
    lo = log_odds(fetch_jaspar_motif("MA0139.1").pwm)  # 19 bp: most k-mers through a position run off an end
    positions = np.array([0, 5, 5, 11, 13, 29, 29])
    alts = (codes[positions] % 4 + np.array([1, 1, 2, 1, 3, 1, 2])) % 4
    before, after = best_through(codes, positions, alts, lo)
    for p, b, x, y in zip(positions, alts, before, after):
        changed = codes.copy()
        changed[p] = b
        assert x == kmer_scores(codes, lo).max(axis=0)[max(0, p - 18):p + 1].max()
        assert y == kmer_scores(changed, lo).max(axis=0)[max(0, p - 18):p + 1].max()


def _one_change_loop(codes, lo, threshold, mask):
    """Per k-mer below the threshold, its best single change if that reaches it: one k-mer at a time."""
    k = lo.shape[1]
    positions, alts = [], []
    for table in (lo, lo[COMPLEMENT][:, ::-1]):
        for i in range(len(codes) - k + 1):
            kmer = codes[i:i + k]
            if (kmer == 4).any() or table[kmer, np.arange(k)].sum() >= threshold:
                continue
            gain = table.max(axis=0) - table[kmer, np.arange(k)]
            j = int(gain.argmax())
            if table[kmer, np.arange(k)].sum() + gain[j] >= threshold and mask[i + j]:
                positions.append(i + j)
                alts.append(int(table[:, j].argmax()))
    return positions, alts


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_one_change_matches_are_those_of_every_kmer_in_turn(chunk):
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, size=400)
    codes[[50, 51, 300]] = 4
    lo = log_odds(fetch_jaspar_motif("MA0035.4").pwm)
    mask = rng.random(400) < 0.8
    threshold = np.sort(kmer_scores(codes, lo).ravel())[-40]  # a few k-mers match, many are one change away
    positions, alts = _one_change_matches(codes, lo, threshold, mask, chunk=chunk)
    want_positions, want_alts = _one_change_loop(codes, lo, threshold, mask)
    assert len(want_positions) > 10
    assert positions.tolist() == want_positions and alts.tolist() == want_alts


def test_the_variants_are_those_the_unchunked_version_drew(composite):
    # every row of the composite's VCF as simulate-variants drew it before the k-mers were taken in chunks
    # (commit a490739): the same genome, planted sites and seed give the same variants
    text = composite["table"].to_csv(sep="\t", index=False, float_format="%.3f")
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "c7156879188b1693"


def test_pick_per_motif_gives_a_short_matrix_all_it_has_and_the_rest_to_the_other():
    part = pd.DataFrame({"motif_id": ["A"] * 3 + ["B"] * 10, "pos": range(13)})
    rng = np.random.default_rng(0)
    assert _pick_per_motif(part, 8, rng)["motif_id"].value_counts().to_dict() == {"A": 3, "B": 5}
    assert _pick_per_motif(part, 4, rng)["motif_id"].value_counts().to_dict() == {"A": 2, "B": 2}
    assert list(_pick_per_motif(part, 20, rng)["pos"]) == list(range(13))


def test_a_stale_genome_index_is_rebuilt_not_trusted(tmp_path):
    """An index left from another FASTA (here: other line widths) would cut windows with newlines inside:
    simulate-variants rebuilds it, as every other genome reader does (deepmotif.data.genome.open_indexed)."""
    motifs = [fetch_jaspar_motif(MOTIFS[1])]
    genome, _, planted = plant_peaks(simulate_genome(n_chroms=1, chrom_size=40_000, seed=1), motifs, n_peaks=20,
                                     seed=2)
    write_fasta(tmp_path / "genome.fa", genome, width=60)
    (tmp_path / "genome.fa.fai").write_text(f"chr1\t{len(genome['chr1'])}\t6\t80\t81\n")  # width 80: stale
    planted.to_csv(tmp_path / "planted.tsv", sep="\t", index=False)
    assert main(["simulate-variants", f"--genome={tmp_path / 'genome.fa'}", f"--planted={tmp_path / 'planted.tsv'}",
                 "-o", str(tmp_path / "v.vcf.gz"), "--n-per-class=5"]) == 0
    assert (tmp_path / "genome.fa.fai").read_text().split("\t")[3:5] == ["60", "61\n"]
    for record in pysam.VariantFile(str(tmp_path / "v.vcf.gz")):
        assert genome[record.chrom][record.pos - 1] == record.ref


def test_a_missing_genome_is_named(tmp_path, capsys):
    (tmp_path / "planted.tsv").write_text("chrom\tstart\tend\tstrand\tmotif_id\tpeak\n")
    assert main(["simulate-variants", f"--genome={tmp_path / 'nope.fa'}", f"--planted={tmp_path / 'planted.tsv'}",
                 "-o", str(tmp_path / "v.vcf.gz")]) == 2
    assert "nope.fa: genome FASTA not found" in capsys.readouterr().err
    assert not (tmp_path / "v.vcf.gz").exists()
