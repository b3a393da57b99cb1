"""Labelled datasets: positives + negatives, split into train/validation/test."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepmotif.data.negatives import dinucleotide_shuffles
from deepmotif.errors import InputError
from deepmotif.data.tables import read_positives

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")


def shuffled_negatives(positives: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One dinucleotide shuffle per positive, keeping its chromosome (so a pair never straddles splits).

    A low-complexity positive (poly-A, ``(AC)n``) has only itself as dinucleotide shuffle: such a
    pair would be one sequence with both labels, so it is left out (and counted in the log).

    Parameters
    ----------
    positives: pandas.DataFrame
        Columns ``id seq`` and optionally ``chrom``; sequences over ACGT.

    Returns
    -------
    pandas.DataFrame
        Same columns, ids suffixed ``_shuf``, plus ``pair``: the positional index of the positive.
    """
    negatives = positives.reset_index(drop=True).copy()
    negatives["id"] = negatives["id"].astype(str) + "_shuf"
    negatives["seq"] = dinucleotide_shuffles(list(negatives["seq"]), seed=seed)
    negatives["pair"] = np.arange(len(negatives))
    same = (negatives["seq"] == positives["seq"].reset_index(drop=True)).to_numpy()
    if same.any():
        log.info("dropped %d positives whose dinucleotide shuffle is the sequence itself (low complexity, "
                 "e.g. %s)", int(same.sum()), positives["id"].iloc[int(np.flatnonzero(same)[0])])
    return negatives[~same].reset_index(drop=True)


def split_by_chromosome(
    chroms: pd.Series, valid_chroms: Sequence[str], test_chroms: Sequence[str]
) -> np.ndarray:
    """``train``/``valid``/``test`` per row from its chromosome (held-out chromosomes)."""
    overlap = set(valid_chroms) & set(test_chroms)
    if overlap:
        raise InputError(f"chromosomes {sorted(overlap)} are in both valid_chroms and test_chroms of "
                         "the config; a chromosome can only be held out once")
    split = np.full(len(chroms), "train", dtype=object)
    split[chroms.isin(list(valid_chroms)).to_numpy()] = "valid"
    split[chroms.isin(list(test_chroms)).to_numpy()] = "test"
    return split


def split_at_random(n: int, valid_fraction: float, test_fraction: float, seed: int = 0) -> np.ndarray:
    """``train``/``valid``/``test`` labels for ``n`` rows drawn with a seeded generator."""
    if not (0 <= valid_fraction and 0 <= test_fraction and valid_fraction + test_fraction < 1):
        raise InputError(f"valid_fraction {valid_fraction} + test_fraction {test_fraction} must be >= 0 each "
                         "and below 1 together, so that training data remain")
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    split = np.full(n, "train", dtype=object)
    split[u < valid_fraction + test_fraction] = "valid"
    split[u < test_fraction] = "test"
    return split


def build_dataset(
    positives: pd.DataFrame,
    valid_chroms: Sequence[str] = (),
    test_chroms: Sequence[str] = (),
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
    negatives: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Positives + negatives, split by held-out chromosome (or at random).

    Rows keep their chromosome when the positives have one and either chromosome list is non-empty;
    otherwise pairs (positive, its negative) are split at random together.

    Parameters
    ----------
    negatives: pandas.DataFrame or None, optional
        ``id seq pair``: one negative per positive, ``pair`` = positional index of its positive (e.g.
        :func:`deepmotif.data.negatives.gc_matched_negatives`); positives without one are dropped.
        Default None: a dinucleotide shuffle of each positive.

    Returns
    -------
    pandas.DataFrame
        Columns ``id seq label split``, positives and negatives interleaved.
    """
    positives = positives.reset_index(drop=True)
    if negatives is None:
        negatives = shuffled_negatives(positives, seed=seed)
    elif len(positives) > len(negatives):
        log.info("dropped %d positives without a matched negative", len(positives) - len(negatives))
    positives = positives.iloc[negatives["pair"].to_numpy()].reset_index(drop=True)
    negatives = negatives.reset_index(drop=True)
    if "chrom" in positives and (valid_chroms or test_chroms):
        split = split_by_chromosome(positives["chrom"], valid_chroms, test_chroms)
    else:
        split = split_at_random(len(positives), valid_fraction, test_fraction, seed)
    counts = {s: int((split == s).sum()) for s in SPLITS}
    empty = [s for s in SPLITS if counts[s] == 0]
    if empty:
        raise InputError(
            f"the {' and '.join(empty)} split has no sequences ({counts}); the held-out chromosomes "
            f"valid_chroms={list(valid_chroms)}, test_chroms={list(test_chroms)} must carry peaks "
            "(set split.valid_chroms / split.test_chroms in the config)")
    pos = pd.DataFrame({"id": positives["id"], "seq": positives["seq"], "label": 1, "split": split})
    neg = pd.DataFrame({"id": negatives["id"], "seq": negatives["seq"], "label": 0, "split": split})
    out = pd.concat([pos, neg]).sort_index(kind="stable").reset_index(drop=True)
    log.info("dataset: %s positives and as many negatives per split", counts)
    return out


def read_dataset(path: str) -> pd.DataFrame:
    """Read a ``sequences.tsv`` (``id seq label split``) written by :func:`build_dataset`."""
    df = pd.read_csv(path, sep="\t", dtype={"id": str, "seq": str, "label": int, "split": str})
    missing = {"id", "seq", "label", "split"} - set(df.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}; expected id, seq, label, split")
    return df


def build_dataset_from_files(
    positives_path: str | os.PathLike,
    negatives: str = "shuffle",
    valid_chroms: Sequence[str] = (),
    test_chroms: Sequence[str] = (),
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
    fasta: str | os.PathLike | None = None,
    peaks: str | os.PathLike | None = None,
    exclude: Sequence[str | os.PathLike] = (),
    gc_bins: int = 20,
) -> pd.DataFrame:
    """:func:`build_dataset` of a ``positives.tsv``, with shuffled or GC-matched genomic negatives.

    Parameters
    ----------
    negatives: str, optional
        ``shuffle`` (default: a dinucleotide shuffle per positive) or ``gc_matched`` (needs
        ``fasta``, the genome, and ``peaks``, every peak of the TF, which the background avoids
        together with the BED files in ``exclude``, e.g. the blacklist).
    """
    positives = read_positives(positives_path)
    matched = None
    if negatives == "gc_matched":
        from deepmotif.data.intervals import read_bed, read_peaks
        from deepmotif.data.negatives import gc_matched_negatives

        if not fasta or not peaks:
            raise InputError("--negatives gc_matched needs --fasta (the genome) and --peaks (all peaks)")
        avoid = pd.concat([read_peaks(peaks)[["chrom", "start", "end"]],
                           *(read_bed(b, allow_empty=True)[["chrom", "start", "end"]] for b in exclude)])
        matched = gc_matched_negatives(positives, fasta, avoid, gc_bins, seed=seed)
    elif negatives != "shuffle":
        raise InputError(f"unknown negatives {negatives!r}; use shuffle or gc_matched")
    return build_dataset(positives, valid_chroms, test_chroms, valid_fraction, test_fraction, seed,
                         negatives=matched)
