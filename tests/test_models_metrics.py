"""deepmotif.models.metrics: AUROC, AUPRC and their curves in numpy, the same bits as scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import loaded_after

from deepmotif.models.metrics import auprc, auroc, precision_recall_curve, roc_curve


def _cases():
    rng = np.random.default_rng(0)
    for n in (2, 3, 7, 50, 1000):
        y = rng.integers(0, 2, n)
        y[:2] = (0, 1)
        yield y, rng.random(n)  # distinct scores
        yield y, rng.integers(0, 4, n).astype(np.float64)  # many ties
        yield y.astype(np.float32), rng.random(n).astype(np.float32)  # training's float32 labels and scores
        yield y.astype(bool), np.round(rng.normal(size=n), 1)  # boolean labels, negative scores, ties
    yield np.array([0, 0, 1, 1]), np.array([0.5, 0.5, 0.5, 0.5])  # one threshold
    yield np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.2, 0.1])  # perfect
    yield np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.8, 0.9])  # reversed


@pytest.mark.parametrize("case", range(len(list(_cases()))))
def test_metrics_are_sklearns_bits(case):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y, score = list(_cases())[case]
    assert auroc(y, score) == sklearn_metrics.roc_auc_score(y, score)
    assert auprc(y, score) == sklearn_metrics.average_precision_score(y, score)
    fpr, tpr, _ = sklearn_metrics.roc_curve(y, score)
    np.testing.assert_array_equal(np.stack(roc_curve(y, score)), np.stack([fpr, tpr]), strict=True)
    precision, recall, _ = sklearn_metrics.precision_recall_curve(y, score)
    np.testing.assert_array_equal(np.stack(precision_recall_curve(y, score)), np.stack([precision, recall]),
                                  strict=True)


def test_known_values():
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert auprc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx((1 + 2 / 3) / 2)
    assert auroc([1, 1, 0], [0.2, 0.2, 0.2]) == 0.5
    assert np.isnan(auroc([1, 1], [0.2, 0.3])) and np.isnan(auprc([0, 0], [0.2, 0.3]))


@pytest.mark.parametrize("y, score, message", [([0, 1, 2], [0.1, 0.2, 0.3], "binary"),
                                               ([0, 1], [0.1, np.nan], "finite"),
                                               ([0, 1, 1], [0.1, 0.2], "3 labels but 2 scores")])
def test_bad_input_is_refused(y, score, message):
    with pytest.raises(ValueError, match=message):
        roc_curve(np.array(y), np.array(score))


def test_metrics_and_the_roc_figure_do_not_import_sklearn():
    # sklearn.metrics costs ~0.8 s of CPU in a dashboard job, which imports no scipy.stats otherwise
    code = ("import numpy as np; from deepmotif.report.figures import performance_figure; "
            "performance_figure(np.array([0, 1, 1, 0]), {'cnn': np.array([0.1, 0.9, 0.4, 0.5])}); "
            "from deepmotif.models.metrics import auroc; auroc([0, 1], [0.2, 0.3])")
    assert not loaded_after(code, "sklearn")
    assert loaded_after("import sklearn.metrics", "sklearn")  # the check can see it
