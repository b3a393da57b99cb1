"""Simulated genomes and planted motifs (deepmotif.simulation.genome)."""

from __future__ import annotations

from deepmotif.simulation.genome import fetch_jaspar_motif, plant_peaks, simulate_genome


def test_simulated_genome_is_cpg_depleted_and_deterministic():
    a = simulate_genome(2, 50_000, seed=3)
    assert a == simulate_genome(2, 50_000, seed=3)
    assert a != simulate_genome(2, 50_000, seed=4)
    seq = "".join(a.values())
    cpg = seq.count("CG") / len(seq)
    gpc = seq.count("GC") / len(seq)
    assert cpg < 0.5 * gpc  # human-like CpG depletion
    gc = (seq.count("G") + seq.count("C")) / len(seq)
    assert 0.37 < gc < 0.45


def test_planted_composite_has_fixed_spacing_and_matches_genome():
    genome = simulate_genome(2, 30_000, seed=1)
    motifs = [fetch_jaspar_motif("MA0091.1"), fetch_jaspar_motif("MA0035.4")]
    new, peaks, planted = plant_peaks(genome, motifs, n_peaks=20, spacing=7, jitter=10, seed=2)
    assert len(peaks) == 20 and len(planted) == 40
    for _, pair in planted.groupby("peak"):
        pair = pair.sort_values("start")
        first, second = pair.iloc[0], pair.iloc[1]
        assert second["start"] - first["end"] == 7  # fixed gap
        assert first["strand"] == second["strand"]
    for _, peak in peaks.iterrows():  # the summit lies within ±jitter of the element's centre
        sites = planted[planted["peak"] == peak["name"]]
        centre = (sites["start"].min() + sites["end"].max()) / 2
        assert abs(centre - (peak["start"] + peak["peak"])) <= 11
    # the planted site is in the new genome and (almost surely) not in the old one
    row = planted.iloc[0]
    assert new[row["chrom"]][row["start"]:row["end"]] != genome[row["chrom"]][row["start"]:row["end"]]
