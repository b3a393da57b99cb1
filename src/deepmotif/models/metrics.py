"""Classification metrics and the cross-TF summary table."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def auroc(y: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, y_score))


def auprc(y: np.ndarray, y_score: np.ndarray) -> float:
    """Area under the precision-recall curve (average precision); NaN when only one class."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(average_precision_score(y, y_score))
