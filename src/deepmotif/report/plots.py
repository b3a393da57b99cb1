"""Panels of the figures: sequence logos, ROC/PR curves, the cross-TF AUC plots.

Every function draws on ``ax`` (a new figure when None) and returns it; callers save and close.
All letters use one palette, :data:`PALETTE`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

ALPHABET = "ACGT"
PALETTE = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
LOGO_KINDS = ("probability", "information", "attribution")


def _pyplot():
    """matplotlib.pyplot, imported only where a panel makes its own figure (the dashboard makes none)."""
    import matplotlib.pyplot as plt

    return plt


@functools.lru_cache(maxsize=None)
def _glyph(letter: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (scaled to the unit square) and codes of a bold letter's outline."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold"))
    vertices = path.vertices.copy()
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    return (vertices - low) / (high - low), path.codes


def letter_paths(M: np.ndarray) -> tuple[list, list[str]]:
    """The letters of a logo of ``M`` as paths in data coordinates, and their colours.

    Letters are stacked as logomaker stacks them: per position the smallest at the bottom, positive
    scores above 0 and negative ones below, each letter 0.95 wide and as tall as its score.

    Parameters
    ----------
    M: numpy.ndarray, shape=(4, length)
        Heights of A, C, G, T per position.

    Returns
    -------
    list of matplotlib.path.Path, list of str
        Position by position, positive letters before negative ones.
    """
    from matplotlib.path import Path as MplPath

    M = np.asarray(M, dtype=np.float64)
    stacks = []  # per sign, (4, length): letter index, height and bottom, smallest first per position
    for sign in (1, -1):
        heights = M * sign
        order = np.argsort(heights, axis=0, kind="stable")  # small letters at the bottom, as logomaker
        tall = np.take_along_axis(heights, order, axis=0)
        shown = np.clip(tall, 0, None)
        bottom = np.cumsum(shown, axis=0) - shown
        stacks.append((order, tall, bottom if sign > 0 else -bottom - tall))
    order, tall, low = (np.stack([s[k].T for s in stacks], axis=1) for k in range(3))  # (length, sign, rank)
    j, _, _ = np.nonzero(tall > 0)  # position by position, positive letters before negative ones
    letters, heights, bottoms = order[tall > 0], tall[tall > 0], low[tall > 0]
    paths: list = [None] * len(letters)
    for b, base in enumerate(ALPHABET):
        pick = np.flatnonzero(letters == b)
        if not len(pick):
            continue
        vertices, codes = _glyph(base)
        xy = vertices[None] * np.c_[np.full(len(pick), 0.95), heights[pick]][:, None, :] \
            + np.c_[j[pick] - 0.475, bottoms[pick]][:, None, :]
        for i, letter_xy in zip(pick, xy):
            paths[i] = MplPath(letter_xy, codes, readonly=True)
    colours = [PALETTE[ALPHABET[b]] for b in letters]
    return paths, colours


def plot_logo(M, ax: Axes | None = None, kind: str = "probability") -> Axes:
    """Sequence logo drawn as one collection of cached letter outlines, in logomaker's layout.

    Letters are stacked as logomaker stacks them (smallest at the bottom, negative scores below the
    axis; tests/test_report_plots.py compares the two), but each letter's outline is computed once and
    all are drawn as one path collection: logomaker lays out a font path for every letter, about ten
    times slower, and the dashboards draw hundreds of logos.

    Parameters
    ----------
    M: numpy.ndarray, shape=(4, length)
        Rows A, C, G, T: probabilities (``probability``, ``information``) or scores (``attribution``,
        negative letters below the axis).
    ax: matplotlib.axes.Axes or None, optional
    kind: str, optional
        ``probability``, ``information`` (height = p times the position's bits) or ``attribution``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.collections import PathCollection

    from deepmotif.interpret.motifs import information_content

    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != 4:
        raise ValueError(f"M must have shape (4, length), got {M.shape}")
    if kind not in LOGO_KINDS:
        raise ValueError(f"kind must be one of {LOGO_KINDS}, got {kind!r}")
    if kind == "information":
        M = M * np.clip(information_content(M), 0, None)
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(max(4.0, 0.12 * M.shape[1]), 2.0))
    paths, colours = letter_paths(M)
    # one collection of plain paths (no Patch artist per letter); limits are set below, not from the paths
    ax.add_collection(PathCollection(paths, facecolors=colours, edgecolors="none", linewidths=0), autolim=False)
    ax.set_xlim(-0.5, M.shape[1] - 0.5)
    top = float(np.clip(M, 0, None).sum(axis=0).max(initial=0))
    bottom = float(np.clip(M, None, 0).sum(axis=0).min(initial=0))
    if kind == "probability":
        ax.set_ylim(0, 1)
    elif kind == "information":
        ax.set_ylim(0, 2)
    else:
        pad = 0.05 * max(top - bottom, 1e-12)
        ax.set_ylim(bottom - pad, top + pad)
        ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("position")
    ax.set_ylabel({"probability": "probability", "information": "bits", "attribution": "attribution"}[kind])
    return ax


def plot_roc_pr(y, scores_by_arch: Mapping[str, np.ndarray], axes: np.ndarray | None = None) -> np.ndarray:
    """ROC and precision-recall curves of several models on the same labelled sequences.

    Parameters
    ----------
    y: numpy.ndarray, shape=(n,)
        Labels 0/1.
    scores_by_arch: mapping of str to numpy.ndarray, shape=(n,)
        Scores (probabilities or logits) per architecture.
    axes: sequence of two matplotlib.axes.Axes or None, optional
        Where to draw ROC and PR; None creates a figure with two panels. Default None.

    Returns
    -------
    numpy.ndarray of two matplotlib.axes.Axes
        ROC then PR; legends give AUROC and AUPRC.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    y = np.asarray(y)
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ValueError(f"y must contain both labels 0 and 1, got {sorted(np.unique(y).tolist())}")
    if axes is None:
        _, axes = _pyplot().subplots(1, 2, figsize=(9, 4))
    axes = np.asarray(axes).ravel()
    roc_ax, pr_ax = axes
    for arch, scores in scores_by_arch.items():
        scores = np.asarray(scores)
        if scores.shape != y.shape:
            raise ValueError(f"scores of {arch!r} have shape {scores.shape}, y has {y.shape}")
        fpr, tpr, _ = roc_curve(y, scores)
        precision, recall, _ = precision_recall_curve(y, scores)
        roc_ax.plot(fpr, tpr, label=f"{arch} (AUROC {roc_auc_score(y, scores):.3f})")
        pr_ax.plot(recall, precision, label=f"{arch} (AUPRC {average_precision_score(y, scores):.3f})")
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8)
    pr_ax.axhline(y.mean(), color="grey", linestyle="--", linewidth=0.8)
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC",
               xlim=(0, 1), ylim=(0, 1))
    pr_ax.set(xlabel="recall", ylabel="precision", title="precision-recall", xlim=(0, 1), ylim=(0, 1.02))
    roc_ax.legend(loc="lower right", fontsize=8)
    pr_ax.legend(loc="lower left", fontsize=8)
    return axes


def plot_composition(X, y, axes: np.ndarray | None = None) -> np.ndarray:
    """Distributions of GC content and CpG observed/expected in positives and negatives.

    Parameters
    ----------
    X: numpy.ndarray, shape=(n, 2)
        GC fraction and CpG o/e per sequence (:func:`deepmotif.data.composition.composition`).
    y: numpy.ndarray, shape=(n,)
        Labels 0/1.
    axes: sequence of two matplotlib.axes.Axes or None, optional
        Where to draw GC and CpG; None creates a figure with two panels. Default None.

    Returns
    -------
    numpy.ndarray of two matplotlib.axes.Axes
        GC then CpG; step histograms (density), the legends give each label's mean.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(f"X must have shape (n, 2) with n = len(y) = {len(y)}, got {X.shape}")
    if axes is None:
        _, axes = _pyplot().subplots(1, 2, figsize=(7, 2.8))
    axes = np.asarray(axes).ravel()
    labels = ((1, "positives", "#255C99", "-"), (0, "negatives", "#D62839", "--"))  # dashed: shuffles overlap
    for ax, j, name, upper in ((axes[0], 0, "GC fraction", 1.0), (axes[1], 1, "CpG observed / expected", None)):
        top = upper or max(float(np.percentile(X[:, j], 99.5)), 1e-9) * 1.05
        bins = np.linspace(0, top, 41)
        for label, text, colour, style in labels:
            values = X[y == label, j]
            if len(values):
                ax.hist(np.clip(values, 0, top), bins=bins, density=True, histtype="step", color=colour,
                        linewidth=1.3, linestyle=style, label=f"{text} (mean {values.mean():.2f})")
        ax.set(xlabel=name, ylabel="density", xlim=(0, top))
        ax.legend(fontsize=7)
    return axes


# --- cross-TF summaries of results/summary/auc_table.tsv (added with the models work) ---------------

SUMMARY_ROWS = ("mean", "median")


def _auc_matrix(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``metric`` of every TF (rows) × architecture (columns) from an ``auc_table.tsv`` table."""
    missing = {"tf", "arch", metric} - set(table.columns)
    if missing:
        raise ValueError(f"table lacks column(s) {sorted(missing)}; expected tf, arch, {metric}")
    per_tf = table[~table["tf"].astype(str).isin(SUMMARY_ROWS)]
    if per_tf.empty:
        raise ValueError("table has no per-TF rows (only mean/median)")
    return per_tf.pivot_table(index="tf", columns="arch", values=metric, aggfunc="first", sort=False)


def plot_auc_scatter(
    table: pd.DataFrame, x: str = "cnn", y: str = "cnn_rnn", metric: str = "test_auroc",
    ax: Axes | None = None,
) -> Axes:
    """One point per TF: ``metric`` of architecture ``x`` against ``y`` (the paper's CNN vs CNN-RNN).

    Parameters
    ----------
    table: pandas.DataFrame
        ``results/summary/auc_table.tsv``: columns ``tf arch`` and ``metric``; rows with ``tf`` =
        ``mean``/``median`` are ignored.
    x, y: str, optional
        Architectures on the horizontal and vertical axes. Defaults "cnn" and "cnn_rnn".
    metric: str, optional
        Default "test_auroc".
    ax: matplotlib.axes.Axes or None, optional

    Returns
    -------
    matplotlib.axes.Axes
        Points above the diagonal are TFs where ``y`` beats ``x``; the title counts them. With ``x == y``
        (one architecture trained) there is nothing to compare: one point per TF, its ``metric``
        against the TF, and the title says so.
    """
    M = _auc_matrix(table, metric)
    absent = [a for a in (x, y) if a not in M.columns]
    if absent:
        raise ValueError(f"architecture(s) {absent} not in the table; it has {list(M.columns)}")
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(4.5, 4.5))
    label = metric.replace("test_", "test ").replace("auroc", "AUROC").replace("auprc", "AUPRC")
    if x == y:
        values = M[x].dropna()
        ax.scatter(range(len(values)), values, s=25, color="#255C99", zorder=3)
        ax.set_xticks(range(len(values)), [str(tf).split("_")[0] for tf in values.index], rotation=90)
        ax.set(ylim=(min(0.5, float(values.min()) - 0.02) if len(values) else 0.5, 1), xlabel="TF",
               ylabel=f"{x} {label}", title=f"only {x} trained: no architecture comparison")
        return ax
    pairs = pd.DataFrame({"x": M[x], "y": M[y]}).dropna()
    lo = min(0.5, float(pairs.min().min()) - 0.02)
    ax.plot([lo, 1], [lo, 1], color="grey", linestyle="--", linewidth=0.8)
    ax.scatter(pairs["x"], pairs["y"], s=25, color="#255C99", zorder=3)
    wins = int((pairs["y"] > pairs["x"]).sum())
    ax.set(xlim=(lo, 1), ylim=(lo, 1), xlabel=f"{x} {label}", ylabel=f"{y} {label}",
           title=f"{y} better on {wins} of {len(pairs)} TFs", aspect="equal")
    place_labels(ax, pairs["x"].to_numpy(), pairs["y"].to_numpy(), [str(tf).split("_")[0] for tf in pairs.index])
    return ax


# label offsets tried in turn (points): right, left, above, below, the diagonals, then farther out
_LABEL_OFFSETS = [(dx * r, dy * r, ha, va) for r in (1, 2, 3, 4, 6, 9, 12, 16, 20, 25, 30)
                  for dx, dy, ha, va in ((4, 0, "left", "center"), (-4, 0, "right", "center"),
                                         (0, 4, "center", "bottom"), (0, -4, "center", "top"),
                                         (3, 3, "left", "bottom"), (-3, 3, "right", "bottom"),
                                         (3, -3, "left", "top"), (-3, -3, "right", "top"))]
_LEADER = 12  # points: labels farther from their point get a line to it


def place_labels(ax: Axes, xs: np.ndarray, ys: np.ndarray, labels: list[str], fontsize: float = 7) -> list:
    """Label points so that no label overlaps another label or a point (greedy, in drawing coordinates).

    Each label takes the first offset of ``_LABEL_OFFSETS`` whose text box overlaps no label placed
    before and no point and stays inside the axes (a line joins labels set farther out to their
    point); only when none is free (a very dense cluster) does it sit beside its point regardless.
    Call after the axes' limits and aspect are final.

    Parameters
    ----------
    ax: matplotlib.axes.Axes
    xs, ys: numpy.ndarray
        Point coordinates (data).
    labels: list of str
    fontsize: float, optional

    Returns
    -------
    list of matplotlib.text.Annotation
    """
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    points = ax.transData.transform(np.c_[xs, ys]) if len(xs) else np.zeros((0, 2))
    radius = 4 * fig.dpi / 72  # marker s=25 pt² → ~2.5 pt radius, with a margin
    taken = [Bbox.from_extents(px - radius, py - radius, px + radius, py + radius) for px, py in points]
    frame = ax.get_window_extent(renderer)

    def annotate(i: int, dx: float, dy: float, ha: str, va: str, line: bool = False):
        leader = {"arrowprops": {"arrowstyle": "-", "color": "grey", "linewidth": 0.5}} if line else {}
        return ax.annotate(labels[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points",
                           fontsize=fontsize, ha=ha, va=va, **leader)

    placed = []
    for i in np.lexsort((xs, -np.asarray(ys))):  # top to bottom
        for dx, dy, ha, va in _LABEL_OFFSETS:
            text = annotate(i, dx, dy, ha, va)
            box = text.get_window_extent(renderer)
            inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in taken):
                if max(abs(dx), abs(dy)) > _LEADER:  # the box without the line was checked
                    text.remove()
                    text = annotate(i, dx, dy, ha, va, line=True)
                break
            text.remove()
        else:
            text = annotate(i, *_LABEL_OFFSETS[0])
            box = text.get_window_extent(renderer)
        taken.append(box)
        placed.append(text)
    return placed


def plot_auc_box(
    table: pd.DataFrame, metric: str = "test_auroc", archs: list[str] | None = None, ax: Axes | None = None,
) -> Axes:
    """Distribution of ``metric`` over TFs, one box per architecture, TFs drawn as points.

    Parameters
    ----------
    table: pandas.DataFrame
        ``results/summary/auc_table.tsv`` (see :func:`plot_auc_scatter`).
    metric: str, optional
        Default "test_auroc".
    archs: list of str or None, optional
        Architectures in drawing order; None keeps the table's order. Default None.
    ax: matplotlib.axes.Axes or None, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    M = _auc_matrix(table, metric)
    archs = list(M.columns) if archs is None else list(archs)
    absent = [a for a in archs if a not in M.columns]
    if absent:
        raise ValueError(f"architecture(s) {absent} not in the table; it has {list(M.columns)}")
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(1.2 * len(archs) + 2, 4))
    values = [M[a].dropna().to_numpy() for a in archs]
    ax.boxplot(values, showfliers=False, medianprops={"color": "#D62839"})
    ax.set_xticks(range(1, len(archs) + 1), archs)
    rng = np.random.default_rng(0)
    for i, v in enumerate(values, start=1):
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(v)), v, s=12, color="#255C99", alpha=0.8, zorder=3)
    label = metric.replace("test_", "test ").replace("auroc", "AUROC").replace("auprc", "AUPRC")
    ax.set(xlabel="architecture", ylabel=label, title=f"{label} over {len(M)} TFs")
    return ax
