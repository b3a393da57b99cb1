"""Classification metrics: AUROC, AUPRC and the ROC and precision-recall curves, in numpy.

Each is scikit-learn's computation step for step (``roc_auc_score``, ``average_precision_score``,
``roc_curve``, ``precision_recall_curve`` of sklearn 1.9, unweighted, binary), so the numbers are the
same float64 bits (tested against sklearn): importing ``sklearn.metrics`` costs ~0.8 s of CPU in a
process that has not imported ``scipy.stats``, i.e. in every dashboard and summary job.
"""

from __future__ import annotations

import numpy as np


def _ranked_counts(y: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positives at each distinct score, from the highest down (sklearn's
    ``confusion_matrix_at_thresholds``); the positive class is the larger label.

    Raises
    ------
    ValueError
        When ``y`` and ``y_score`` differ in length, a score is not finite or ``y`` has more than two labels.
    """
    y, y_score = np.asarray(y).ravel(), np.asarray(y_score).ravel()
    if len(y) != len(y_score):
        raise ValueError(f"{len(y)} labels but {len(y_score)} scores")
    if not np.all(np.isfinite(y_score)):
        raise ValueError("scores must be finite numbers")
    labels = np.unique(y)
    if len(labels) > 2:
        raise ValueError(f"labels must be binary, got {labels.tolist()}")
    order = np.argsort(y_score, kind="stable")[::-1]
    y_score = y_score[order]
    truth = (y[order] == labels[-1]).astype(np.float64)
    thresholds = np.r_[np.flatnonzero(np.diff(y_score)), len(y_score) - 1]
    tps = np.cumsum(truth, dtype=np.float64)[thresholds]
    fps = 1 + thresholds.astype(np.float64) - tps
    return fps, tps


def roc_curve(y: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates of the ROC curve, collinear points dropped (sklearn's ``roc_curve``).

    Returns
    -------
    fpr, tpr: numpy.ndarray
        From (0, 0) to (1, 1).
    """
    fps, tps = _ranked_counts(y, y_score)
    if len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    return fps / fps[-1], tps / tps[-1]


def precision_recall_curve(y: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at each distinct score, ending at (recall 0, precision 1)
    (sklearn's ``precision_recall_curve``)."""
    fps, tps = _ranked_counts(y, y_score)
    ps = tps + fps
    precision = np.where(ps != 0, tps / np.where(ps != 0, ps, 1.0), 0.0)
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def auroc(y: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids); NaN when only one class is present."""
    if len(np.unique(np.asarray(y))) < 2:
        return float("nan")
    fpr, tpr = roc_curve(y, y_score)
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2.0, dtype=np.float64))


def auprc(y: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the precision-recall curve (average precision); NaN when only one class."""
    if len(np.unique(np.asarray(y))) < 2:
        return float("nan")
    precision, recall = precision_recall_curve(y, y_score)
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
