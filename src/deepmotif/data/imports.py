"""Labelled datasets from given train/test files: DeepBind supplement, the DeMo archive, users' files.

The test file is the test split exactly as given and is never used for model selection. The
validation split is carved from the training file only (seeded). When the training file holds only
bound sequences (DeepBind's ``*_AC.seq.gz``), each gets a dinucleotide-shuffled negative, as in the
paper; sequences with ``N`` are dropped first, since a dinucleotide shuffle is defined over ACGT only.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from deepmotif.data.dataset import SPLITS, shuffled_negatives
from deepmotif.data.readers import drop_n, read_sequences
from deepmotif.errors import InputError

log = logging.getLogger(__name__)

FORMATS = ("auto", "deepbind", "demo", "table")


def read_labelled(path: str | os.PathLike, fmt: str = "auto") -> pd.DataFrame:
    """Read a labelled sequence file whose sequences all have the length of the first one.

    Parameters
    ----------
    path: path
        DeepBind ``.seq(.gz)``, DeMo FASTA (``>1``/``>0``) or a table with ``seq`` and ``label``.
    fmt: str, optional
        ``auto`` (default: sniffed from the first line), ``deepbind``, ``demo`` or ``table``.

    Returns
    -------
    pandas.DataFrame
        ``id seq label`` (+ ``split`` for tables that have it).
    """
    if fmt not in FORMATS:
        raise InputError(f"{path}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    df = read_sequences(path, length=None, fmt=fmt)
    lengths = df["seq"].str.len()
    if (lengths != lengths.iloc[0]).any():
        read_sequences(path, length=int(lengths.iloc[0]), fmt=fmt)  # raises, naming the first bad line
    return df


def carve_validation(n: int, valid_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """``train``/``valid`` for ``n`` items: exactly ``round(n * valid_fraction)`` (at least 1) valid."""
    n_valid = min(max(1, int(round(n * valid_fraction))), n - 1) if n > 1 else 0
    split = np.full(n, "train", dtype=object)
    split[rng.permutation(n)[:n_valid]] = "valid"
    return split


def import_dataset(
    train: pd.DataFrame,
    test: pd.DataFrame,
    valid_fraction: float = 0.1,
    seed: int = 0,
    max_train: int = 0,
    train_path: str = "train",
    test_path: str = "test",
) -> pd.DataFrame:
    """Training data (+ negatives) split into train/valid, plus the given test set.

    Parameters
    ----------
    train, test: pandas.DataFrame
        ``id seq label`` as returned by :func:`read_labelled`; ``train`` may carry a ``split``
        column with ``train``/``valid`` (then no validation set is carved).
    valid_fraction: float, optional
        Fraction of the training positives (with their negatives) held out for validation.
    seed: int, optional
        Seed of the validation split and the shuffles.
    max_train: int, optional
        Keep the first ``max_train`` sequences of each label of the training file (0: all). DeepBind
        files list peaks strongest first.
    train_path, test_path: str, optional
        File names for messages.

    Returns
    -------
    pandas.DataFrame
        ``id seq label split``: training rows (pairs of positive and its shuffle adjacent), then the
        test rows in file order.
    """
    length, test_length = len(train["seq"].iloc[0]), len(test["seq"].iloc[0])
    if length != test_length:
        raise InputError(f"{test_path}: sequences have {test_length} bp but those of {train_path} have "
                         f"{length} bp; training and test sequences must have the same length")
    for path, df in ((train_path, train), (test_path, test)):
        if set(df["label"]) != {0, 1} and not (df is train and set(df["label"]) == {1}):
            missing = "bound (1)" if 1 not in set(df["label"]) else "unbound (0)"
            raise InputError(f"{path}: has no {missing} sequences; a {'test' if df is test else 'training'} "
                             "set needs both labels (a training set may also be bound sequences only)")
    if "split" in train and (train["split"] == "test").any():
        raise InputError(f"{train_path}: rows with split 'test'; the test set is the test file, put "
                         "them there")
    if max_train:
        train = train.groupby("label", sort=False, group_keys=False).head(max_train)
    rng = np.random.default_rng(seed)
    positives = train[train["label"] == 1].reset_index(drop=True)
    if (train["label"] == 0).any():
        part = train.reset_index(drop=True)
        if "split" in part:
            split = part["split"].to_numpy(dtype=object)
        else:
            split = np.empty(len(part), dtype=object)
            for label in (1, 0):
                rows = np.flatnonzero(part["label"].to_numpy() == label)
                split[rows] = carve_validation(len(rows), valid_fraction, rng)
        train_rows = pd.DataFrame({"id": part["id"], "seq": part["seq"], "label": part["label"], "split": split})
        log.info("%s: %d bound and %d unbound training sequences as given", train_path, len(positives),
                 len(part) - len(positives))
    else:
        positives, dropped = drop_n(positives)
        if dropped:
            log.info("%s: dropped %d bound sequences with N (a dinucleotide shuffle needs ACGT)",
                     train_path, dropped)
        if len(positives) < 2:
            raise InputError(f"{train_path}: fewer than 2 bound sequences without N; nothing to train on")
        if "split" in positives:
            split = positives["split"].to_numpy(dtype=object)
        else:
            split = carve_validation(len(positives), valid_fraction, rng)
        negatives = shuffled_negatives(positives[["id", "seq"]], seed=seed)
        positives, split = positives.iloc[negatives["pair"].to_numpy()].reset_index(drop=True), split[
            negatives["pair"].to_numpy()]
        if len(positives) < 2:
            raise InputError(f"{train_path}: fewer than 2 bound sequences that a dinucleotide shuffle changes; "
                             "nothing to train on")
        pos = pd.DataFrame({"id": positives["id"], "seq": positives["seq"], "label": 1, "split": split})
        neg = pd.DataFrame({"id": negatives["id"], "seq": negatives["seq"], "label": 0, "split": split})
        train_rows = pd.concat([pos, neg]).sort_index(kind="stable").reset_index(drop=True)
        log.info("%s: %d bound training sequences + as many dinucleotide shuffles", train_path,
                 len(positives))
    for name in ("train", "valid"):
        labels = set(train_rows.loc[train_rows["split"] == name, "label"])
        if labels != {0, 1}:
            raise InputError(f"{train_path}: the {name} split would hold labels {sorted(labels)} only; "
                             "give more training sequences or change split.valid_fraction")
    test_rows = pd.DataFrame({"id": test["id"], "seq": test["seq"], "label": test["label"], "split": "test"})
    if pd.concat([train_rows["id"], test_rows["id"]]).duplicated().any():
        log.info("ids of %s and %s overlap: prefixed train:/test:", train_path, test_path)
        train_rows["id"] = "train:" + train_rows["id"].astype(str)
        test_rows["id"] = "test:" + test_rows["id"].astype(str)
    out = pd.concat([train_rows, test_rows], ignore_index=True)
    counts = {s: int((out["split"] == s).sum()) for s in SPLITS}
    log.info("dataset: %s sequences per split", counts)
    return out
