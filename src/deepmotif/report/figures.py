"""Whole figures of the dashboard, composed from the panels of :mod:`deepmotif.report.plots`.

Each ``*_figure`` function returns a :class:`matplotlib.figure.Figure` comparing architectures on one
sequence (saliency, temporal scores, ISM) or showing one model's learned motifs; :func:`save_figure`
writes a PNG atomically and closes the figure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from deepmotif.data.encoding import one_hot  # noqa: E402
from deepmotif.io import atomic_path  # noqa: E402
from deepmotif.report.plots import (  # noqa: E402
    plot_ism,
    plot_logo,
    plot_roc_pr,
    plot_saliency_heatmap,
    plot_temporal,
)

WIDTH = 14.0  # inches: 101 positions stay legible at DPI
DPI = 90


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> None:
    """Write ``fig`` as PNG to ``path`` (atomically) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    plt.close(fig)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``path`` that replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp creates 0700
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def safe_name(text: str) -> str:
    """``text`` usable as a file name (letters, digits, ``_ . -``)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(text))


def write_figure_folder(folder: str | os.PathLike, figures: Iterable[tuple[dict, Figure]]) -> int:
    """Save figures into ``folder`` (replaced atomically) with an ``index.tsv`` describing them.

    Parameters
    ----------
    folder: path
        Output folder; an existing one is replaced.
    figures: iterable of (dict, Figure)
        Per figure its ``index.tsv`` row, which must hold ``name`` (the file is ``<name>.png``) and
        may hold more columns, and the figure (closed after saving).

    Returns
    -------
    int
        Number of figures.
    """
    rows = []
    with atomic_dir(folder) as tmp:
        for meta, fig in figures:
            meta = {**meta, "file": f"{safe_name(meta['name'])}.png"}
            save_figure(fig, tmp / meta["file"])
            rows.append(meta)
        pd.DataFrame(rows, columns=list(dict.fromkeys(k for r in rows for k in r)) or ["name", "file"]).to_csv(
            tmp / "index.tsv", sep="\t", index=False)
    return len(rows)


def sequence_figures(kind: str, results: Mapping[str, Mapping[str, np.ndarray]],
                     n: int = 0, sites: pd.DataFrame | None = None) -> Iterator[tuple[dict, Figure]]:
    """Per-sequence figures comparing architectures, from the arrays of ``deepmotif saliency``/``temporal``/``ism``.

    Parameters
    ----------
    kind: str
        ``saliency``, ``temporal`` or ``ism``.
    results: mapping of str to mapping of str to numpy.ndarray
        Per architecture the arrays of its ``.npz`` (``ids``, ``seqs`` and ``X_attr``/``prob``,
        ``forward``/``backward`` or ``X_ism``); the same sequences in the same order for all.
    n: int, optional
        First ``n`` sequences (0: all those every architecture has). Default 0.
    sites: pandas.DataFrame, optional
        Known motifs ``id start end`` in sequence coordinates (simulated data,
        :func:`deepmotif.interpret.groundtruth.planted_sites`), marked in the figures.

    Yields
    ------
    (dict, Figure)
        ``{"name", "rank", "id"}`` and the figure.
    """
    if kind not in ("saliency", "temporal", "ism"):
        raise ValueError(f"kind must be saliency, temporal or ism, got {kind!r}")
    if not results:
        raise ValueError("no architectures given")
    count = min(len(r["ids"]) for r in results.values())
    count = min(count, n) if n else count
    first = next(iter(results.values()))
    ids, seqs = [str(i) for i in first["ids"][:count]], [str(s) for s in first["seqs"][:count]]
    for arch, r in results.items():
        if [str(i) for i in r["ids"][:count]] != ids:
            raise ValueError(f"{kind} of {arch!r} has other sequences than the first architecture; "
                             "compute all from the same sequences.tsv")
    by_id = sites.groupby("id")[["start", "end"]] if sites is not None and len(sites) else None
    for i, (sid, seq) in enumerate(zip(ids, seqs)):
        title = f"{i + 1}. {sid}"
        spans = ([tuple(x) for x in by_id.get_group(sid).to_numpy()]
                 if by_id is not None and sid in by_id.groups else [])
        if kind == "saliency":
            fig = saliency_figure(seq, title, {a: r["X_attr"][i] for a, r in results.items()},
                                  {a: float(r["prob"][i]) for a, r in results.items()}, spans)
        elif kind == "temporal":
            fig = temporal_figure(seq, title, {a: (r["forward"][i], r["backward"][i]) for a, r in results.items()},
                                  spans)
        else:
            fig = ism_figure(seq, title, {a: r["X_ism"][i] for a, r in results.items()}, spans)
        yield {"name": f"{i + 1:02d}_{sid}", "rank": i + 1, "id": sid}, fig


def _check_seq(seq: str, M: np.ndarray, name: str) -> None:
    if M.shape[-1] != len(seq):
        raise ValueError(f"{name} has {M.shape[-1]} positions, the sequence {len(seq)}")


def _mark_sites(ax, spans, box: bool = False) -> None:
    """Mark planted motifs ``[(start, end), ...]``: shaded (logos) or outlined between dashed lines."""
    for start, end in spans:
        if box:
            for x in (start - 0.5, end - 0.5):
                ax.axvline(x, color="black", linestyle="--", linewidth=0.9)
        else:
            ax.axvspan(start - 0.5, end - 0.5, color="#7a7a7a", alpha=0.15, linewidth=0)


def _align_to(axes_pairs) -> None:
    """Give each follower the horizontal extent of its leader (heatmaps lose width to their colour bar)."""
    for leader, follower in axes_pairs:
        lead, follow = leader.get_position(), follower.get_position()
        follower.set_position([lead.x0, follow.y0, lead.width, follow.height])


def _only_bottom_sequence(axes) -> None:
    """Keep the sequence letters on the last axes only (the sequences are the same)."""
    for ax in axes[:-1]:
        ax.set_xticks([])
        ax.set_xlabel("")


def saliency_figure(seq: str, title: str, attrs: Mapping[str, np.ndarray],
                    probs: Mapping[str, float] | None = None, spans=()) -> Figure:
    """Saliency of one sequence under several models: per model a 4×length heatmap and a logo.

    Parameters
    ----------
    seq: str
        The sequence.
    title: str
        Figure title (e.g. the sequence id).
    attrs: mapping of str to numpy.ndarray, shape=(4, length)
        Attributions per architecture (gradient times input: non-zero only at the base present).
    probs: mapping of str to float, optional
        P(binding) per architecture, shown in the panel titles.
    spans: sequence of (int, int), optional
        Known motif positions ``[start, end)`` (simulated data), shaded in the logos.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(2 * len(attrs), 1, figsize=(WIDTH, 2.3 * len(attrs) + 0.5), squeeze=False,
                             gridspec_kw={"height_ratios": [1, 1.3] * len(attrs)})
    pairs = []
    for k, (arch, X_attr) in enumerate(attrs.items()):
        X_attr = np.asarray(X_attr, dtype=np.float64)
        _check_seq(seq, X_attr, f"saliency of {arch}")
        heat, logo = axes[2 * k, 0], axes[2 * k + 1, 0]
        plot_saliency_heatmap(X_attr, ax=heat)
        label = arch if probs is None else f"{arch}  (P(binding) = {probs[arch]:.3f})"
        heat.set_title(label, loc="left", fontsize=10)
        heat.set_xlabel("")
        heat.set_xticks([])
        plot_logo(X_attr * one_hot([seq])[0], ax=logo, kind="attribution")
        logo.set_xlim(-0.5, len(seq) - 0.5)
        logo.set_ylabel("saliency")
        _mark_sites(logo, spans)
        if k < len(attrs) - 1:
            logo.set_xlabel("")
        pairs.append((heat, logo))
    fig.suptitle(title + ("  (shaded: planted motif)" if len(spans) else ""), x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    _align_to(pairs)
    return fig


def temporal_figure(seq: str, title: str, scores: Mapping[str, tuple[np.ndarray, np.ndarray]],
                    spans=()) -> Figure:
    """Temporal output scores of one sequence under several models: two heatmap rows per model.

    Parameters
    ----------
    seq: str
    title: str
    scores: mapping of str to (forward, backward), each numpy.ndarray of shape=(length,)
    spans: sequence of (int, int), optional
        Known motif positions ``[start, end)``, marked by dashed lines.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(len(scores), 1, figsize=(WIDTH, 1.1 * len(scores) + 0.8), squeeze=False)
    for ax, (arch, (forward, backward)) in zip(axes[:, 0], scores.items()):
        plot_temporal(forward, backward, seq, ax=ax)
        ax.set_title(arch, loc="left", fontsize=10)
        _mark_sites(ax, spans, box=True)
    _only_bottom_sequence(axes[:, 0])
    fig.suptitle(title + ("  (dashed: planted motif)" if len(spans) else ""), x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def ism_figure(seq: str, title: str, isms: Mapping[str, np.ndarray], spans=()) -> Figure:
    """In-silico mutagenesis maps of one sequence under several models, one heatmap each."""
    fig, axes = plt.subplots(len(isms), 1, figsize=(WIDTH, 1.3 * len(isms) + 0.8), squeeze=False)
    for ax, (arch, X_ism) in zip(axes[:, 0], isms.items()):
        plot_ism(X_ism, ax=ax, seq=seq)
        ax.set_title(arch, loc="left", fontsize=10)
        ax.set_xlabel("")
        _mark_sites(ax, spans, box=True)
    _only_bottom_sequence(axes[:, 0])
    fig.suptitle(title + ("  (dashed: planted motif)" if len(spans) else ""), x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def class_optimization_figure(pwms: np.ndarray, scores: np.ndarray, windows: pd.DataFrame,
                              n_show: int = 4, title: str = "") -> Figure:
    """Class-optimized inputs as information logos, best first, with their matched windows shaded.

    Parameters
    ----------
    pwms: numpy.ndarray, shape=(n, 4, length)
    scores: numpy.ndarray, shape=(n,)
        P(binding) of each optimized input.
    windows: pandas.DataFrame
        ``restart start end`` (from :func:`~deepmotif.interpret.pipeline.importance_windows`).
    n_show: int, optional
        Restarts drawn (the highest scoring). Default 4.
    title: str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = np.argsort(-np.asarray(scores), kind="stable")[:n_show]
    fig, axes = plt.subplots(len(order), 1, figsize=(WIDTH, 1.5 * len(order) + 0.5), squeeze=False)
    for ax, r in zip(axes[:, 0], order):
        plot_logo(pwms[r], ax=ax, kind="information")
        for w, (start, end) in enumerate(windows.loc[windows["restart"] == r, ["start", "end"]].to_numpy()):
            ax.axvspan(start - 0.5, end - 0.5, color="grey", alpha=0.15, linewidth=0)
            ax.text(start - 0.4, 1.95, f"opt{r + 1}.w{w + 1}", fontsize=7, va="top")
        ax.set_xlim(-0.5, pwms.shape[-1] - 0.5)
        ax.set_title(f"restart {r + 1}: P(binding) = {scores[r]:.3f}", loc="left", fontsize=9)
        ax.set_xlabel("")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return fig


def motif_figure(pwm: np.ndarray, title: str = "") -> Figure:
    """A small information logo of one learned motif."""
    pwm = np.asarray(pwm, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(max(2.0, 0.25 * pwm.shape[1] + 0.8), 1.4))
    plot_logo(pwm, ax=ax, kind="information")
    ax.set_xticks(range(pwm.shape[1]), [str(i + 1) for i in range(pwm.shape[1])], fontsize=6)
    ax.set_xlabel("")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def performance_figure(y: np.ndarray, scores_by_arch: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """ROC and precision-recall curves of all architectures on the test split."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    plot_roc_pr(y, scores_by_arch, axes=axes)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def training_figure(histories: Mapping[str, pd.DataFrame]) -> Figure:
    """Training curves per architecture: training and validation loss, validation AUROC per epoch.

    Parameters
    ----------
    histories: mapping of str to pandas.DataFrame
        ``training.csv`` (Lightning CSVLogger: ``epoch train_loss valid_loss valid_auroc``).
    """
    fig, (loss_ax, auc_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (arch, history) in enumerate(histories.items()):
        colour = f"C{k}"
        epochs = history.groupby("epoch").first()
        if "train_loss" in epochs:
            loss_ax.plot(epochs.index, epochs["train_loss"], color=colour, linestyle="--", label=f"{arch} train")
        if "valid_loss" in epochs:
            loss_ax.plot(epochs.index, epochs["valid_loss"], color=colour, label=f"{arch} valid")
        if "valid_auroc" in epochs:
            auc_ax.plot(epochs.index, epochs["valid_auroc"], color=colour, label=arch)
    loss_ax.set(xlabel="epoch", ylabel="loss (BCE)", title="loss")
    auc_ax.set(xlabel="epoch", ylabel="AUROC", title="validation AUROC", ylim=(0.4, 1.0))
    loss_ax.legend(fontsize=7)
    auc_ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def motif_figures(
    class_optimization: Mapping[str, np.ndarray],
    class_motifs: tuple[list[np.ndarray], list[str]],
    filters: tuple[list[np.ndarray], list[str]] | None = None,
    filter_sites: Mapping[str, int] | None = None,
    matches: pd.DataFrame | None = None,
    n_filters: int = 12,
    n_restarts: int = 4,
) -> Iterator[tuple[dict, Figure]]:
    """Figures of one model's learned motifs: class-optimization overview, its windows, the best filters.

    Parameters
    ----------
    class_optimization: mapping of str to numpy.ndarray
        Arrays of ``deepmotif optimize`` (``pwms scores restart start end``).
    class_motifs: (pwms, names)
        The windows cut from the optimized inputs (its MEME file).
    filters: (pwms, names), optional
        First-layer filter motifs (their MEME file); None for networks without ``first_conv``.
    filter_sites: mapping of str to int, optional
        Sites per filter, shown in the notes.
    matches: pandas.DataFrame, optional
        JASPAR hits (``query rank p_value``); the ``n_filters`` filters with the smallest top-hit
        p-value are drawn (all filters in order when None).
    n_filters: int, optional
        Filters drawn. Default 12.
    n_restarts: int, optional
        Optimized inputs drawn in the overview. Default 4.

    Yields
    ------
    (dict, Figure)
        ``{"name", "query", "source", "note"}`` (``source``: ``overview``, ``class_optimization`` or
        ``filter``) and the figure.
    """
    windows = pd.DataFrame({k: class_optimization[k] for k in ("restart", "start", "end")})
    yield ({"name": "class_optimization", "query": "", "source": "overview", "note": ""},
           class_optimization_figure(class_optimization["pwms"], class_optimization["scores"], windows, n_restarts))
    for pwm, name, (restart, start, end) in zip(*class_motifs, windows.to_numpy()):
        note = f"restart {restart + 1}, positions {start + 1}-{end}"
        yield {"name": name, "query": name, "source": "class_optimization", "note": note}, motif_figure(pwm, name)
    if filters is None:
        return
    pwms, names = filters
    order = list(range(len(names)))
    if matches is not None and len(matches):
        best = matches[matches["rank"] == 1].set_index("query")["p_value"]
        order.sort(key=lambda i: best.get(names[i], np.inf))
    for i in order[:n_filters]:
        sites = (filter_sites or {}).get(names[i])
        note = f"{sites} sites" if sites is not None else ""
        yield {"name": names[i], "query": names[i], "source": "filter", "note": note}, motif_figure(pwms[i], names[i])
