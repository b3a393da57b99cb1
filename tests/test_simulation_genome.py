"""Simulated genomes and planted motifs (deepmotif.simulation.genome)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from deepmotif.simulation.genome import (HUMAN_DINUCLEOTIDES, _markov_chain, fetch_jaspar_motif, plant_peaks,
                                           simulate_genome)


def _chain_loop(first: int, uniforms: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """The Markov chain one step at a time (what _markov_chain computes without the loop)."""
    out = [first]
    for u in uniforms:
        nxt = 0
        while nxt < 3 and u > cumulative[out[-1], nxt]:
            nxt += 1
        out.append(nxt)
    return np.array(out, dtype=np.uint8)


@pytest.mark.parametrize("n", [0, 1, 2, 63, 64, 65, 130, 5000])
def test_markov_chain_equals_the_loop_one_step_at_a_time(n):
    rng = np.random.default_rng(n)
    transition = HUMAN_DINUCLEOTIDES / HUMAN_DINUCLEOTIDES.sum(axis=1, keepdims=True)
    lopsided = np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25], [0.0, 0.5, 0.0, 0.5], [0.1, 0.1, 0.1, 0.7]])
    for cumulative in (np.cumsum(transition, axis=1), np.cumsum(lopsided, axis=1)):
        ties = cumulative[:, :3].ravel()  # draws on a threshold and just beside it
        uniforms = rng.permutation(np.concatenate([rng.random(n), ties, np.nextafter(ties, 0), np.nextafter(ties, 1)]))
        for first in range(4):
            np.testing.assert_array_equal(_markov_chain(first, uniforms, cumulative),
                                          _chain_loop(first, uniforms, cumulative))


def test_simulated_genome_is_the_one_the_numba_loop_drew():
    # seed 1600 (the default CTCF's): the digest of the genome drawn one step at a time by the numba loop
    # this replaced (commit a490739), so the simulated TFs keep their genomes
    genome = simulate_genome(2, 20_000, seed=1600)
    assert hashlib.sha256("".join(genome.values()).encode()).hexdigest()[:16] == "9169f338e3fc5774"


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
