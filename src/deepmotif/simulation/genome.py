"""A simulated ChIP-seq benchmark with ground truth: synthetic genome + peaks carrying JASPAR motifs.

The genome is a first-order Markov chain with human dinucleotide frequencies (CpG depleted). Each
peak gets one instance of every motif of its TF, sampled from the JASPAR position frequency matrix,
near the summit; motifs of a composite (for example the TAL1 E-box and GATA1 of the erythroid
E-box–GATA element) are planted together at a fixed spacing and orientation, so that the data have
a motif dependency to learn. Planted positions are returned as ground truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deepmotif.errors import InputError

# Human (hg38) dinucleotide frequencies, rows = first base ACGT, columns = second base ACGT.
HUMAN_DINUCLEOTIDES = np.array([
    [9.8, 5.0, 7.0, 7.7],
    [7.3, 5.2, 1.0, 7.0],
    [6.0, 4.3, 5.2, 5.0],
    [6.5, 6.0, 7.3, 9.8],
])


@dataclass(frozen=True)
class Motif:
    """A position probability matrix ``pwm`` of shape ``(4, k)`` (rows ACGT) with its JASPAR id."""

    motif_id: str
    name: str
    pwm: np.ndarray


def log_odds(pwm: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """log2(p / 0.25) of a probability matrix ``(4, k)`` (rows ACGT) against a uniform background.

    ``pseudocount`` is added to every entry and the columns renormalized; probabilities below 1e-6 are
    clipped (no -inf for a base a matrix never saw).
    """
    p = np.asarray(pwm, dtype=np.float64) + pseudocount
    p = p / p.sum(axis=0, keepdims=True)
    return np.log2(np.clip(p, 1e-6, None) / 0.25)


def fetch_jaspar_motif(motif_id: str, pseudocount: float = 0.5) -> Motif:
    """Fetch a matrix from the JASPAR database bundled with ``pyjaspar`` (offline).

    Parameters
    ----------
    motif_id: str
        JASPAR matrix id with version, e.g. ``MA0139.1`` (CTCF).
    pseudocount: float, optional
        Added to every count before normalizing. Default 0.5.
    """
    from deepmotif.interpret.motifs import counts_ppm, jaspar_db

    motif = jaspar_db().fetch_motif_by_id(motif_id)
    if motif is None:
        raise InputError(f"JASPAR matrix {motif_id!r} not found in pyjaspar's database; "
                         "use an id with version such as MA0139.1")
    return Motif(motif_id, motif.name, counts_ppm(motif, pseudocount))


# A map of the four states to next states packed into one byte, 2 bits per state (m[0] + 4 m[1] + 16 m[2] + 64 m[3]):
_STATES = np.arange(4)
_UNPACK = (np.arange(256)[:, None] >> (2 * _STATES)) & 3  # (256, 4): the map of each code
_IDENTITY = int((_STATES << (2 * _STATES)).sum())
# _COMPOSE[a, b]: the code of the map "b, then a"
_COMPOSE = (np.take_along_axis(np.broadcast_to(_UNPACK[:, None, :], (256, 256, 4)),
                               np.broadcast_to(_UNPACK[None, :, :], (256, 256, 4)), axis=2)
            << (2 * _STATES)).sum(axis=2).astype(np.uint8)
_BLOCK = 64  # steps composed at once (6 doubling rounds); the blocks are then walked one by one


def _markov_chain(first: int, uniforms: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """The states of a 4-state Markov chain from ``first``, one step per uniform draw.

    The step from state ``s`` with draw ``u`` goes to the number of ``cumulative[s, :3]`` below ``u``
    (the first ``j`` with ``u <= cumulative[s, j]``, 3 at most). Without a loop over the steps: each
    step is a map of the four states (which next state from each, by where ``u`` falls among the 12
    thresholds), packed in a byte; the maps are composed within blocks of 64 steps by doubling, the
    blocks walked one by one, and each step's state read from its composed map. Exactly the states of
    the loop (tests/test_simulation_genome.py).

    Parameters
    ----------
    first: int
        The first state (0-3).
    uniforms: numpy.ndarray, shape=(n,)
        Draws in [0, 1).
    cumulative: numpy.ndarray, shape=(4, 4)
        Row ``s``: the cumulative transition probabilities from state ``s``.

    Returns
    -------
    numpy.ndarray, shape=(n + 1,), uint8
        ``first``, then the state after each step.
    """
    n = len(uniforms)
    thresholds = np.asarray(cumulative, dtype=np.float64)[:, :3].ravel()
    order = np.argsort(thresholds, kind="stable")
    below = np.zeros((13, 12), dtype=bool)  # row k: the thresholds below a draw that has k of them below it
    for k in range(13):
        below[k, order[:k]] = True
    step_code = (below.reshape(13, 4, 3).sum(axis=2) << (2 * _STATES)).sum(axis=1).astype(np.uint8)
    codes = np.full(-(-n // _BLOCK) * _BLOCK, _IDENTITY, dtype=np.uint8)
    codes[:n] = step_code[np.searchsorted(thresholds[order], uniforms, side="left")]
    composed = codes.reshape(-1, _BLOCK)  # row: a block; column j: steps 0..j of the block composed
    shift = 1
    while shift < _BLOCK:
        composed[:, shift:] = _COMPOSE[composed[:, shift:], composed[:, :-shift]]
        shift *= 2
    block_first = np.empty(len(composed), dtype=np.uint8)
    state = int(first)
    for b, code in enumerate(composed[:, -1].tolist()):
        block_first[b] = state
        state = (code >> (2 * state)) & 3
    out = np.empty(n + 1, dtype=np.uint8)
    out[0] = first
    out[1:] = ((composed >> (2 * block_first[:, None])) & 3).ravel()[:n]
    return out


def simulate_genome(n_chroms: int, chrom_size: int, seed: int = 0) -> dict[str, str]:
    """Random chromosomes ``chr1..chrN`` drawn from a human dinucleotide Markov chain.

    Returns
    -------
    dict of str to str
        Chromosome name → upper-case sequence.
    """
    rng = np.random.default_rng(seed)
    transition = HUMAN_DINUCLEOTIDES / HUMAN_DINUCLEOTIDES.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(transition, axis=1)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    genome = {}
    for c in range(1, n_chroms + 1):
        codes = _markov_chain(int(rng.integers(4)), rng.random(chrom_size - 1), cumulative)
        genome[f"chr{c}"] = letters[codes].tobytes().decode("ascii")
    return genome


def sample_motif(pwm: np.ndarray, rng: np.random.Generator) -> str:
    """One sequence drawn position by position from a probability matrix ``(4, k)``."""
    cumulative = np.cumsum(pwm, axis=0)
    idx = (rng.random(pwm.shape[1])[None, :] > cumulative).sum(axis=0)
    return "".join("ACGT"[min(i, 3)] for i in idx)


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string."""
    return seq.translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


def plant_peaks(
    genome: dict[str, str],
    motifs: Sequence[Motif],
    n_peaks: int,
    spacing: int = 0,
    jitter: int = 10,
    seed: int = 0,
) -> tuple[dict[str, str], pd.DataFrame, pd.DataFrame]:
    """Plant motif instances in ``genome`` and call a peak on each.

    Parameters
    ----------
    genome: dict of str to str
        Chromosome name → sequence; not modified.
    motifs: sequence of Motif
        Motifs every peak carries, left to right; with two or more they form a composite element
        whose members are ``spacing`` bp apart and share one (random) orientation.
    n_peaks: int
        Number of peaks, spread over all chromosomes in proportion to their length.
    spacing: int, optional
        Gap in bp between consecutive motifs of a composite. Default 0.
    jitter: int, optional
        The element's centre is placed uniformly within ± ``jitter`` bp of the summit. Default 10.
    seed: int, optional
        Seed of the random generator. Default 0.

    Returns
    -------
    genome: dict of str to str
        The genome with the motifs planted.
    peaks: pandas.DataFrame
        narrowPeak columns ``chrom start end name score strand signalValue pValue qValue peak``.
    planted: pandas.DataFrame
        Ground truth, one row per planted motif: ``peak chrom start end strand motif_id motif_name``.
    """
    rng = np.random.default_rng(seed)
    width = sum(m.pwm.shape[1] for m in motifs) + spacing * (len(motifs) - 1)
    slot = 1000  # one peak per 1-kb slot at most: peaks never overlap
    slots = [(c, s) for c, seq in genome.items() for s in range(slot, len(seq) - 2 * slot, slot)]
    if n_peaks > len(slots):
        raise InputError(f"cannot place {n_peaks} peaks in a genome of {len(slots)} kb; "
                         "lower n_peaks or raise simulation.chrom_size in the config")
    chosen = sorted(rng.choice(len(slots), size=n_peaks, replace=False))
    mutable = {c: bytearray(seq, "ascii") for c, seq in genome.items()}
    peaks, planted = [], []
    for rank, i in enumerate(chosen):
        chrom, slot_start = slots[i]
        summit = slot_start + int(rng.integers(200, slot - 200))
        left, right = int(rng.integers(100, 300)), int(rng.integers(100, 300))
        name = f"peak{rank + 1:05d}"
        strand = "+" if rng.random() < 0.5 else "-"
        pos = summit + int(rng.integers(-jitter, jitter + 1)) - width // 2
        members = motifs if strand == "+" else motifs[::-1]
        for m in members:
            site = sample_motif(m.pwm, rng)
            site = site if strand == "+" else reverse_complement(site)
            k = len(site)
            mutable[chrom][pos:pos + k] = site.encode("ascii")
            planted.append((name, chrom, pos, pos + k, strand, m.motif_id, m.name))
            pos += k + spacing
        signal = float(np.round(rng.gamma(4.0, 25.0) + 5, 3))
        peaks.append((chrom, summit - left, summit + right, name, 1000, ".", signal,
                      round(signal / 2, 3), round(signal / 3, 3), left))
    new_genome = {c: seq.decode("ascii") for c, seq in mutable.items()}
    peak_df = pd.DataFrame(peaks, columns=["chrom", "start", "end", "name", "score", "strand",
                                           "signalValue", "pValue", "qValue", "peak"])
    planted_df = pd.DataFrame(planted, columns=["peak", "chrom", "start", "end", "strand",
                                                "motif_id", "motif_name"])
    return new_genome, peak_df, planted_df


def simulate_tf(
    motif_ids: Sequence[str],
    n_peaks: int = 2000,
    spacing: int = 0,
    n_chroms: int = 10,
    chrom_size: int = 300_000,
    seed: int = 0,
) -> tuple[dict[str, str], pd.DataFrame, pd.DataFrame, list[Motif]]:
    """A simulated TF: a genome (seed ``seed``) with the JASPAR motifs planted at ``n_peaks`` peaks.

    Returns
    -------
    genome, peaks, planted, motifs
        As :func:`plant_peaks` (planting seeded with ``seed + 1``), and the fetched motifs.
    """
    motifs = [fetch_jaspar_motif(m.strip()) for m in motif_ids if m.strip()]
    if not motifs:
        raise InputError("no JASPAR motif ids given; give at least one, e.g. MA0139.1")
    genome = simulate_genome(n_chroms, chrom_size, seed)
    genome, peaks, planted = plant_peaks(genome, motifs, n_peaks, spacing, seed=seed + 1)
    return genome, peaks, planted, motifs
