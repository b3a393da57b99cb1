"""Negative sequences: dinucleotide shuffles of the positives (as the paper)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from deepmotif.data.encoding import decode, one_hot


def dinucleotide_shuffles(seqs: Sequence[str], seed: int = 0) -> list[str]:
    """One dinucleotide-preserving shuffle of each sequence (tangermeme's Eulerian-path shuffle).

    Each shuffle keeps the sequence's first and last base and its exact dinucleotide counts.

    Parameters
    ----------
    seqs: sequence of str
        Equal-length sequences over ``ACGT`` only (remove sequences with ``N`` first).
    seed: int, optional
        Random seed. Default 0.

    Returns
    -------
    list of str
    """
    from tangermeme.ersatz import dinucleotide_shuffle

    if len(seqs) == 0:
        return []
    bad = next((i for i, s in enumerate(seqs) if set(s) - set("ACGT")), None)
    if bad is not None:
        raise ValueError(f"sequence {bad} contains bases other than ACGT; drop such sequences first")
    X = torch.from_numpy(one_hot(seqs))
    shuffled = dinucleotide_shuffle(X, n=1, random_state=seed)[:, 0]
    return decode(shuffled.numpy())


def dinucleotide_counts(seq: str) -> dict[str, int]:
    """Counts of each overlapping dinucleotide in ``seq``."""
    counts: dict[str, int] = {}
    for i in range(len(seq) - 1):
        counts[seq[i:i + 2]] = counts.get(seq[i:i + 2], 0) + 1
    return counts


def gc_content(seqs: Sequence[str]) -> np.ndarray:
    """Fraction of G or C per sequence."""
    return np.array([(s.count("G") + s.count("C")) / max(len(s), 1) for s in seqs])
