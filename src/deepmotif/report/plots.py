"""Figures of the dashboard: sequence logos, saliency and ISM heatmaps, temporal scores, ROC/PR curves.

Every function draws on ``ax`` (a new figure when None) and returns it; callers save and close.
All letters use one palette, :data:`PALETTE`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

ALPHABET = "ACGT"
PALETTE = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
LOGO_KINDS = ("probability", "information", "attribution")


def _as_matrix(M, name: str, n_rows: int = 4) -> np.ndarray:
    """``M`` (array or tensor) as a float array of shape ``(n_rows, length)``, or a ValueError."""
    M = np.asarray(M.detach().cpu() if hasattr(M, "detach") else M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != n_rows:
        raise ValueError(f"{name} must have shape ({n_rows}, length), got {M.shape}")
    return M


def _new_ax(ax: Axes | None, length: int, height: float = 2.0) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.12 * length), height))
    return ax


def _color_base_ticks(ax: Axes) -> None:
    """Colour the A/C/G/T tick labels of the y axis with :data:`PALETTE`."""
    for label in ax.get_yticklabels():
        label.set_color(PALETTE.get(label.get_text(), "black"))


def plot_logo(pwm, ax: Axes | None = None, kind: str = "probability") -> Axes:
    """Sequence logo of a probability matrix or of attributions.

    Parameters
    ----------
    pwm: numpy.ndarray or torch.Tensor, shape=(4, length)
        Rows A, C, G, T: probabilities (``probability``, ``information``) or attribution scores
        (``attribution``; negative letters are drawn below the axis).
    ax: matplotlib.axes.Axes or None, optional
        Axes to draw on; None creates a figure. Default None.
    kind: str, optional
        ``probability`` (letter height = p), ``information`` (height = p times the position's
        information in bits) or ``attribution`` (height = score). Default "probability".

    Returns
    -------
    matplotlib.axes.Axes
    """
    M = _as_matrix(pwm, "pwm")
    if kind not in LOGO_KINDS:
        raise ValueError(f"kind must be one of {LOGO_KINDS}, got {kind!r}")
    import logomaker

    df = pd.DataFrame(M.T, columns=list(ALPHABET))
    if kind == "information":
        from deepmotif.interpret.motifs import information_content

        df = df.mul(np.clip(information_content(M), 0, None), axis=0)
    ax = _new_ax(ax, M.shape[1])
    logomaker.Logo(df, ax=ax, color_scheme=PALETTE)
    ax.set_xlabel("position")
    ax.set_ylabel({"probability": "probability", "information": "bits", "attribution": "attribution"}[kind])
    if kind == "probability":
        ax.set_ylim(0, 1)
    elif kind == "information":
        ax.set_ylim(0, 2)
    return ax


def _heatmap(M: np.ndarray, ax: Axes, rows: list[str], label: str, cmap: str,
             vmin: float, vmax: float) -> Axes:
    image = ax.imshow(M, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("position")
    ax.figure.colorbar(image, ax=ax, label=label, pad=0.01)
    return ax


def _symmetric_limit(M: np.ndarray) -> float:
    limit = float(np.abs(M).max()) if M.size else 0.0
    return limit if limit > 0 else 1.0


def plot_saliency_heatmap(X_attr, ax: Axes | None = None) -> Axes:
    """Heatmap of attributions, one row per base (A, C, G, T), diverging colours centred at 0.

    Parameters
    ----------
    X_attr: numpy.ndarray or torch.Tensor, shape=(4, length)
    ax: matplotlib.axes.Axes or None, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    M = _as_matrix(X_attr, "X_attr")
    limit = _symmetric_limit(M)
    ax = _heatmap(M, _new_ax(ax, M.shape[1]), list(ALPHABET), "saliency", "RdBu_r", -limit, limit)
    _color_base_ticks(ax)
    ax.set_ylabel("base")
    return ax


def plot_ism(X_ism, ax: Axes | None = None, seq: str | None = None) -> Axes:
    """Heatmap of in-silico mutagenesis effects (change in logit), rows A, C, G, T.

    Parameters
    ----------
    X_ism: numpy.ndarray or torch.Tensor, shape=(4, length)
    ax: matplotlib.axes.Axes or None, optional
    seq: str or None, optional
        The reference sequence; when given, its bases are marked with a dot and label the x axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    M = _as_matrix(X_ism, "X_ism")
    limit = _symmetric_limit(M)
    ax = _heatmap(M, _new_ax(ax, M.shape[1]), list(ALPHABET), "change in logit", "RdBu_r", -limit, limit)
    _color_base_ticks(ax)
    ax.set_ylabel("substituted base")
    if seq is not None:
        if len(seq) != M.shape[1]:
            raise ValueError(f"seq has length {len(seq)}, X_ism has {M.shape[1]} positions")
        ref = [(j, ALPHABET.index(b)) for j, b in enumerate(seq.upper()) if b in ALPHABET]
        ax.scatter([j for j, _ in ref], [b for _, b in ref], s=4, c="black", marker="o")
        ax.set_xticks(range(len(seq)), list(seq), fontsize=6)
    return ax


def plot_temporal(forward, backward, seq: str, ax: Axes | None = None) -> Axes:
    """Temporal output scores of one sequence: two heatmap rows, forward and backward P(binding).

    Parameters
    ----------
    forward, backward: numpy.ndarray or torch.Tensor, shape=(length,)
        From :func:`deepmotif.interpret.temporal.temporal_scores` (one row of each).
    seq: str
        The sequence, labelling the x axis.
    ax: matplotlib.axes.Axes or None, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    M = _as_matrix(np.stack([np.asarray(forward, dtype=np.float64).ravel(),
                             np.asarray(backward, dtype=np.float64).ravel()]), "forward/backward", 2)
    if len(seq) != M.shape[1]:
        raise ValueError(f"seq has length {len(seq)}, the scores have {M.shape[1]} positions")
    ax = _heatmap(M, _new_ax(ax, M.shape[1], 1.5), ["forward", "backward"], "P(binding)", "viridis", 0, 1)
    ax.set_xticks(range(len(seq)), list(seq), fontsize=6)
    for label, base in zip(ax.get_xticklabels(), seq.upper()):
        label.set_color(PALETTE.get(base, "black"))
    ax.set_xlabel("sequence")
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
        _, axes = plt.subplots(1, 2, figsize=(9, 4))
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
        Points above the diagonal are TFs where ``y`` beats ``x``; the title counts them.
    """
    M = _auc_matrix(table, metric)
    absent = [a for a in (x, y) if a not in M.columns]
    if absent:
        raise ValueError(f"architecture(s) {absent} not in the table; it has {list(M.columns)}")
    pairs = pd.DataFrame({"x": M[x], "y": M[y]}).dropna()  # x == y is allowed (one architecture)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    lo = min(0.5, float(pairs.min().min()) - 0.02)
    ax.plot([lo, 1], [lo, 1], color="grey", linestyle="--", linewidth=0.8)
    ax.scatter(pairs["x"], pairs["y"], s=25, color="#255C99", zorder=3)
    for tf, row in pairs.iterrows():
        ax.annotate(str(tf).split("_")[0], (row["x"], row["y"]), fontsize=7, xytext=(3, 2),
                    textcoords="offset points")
    label = metric.replace("test_", "test ").replace("auroc", "AUROC").replace("auprc", "AUPRC")
    wins = int((pairs["y"] > pairs["x"]).sum())
    ax.set(xlim=(lo, 1), ylim=(lo, 1), xlabel=f"{x} {label}", ylabel=f"{y} {label}",
           title=f"{y} better on {wins} of {len(pairs)} TFs", aspect="equal")
    return ax


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
        _, ax = plt.subplots(figsize=(1.2 * len(archs) + 2, 4))
    values = [M[a].dropna().to_numpy() for a in archs]
    ax.boxplot(values, showfliers=False, medianprops={"color": "#D62839"})
    ax.set_xticks(range(1, len(archs) + 1), archs)
    rng = np.random.default_rng(0)
    for i, v in enumerate(values, start=1):
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(v)), v, s=12, color="#255C99", alpha=0.8, zorder=3)
    label = metric.replace("test_", "test ").replace("auroc", "AUROC").replace("auprc", "AUPRC")
    ax.set(xlabel="architecture", ylabel=label, title=f"{label} over {len(M)} TFs")
    return ax
