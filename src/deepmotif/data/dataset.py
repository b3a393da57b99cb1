"""Labelled datasets: positives + negatives, split into train/validation/test."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepmotif.data.negatives import dinucleotide_shuffles
from deepmotif.errors import InputError

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
