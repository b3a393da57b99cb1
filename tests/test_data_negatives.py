"""Negative sequences (deepmotif.data.negatives): dinucleotide shuffles."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.data.negatives import dinucleotide_shuffles


def dinucleotide_counts(seq: str) -> dict[str, int]:
    """Counts of each overlapping dinucleotide in ``seq`` (the oracle of the shuffle test)."""
    counts: dict[str, int] = {}
    for i in range(len(seq) - 1):
        counts[seq[i:i + 2]] = counts.get(seq[i:i + 2], 0) + 1
    return counts


def test_dinucleotide_shuffle_keeps_counts_exactly():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 101)) for _ in range(200)]
    shuffled = dinucleotide_shuffles(seqs, seed=1)
    assert len(shuffled) == 200
    for s, t in zip(seqs, shuffled):
        assert dinucleotide_counts(s) == dinucleotide_counts(t)
        assert s[0] == t[0] and s[-1] == t[-1]
    assert sum(s != t for s, t in zip(seqs, shuffled)) > 190
    assert dinucleotide_shuffles(seqs, seed=1) == shuffled


def test_dinucleotide_shuffle_rejects_n():
    with pytest.raises(ValueError, match="other than ACGT"):
        dinucleotide_shuffles(["ACGTN" * 5])
