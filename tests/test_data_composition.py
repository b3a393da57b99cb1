"""The negative-set check: composition features and the composition-only baseline (deepmotif.data.composition)."""

import numpy as np
import pandas as pd
import pytest

from deepmotif.data.composition import (
    composition,
    composition_baseline,
    cpg_observed_expected,
    fit_logistic,
    logistic_score,
)
from deepmotif.data.negatives import dinucleotide_shuffles
from deepmotif.errors import InputError

LENGTH = 101


def random_seqs(n: int, gc: tuple[float, float], rng: np.random.Generator) -> list[str]:
    """i.i.d. bases, each sequence with its GC fraction drawn uniformly from ``gc`` (CpG o/e ~1)."""
    out = []
    for p in rng.uniform(*gc, size=n):
        probs = [(1 - p) / 2, p / 2, p / 2, (1 - p) / 2]
        out.append("".join(rng.choice(list("ACGT"), size=LENGTH, p=probs)))
    return out


def deplete_cpg(seq: str) -> str:
    """``CG`` → ``GC`` until none is left: the same GC content, CpG o/e 0 (as genomic DNA outside islands)."""
    while "CG" in seq:
        seq = seq.replace("CG", "GC")
    return seq


def dataset(pos: list[str], neg: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Positives and as many negatives, pair i (positive i, negative i) in train (70 %) or test, as the
    pipeline splits a positive and its shuffle."""
    split = np.where(rng.random(len(pos)) < 0.7, "train", "test")
    return pd.DataFrame({"seq": pos + neg, "label": [1] * len(pos) + [0] * len(neg), "split": [*split, *split]})


def test_features_by_hand():
    assert cpg_observed_expected(["CGCG", "ACGT", "AAAA", "CCCC"]).tolist() == [2.0, 4.0, 0.0, 0.0]
    X = composition(["acgt", "GGGGCCCCAA"])
    assert X[:, 0].tolist() == [0.5, 0.8]
    assert X[1, 1] == pytest.approx(0 * 10 / 16)  # GGGGCCCC: no CG step
    assert composition([]).shape == (0, 2)


def test_logistic_fit_recovers_a_separating_direction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = (X[:, 1] + 0.3 * rng.normal(size=400) > 0).astype(int)
    w, mean, scale = fit_logistic(X, y)
    assert w[2] > 1 and abs(w[1]) < 0.5 * w[2]  # the label follows feature 2, not feature 1
    assert np.mean((logistic_score(X, w, mean, scale) > 0) == y) > 0.9


def test_baseline_is_chance_against_negatives_of_the_same_composition():
    rng = np.random.default_rng(1)
    pos = random_seqs(1500, (0.3, 0.7), rng)
    shuffled = composition_baseline(dataset(pos, dinucleotide_shuffles(pos, seed=1), rng))
    # a dinucleotide shuffle keeps GC and CpG exactly: every positive ties with its own shuffle
    assert shuffled["test_auroc"] == 0.5
    assert shuffled["positives"]["gc"] == shuffled["negatives"]["gc"]
    same = composition_baseline(dataset(pos, random_seqs(1500, (0.3, 0.7), rng), rng))  # other draws, same law
    assert same["test_auroc"] == pytest.approx(0.5, abs=0.05)


def test_baseline_separates_gc_rich_positives_from_random_background():
    rng = np.random.default_rng(2)
    pos = random_seqs(1000, (0.5, 0.7), rng)
    result = composition_baseline(dataset(pos, random_seqs(1000, (0.3, 0.5), rng), rng))
    assert result["test_auroc"] > 0.9
    assert result["positives"]["gc"]["mean"] > result["negatives"]["gc"]["mean"] + 0.1
    assert result["n_train"] + result["n_test"] == 2000


def test_baseline_sees_cpg_where_gc_is_matched():
    rng = np.random.default_rng(3)
    pos = random_seqs(1000, (0.4, 0.6), rng)
    neg = [deplete_cpg(s) for s in random_seqs(1000, (0.4, 0.6), rng)]  # same GC law, CpG depleted
    result = composition_baseline(dataset(pos, neg, rng))
    assert abs(result["positives"]["gc"]["mean"] - result["negatives"]["gc"]["mean"]) < 0.01
    assert result["negatives"]["cpg_oe"]["mean"] == 0.0 and result["positives"]["cpg_oe"]["mean"] > 0.8
    assert result["test_auroc"] > 0.95


def test_baseline_needs_both_labels_in_train():
    df = pd.DataFrame({"seq": ["ACGT"] * 4, "label": [1, 1, 0, 1], "split": ["train", "train", "test", "test"]})
    with pytest.raises(InputError, match="x.tsv: the train split needs bound"):
        composition_baseline(df, "x.tsv")
    with pytest.raises(InputError, match="no column"):
        composition_baseline(df.drop(columns="split"), "x.tsv")


def test_composition_figure_shows_each_label_with_its_mean():
    from deepmotif.report.figures import composition_figure
    from deepmotif.report.plots import plot_composition

    X = np.array([[0.4, 0.2], [0.6, 0.8], [0.5, 0.0], [0.7, 1.0]])
    fig = composition_figure(X, np.array([0, 1, 0, 1]), "TF")
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert legends == [["positives (mean 0.65)", "negatives (mean 0.45)"],
                       ["positives (mean 0.90)", "negatives (mean 0.10)"]]
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_composition(X[:, :1], np.array([0, 1, 0, 1]))
