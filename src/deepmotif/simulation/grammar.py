"""A motif-grammar benchmark: classes that only the arrangement of two motifs separates.

Every positive carries motif A and motif B (JASPAR matrices, sampled as in
:mod:`deepmotif.simulation.genome`) in one planted *arrangement*: A first, then B, ``spacing`` bp apart,
both on the element's strand; the element as a whole lies on either strand at random (a reverse
complement of the arrangement is the same arrangement). The negatives are drawn the same way from
the same background model and carry the same two motifs once each, in another arrangement:

``spacing``       the same order and orientation, another gap (at least ``min_offset`` bp away)
``order``         B first, then A, the planted gap and orientation
``orientation``   A and B on opposite strands, the planted order and gap
``arrangement``   any other order, orientation and gap (one of the three above at random)

so a model that only detects the motifs is at chance (AUROC 0.5). Two controls where one motif
suffices, with the same positives:

``background``    negatives are background sequences without motifs
``shuffle``       negatives are dinucleotide shuffles of the positives (as the default pipeline)

The background of every sequence is cut from :func:`~deepmotif.simulation.genome.simulate_genome`
(human dinucleotide Markov chain). :func:`grammar_dataset` returns a ``sequences.tsv`` table
(``id seq label split``, the format of ``deepmotif build-dataset``) and the planted sites in window
coordinates (``id motif_id motif_name start end strand``, as
:func:`deepmotif.simulation.groundtruth.planted_sites`, plus ``label``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deepmotif.simulation.genome import Motif, reverse_complement, sample_motif, simulate_genome
from deepmotif.errors import InputError

NEGATIVES = ("spacing", "order", "orientation", "arrangement", "background", "shuffle")
CONTROLS = ("background", "shuffle")
PLANTED_COLUMNS = ["id", "label", "motif_id", "motif_name", "start", "end", "strand"]


@dataclass(frozen=True)
class Arrangement:
    """How two motifs form an element, read on the element's ``+`` strand.

    ``first`` is 0 when motif A comes first (1: B first); ``strands`` are the strands of the first
    and the second motif; ``gap`` is the number of bp between them.
    """

    first: int
    strands: tuple[str, str]
    gap: int


def planted_arrangement(spacing: int) -> Arrangement:
    """The positives' arrangement: A then B, both on the element's strand, ``spacing`` bp apart."""
    return Arrangement(0, ("+", "+"), spacing)


def other_arrangement(
    kind: str, spacing: int, max_spacing: int, min_offset: int, rng: np.random.Generator
) -> Arrangement:
    """A negative's arrangement of the given ``kind`` (see the module docstring), drawn with ``rng``.

    Parameters
    ----------
    kind: str
        ``spacing``, ``order``, ``orientation`` or ``arrangement``.
    spacing: int
        The planted gap.
    max_spacing: int
        Largest gap of a ``spacing`` negative.
    min_offset: int
        A ``spacing`` negative's gap differs from ``spacing`` by at least this many bp.
    """
    if kind == "arrangement":
        kind = ("spacing", "order", "orientation")[int(rng.integers(3))]
    if kind == "spacing":
        gaps = [g for g in range(max_spacing + 1) if abs(g - spacing) >= min_offset]
        return Arrangement(0, ("+", "+"), int(rng.choice(gaps)))
    if kind == "order":
        return Arrangement(1, ("+", "+"), spacing)
    if kind == "orientation":
        return Arrangement(0, (("+", "-"), ("-", "+"))[int(rng.integers(2))], spacing)
    raise ValueError(f"kind must be spacing, order, orientation or arrangement, got {kind!r}")


def plant_element(
    background: str,
    motifs: tuple[Motif, Motif],
    arrangement: Arrangement,
    rng: np.random.Generator,
    jitter: int = 10,
) -> tuple[str, list[tuple[str, str, int, int, str]]]:
    """Plant one sampled instance of each motif in ``background`` in the given arrangement.

    The element is centred within ± ``jitter`` bp of the sequence's centre and lies on a random strand.

    Returns
    -------
    seq: str
        The sequence with the element.
    sites: list of tuple
        ``(motif_id, motif_name, start, end, strand)`` per motif, left to right.
    """
    order = (motifs[0], motifs[1]) if arrangement.first == 0 else (motifs[1], motifs[0])
    sites = [sample_motif(m.pwm, rng) for m in order]
    sites = [s if strand == "+" else reverse_complement(s) for s, strand in zip(sites, arrangement.strands)]
    width = len(sites[0]) + arrangement.gap + len(sites[1])
    length = len(background)
    if width > length:
        raise InputError(f"an element of {width} bp does not fit in {length}-bp sequences; "
                         "lower the spacing or raise the sequence length")
    spans = [(0, len(sites[0])), (width - len(sites[1]), width)]
    strands = list(arrangement.strands)
    if rng.random() < 0.5:  # the whole element on the minus strand: mirror it (the gap stays background)
        sites = [reverse_complement(s) for s in sites]
        spans = [(width - e, width - s) for s, e in spans]
        strands = ["-" if s == "+" else "+" for s in strands]
    start = length // 2 + int(rng.integers(-jitter, jitter + 1)) - width // 2
    start = min(max(start, 0), length - width)
    seq = list(background)
    out = []
    for motif, site, (s, e), strand in zip(order, sites, spans, strands):
        seq[start + s:start + e] = site
        out.append((motif.motif_id, motif.name, start + s, start + e, strand))
    return "".join(seq), sorted(out, key=lambda site: site[2])


def backgrounds(n: int, length: int, seed: int = 0) -> list[str]:
    """``n`` background sequences of ``length`` bp cut from one simulated chromosome."""
    chrom = simulate_genome(1, n * length, seed=seed)["chr1"]
    return [chrom[i * length:(i + 1) * length] for i in range(n)]


def grammar_dataset(
    motifs: Sequence[Motif],
    n_positives: int = 1000,
    length: int = 101,
    spacing: int = 5,
    negatives: str = "arrangement",
    max_spacing: int = 20,
    min_offset: int = 3,
    jitter: int = 10,
    valid_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Positives with the planted arrangement of two motifs, negatives of one kind, split at random.

    Parameters
    ----------
    motifs: sequence of two Motif
        A and B (e.g. from :func:`~deepmotif.simulation.genome.fetch_jaspar_motif`).
    n_positives: int, optional
        Positives; there are as many negatives. Default 1000.
    length: int, optional
        Sequence length in bp. Default 101.
    spacing: int, optional
        Planted gap between A and B in bp. Default 5.
    negatives: str, optional
        One of :data:`NEGATIVES` (module docstring). Default "arrangement".
    max_spacing, min_offset: int, optional
        Gaps of ``spacing`` negatives: ``0..max_spacing`` at least ``min_offset`` from ``spacing``.
        Defaults 20 and 3.
    jitter: int, optional
        The element's centre lies within ± ``jitter`` bp of the sequence centre. Default 10.
    valid_fraction, test_fraction: float, optional
        Pairs (positive, negative) go together to a split. Defaults 0.1 and 0.2.
    seed: int, optional
        Default 0.

    Returns
    -------
    dataset: pandas.DataFrame
        ``id seq label split`` (as ``deepmotif build-dataset`` writes ``sequences.tsv``).
    planted: pandas.DataFrame
        :data:`PLANTED_COLUMNS`, window coordinates (0-based, half-open), both classes.
    """
    from deepmotif.data.dataset import build_dataset

    if len(motifs) != 2:
        raise InputError(f"a grammar needs exactly two motifs, got {len(motifs)}")
    if negatives not in NEGATIVES:
        raise InputError(f"negatives must be one of {', '.join(NEGATIVES)}, got {negatives!r}")
    if spacing < 0 or spacing > max_spacing:
        raise InputError(f"spacing must be in [0, max_spacing={max_spacing}], got {spacing}")
    rng = np.random.default_rng(seed)
    pair = (motifs[0], motifs[1])
    bg = backgrounds(2 * n_positives, length, seed=seed)
    planted_rows, pos_rows, neg_rows = [], [], []
    for i in range(n_positives):
        sid = f"pos{i:05d}"
        seq, sites = plant_element(bg[i], pair, planted_arrangement(spacing), rng, jitter)
        pos_rows.append((sid, seq))
        planted_rows += [(sid, 1, *site) for site in sites]
    for i in range(n_positives):
        sid = f"neg{i:05d}"
        if negatives == "background":
            seq, sites = bg[n_positives + i], []
        elif negatives == "shuffle":
            continue
        else:
            arrangement = other_arrangement(negatives, spacing, max_spacing, min_offset, rng)
            seq, sites = plant_element(bg[n_positives + i], pair, arrangement, rng, jitter)
        neg_rows.append((sid, seq, i))
        planted_rows += [(sid, 0, *site) for site in sites]
    positives = pd.DataFrame(pos_rows, columns=["id", "seq"])
    neg = pd.DataFrame(neg_rows, columns=["id", "seq", "pair"]) if neg_rows else None
    dataset = build_dataset(positives, valid_fraction=valid_fraction, test_fraction=test_fraction, seed=seed,
                            negatives=neg)
    return dataset, pd.DataFrame(planted_rows, columns=PLANTED_COLUMNS)
