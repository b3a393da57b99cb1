"""Negative-set check: how far does base composition alone separate a TF's positives from its negatives?

A model that beats chance may have learned a motif, or only that the positives are GC- or CpG-richer than
the negatives (ChIP-seq peaks sit in CpG islands and promoters; genomic background does not). Dinucleotide
shuffles keep both exactly, so against them composition is worth nothing; GC-matched genomic negatives
match GC in bins but not CpG. :func:`composition_baseline` fits a logistic regression on two features per
sequence, the GC fraction and CpG observed/expected (:func:`composition`), on the training split of the
models' ``sequences.tsv`` and scores the test split: the test AUROC a model must beat to have learned more
than composition. Numpy only; seconds for 100,000 sequences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepmotif.data.negatives import gc_content
from deepmotif.errors import InputError

FEATURES = ("gc", "cpg_oe")


def cpg_observed_expected(seqs: Sequence[str]) -> np.ndarray:
    """CpG observed/expected ratio per sequence (Gardiner-Garden & Frommer 1987).

    ``n_CG * length / (n_C * n_G)``: 1 when CpG occurs as often as its C and G content predict, ~0.2 in
    bulk human DNA, ≥ 0.6 in CpG islands; 0 for a sequence without C or without G.

    Parameters
    ----------
    seqs: sequence of str
        DNA sequences, upper case.

    Returns
    -------
    numpy.ndarray, shape=(n,)

    Examples
    --------
    >>> cpg_observed_expected(["CGCG", "ACGT", "AAAA"]).tolist()
    [2.0, 4.0, 0.0]
    """
    out = np.zeros(len(seqs))
    for i, s in enumerate(seqs):
        c_times_g = s.count("C") * s.count("G")
        if c_times_g:
            out[i] = s.count("CG") * len(s) / c_times_g
    return out


def composition(seqs: Sequence[str]) -> np.ndarray:
    """The composition features of each sequence: GC fraction and CpG observed/expected.

    Parameters
    ----------
    seqs: sequence of str
        DNA sequences (any case).

    Returns
    -------
    numpy.ndarray, shape=(n, 2)
        Columns :data:`FEATURES` (``gc``, ``cpg_oe``).
    """
    upper = [str(s).upper() for s in seqs]
    return np.column_stack([gc_content(upper), cpg_observed_expected(upper)]) if upper else np.zeros((0, 2))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-4, n_iter: int = 50) -> tuple[np.ndarray, np.ndarray,
                                                                                              np.ndarray]:
    """Logistic regression by Newton's method (iteratively reweighted least squares) on standardized features.

    Parameters
    ----------
    X: numpy.ndarray, shape=(n, k)
    y: numpy.ndarray, shape=(n,)
        0/1 labels.
    l2: float, optional
        Ridge penalty on the weights (not the intercept); keeps separable data finite. Default 1e-4.
    n_iter: int, optional
        Newton steps at most. Default 50.

    Returns
    -------
    w: numpy.ndarray, shape=(k + 1,)
        Intercept, then one weight per standardized feature.
    mean, scale: numpy.ndarray, shape=(k,)
        The standardization (``(X - mean) / scale``) to apply before scoring.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    A = np.column_stack([np.ones(len(X)), (X - mean) / scale])
    w = np.zeros(A.shape[1])
    penalty = np.diag([0.0] + [l2 * len(X)] * X.shape[1])
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-A @ w))
        gradient = A.T @ (p - y) + penalty @ w
        hessian = (A * (p * (1 - p))[:, None]).T @ A + penalty + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w, mean, scale


def logistic_score(X: np.ndarray, w: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Logit of each row of ``X`` under :func:`fit_logistic`'s model; shape ``(n,)``."""
    return np.column_stack([np.ones(len(X)), (np.asarray(X, dtype=float) - mean) / scale]) @ w


def composition_baseline(sequences: pd.DataFrame, path: str = "sequences.tsv") -> dict:
    """Composition of positives vs negatives and the test AUROC of a composition-only classifier.

    Parameters
    ----------
    sequences: pandas.DataFrame
        The models' ``sequences.tsv``: ``seq label split`` (``train``/``valid``/``test``).
    path: str, optional
        File name for messages.

    Returns
    -------
    dict
        ``features`` (:data:`FEATURES`), ``test_auroc`` (NaN without both labels in the test split),
        ``n_train``, ``n_test``, ``weights`` (intercept, then per standardized feature), and per label
        (``positives``/``negatives``, all splits) ``n`` and the mean, sd and quartiles of each feature.
    """
    from deepmotif.models.metrics import auroc

    missing = {"seq", "label", "split"} - set(sequences.columns)
    if missing:
        raise InputError(f"{path}: no column(s) {sorted(missing)}; expected the columns id seq label split")
    X, y = composition(sequences["seq"].tolist()), sequences["label"].to_numpy()
    split = sequences["split"].to_numpy()
    train, test = split == "train", split == "test"
    if len(np.unique(y[train])) < 2:
        raise InputError(f"{path}: the train split needs bound (1) and unbound (0) sequences for the composition "
                         "baseline; check the split column")
    w, mean, scale = fit_logistic(X[train], y[train])
    out: dict = {"features": list(FEATURES), "test_auroc": auroc(y[test], logistic_score(X[test], w, mean, scale)),
                 "n_train": int(train.sum()), "n_test": int(test.sum()), "weights": [round(float(v), 4) for v in w]}
    for name, label in (("positives", 1), ("negatives", 0)):
        part = X[y == label]
        out[name] = {"n": len(part), **{f: _describe(part[:, j]) for j, f in enumerate(FEATURES)}}
    return out


def _describe(values: np.ndarray) -> dict:
    """Mean, sd and quartiles, rounded for JSON."""
    if not len(values):
        return {"mean": None, "sd": None, "q25": None, "median": None, "q75": None}
    q25, median, q75 = np.percentile(values, [25, 50, 75])
    return {k: round(float(v), 4) for k, v in (("mean", values.mean()), ("sd", values.std()), ("q25", q25),
                                                ("median", median), ("q75", q75))}
