"""Whole figures of the dashboard, composed from the panels of :mod:`deepmotif.report.plots`.

Each ``*_figure`` function returns a :class:`matplotlib.figure.Figure` comparing architectures on one
sequence (saliency, temporal scores, ISM) or showing one model's learned motifs; :func:`save_figure`
writes a PNG atomically and closes the figure.

A TF's dashboard draws ~150 figures, most alike. The generators (:func:`sequence_figures`,
:func:`motif_figures`) lay a figure out once and redraw it per sequence or motif; its PNG draws only
what changed over a kept background (the same pixels as a figure drawn from scratch; tested). Figures
use fixed margins instead of ``tight_layout`` and are made without pyplot.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import Affine2D, blended_transform_factory  # noqa: E402

from deepmotif.data.encoding import one_hot  # noqa: E402
from deepmotif.data.io import atomic_dir, atomic_path  # noqa: E402
from deepmotif.report.plots import (  # noqa: E402
    ALPHABET,
    PALETTE,
    letter_paths,
    plot_composition,
    plot_logo,
    plot_roc_pr,
)

WIDTH = 14.0  # inches: 101 positions stay legible at DPI
DPI = 90
# zlib level of the PNGs: 1 costs a third less CPU than PIL's default 6 (~0.5 s per dashboard), for
# files ~12% larger (the same pixels)
PNG_COMPRESS_LEVEL = 1


def new_figure(size: tuple[float, float]) -> Figure:
    """A figure of ``size`` inches at :data:`DPI` on its own Agg canvas, outside pyplot.

    The canvas (and its renderer, which caches text metrics) stays with the figure, so a figure
    redrawn for many sequences or motifs does not lay out the same labels again for every PNG.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> None:
    """Write ``fig`` as PNG to ``path`` (atomically) and close it."""
    frame = getattr(fig, "_deepmotif_frame", None)
    with atomic_path(path) as tmp:
        if frame is not None and dpi == fig.dpi:
            frame.write_png(tmp)  # a figure redrawn per sequence or motif: only what changed is drawn
        else:
            fig.savefig(tmp, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    _close(fig)


def _close(fig: Figure) -> None:
    """Release a figure; those of pyplot (``plt.subplots``) are dropped from its registry."""
    import sys

    if "matplotlib.pyplot" in sys.modules:  # figures of this module are not pyplot's: no need to import it
        sys.modules["matplotlib.pyplot"].close(fig)


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
                     n: int = 0, sites: pd.DataFrame | None = None,
                     what: str = "planted motif") -> Iterator[tuple[dict, Figure]]:
    """Per-sequence figures comparing architectures, from the arrays of ``deepmotif saliency``/``temporal``/``ism``.

    One figure is laid out (axes, colour bars, labels) and redrawn for every sequence, since building
    the axes costs more than drawing them: save each figure before taking the next (as
    :func:`write_figure_folder` does); the figures yielded are the same object.

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
        :func:`deepmotif.simulation.groundtruth.planted_sites`), marked in the figures.
    what: str, optional
        What the marked sites are, for the figure titles. Default "planted motif" (variants: "variant").

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
    frame = None
    for i, (sid, seq) in enumerate(zip(ids, seqs)):
        title = f"{i + 1}. {sid}"
        spans = ([tuple(x) for x in by_id.get_group(sid).to_numpy()]
                 if by_id is not None and sid in by_id.groups else [])
        if frame is None or frame.length != len(seq):
            frame = _FRAMES[kind](list(results), len(seq))
        if kind == "saliency":
            fig = _draw_saliency(frame, seq, title, {a: r["X_attr"][i] for a, r in results.items()},
                                 {a: float(r["prob"][i]) for a, r in results.items()}, spans, what)
        elif kind == "temporal":
            fig = _draw_temporal(frame, seq, title,
                                 {a: (r["forward"][i], r["backward"][i]) for a, r in results.items()}, spans)
        else:
            fig = _draw_ism(frame, seq, title, {a: r["X_ism"][i] for a, r in results.items()}, spans, what)
        yield {"name": f"{i + 1:02d}_{sid}", "rank": i + 1, "id": sid}, fig


class _Frame:
    """A figure laid out once (axes, colour bars, fixed labels) and redrawn for every sequence or motif.

    What depends on the sequence (logos, marked sites, the sequence letters) is added through
    :meth:`add` and removed by :meth:`reset`; images, dots and titles are updated in place. For a
    PNG (:meth:`write_png`, used by :func:`save_figure`) the parts that never change (axes, their
    fixed ticks and labels) are drawn once and kept as a background; each figure then draws only
    the artists listed in :attr:`dynamic` and those added since the last reset. ``fig.savefig``
    still draws the whole figure.
    """

    def __init__(self, fig: Figure, axes, length: int) -> None:
        self.fig, self.axes, self.length = fig, list(axes), length
        self.images: list = []
        self.dots: list = []
        self.dynamic: list = []  # artists (whole axes too) that change between figures
        self._added: list = []
        self._background = None
        fig._deepmotif_frame = self  # save_figure finds the frame of a figure here

    def add(self, ax, draw: Callable[[], object]) -> None:
        """Call ``draw()``, which adds artists to ``ax``; they are removed at the next :meth:`reset`."""
        before = set(ax.get_children())
        draw()
        self._added.extend(a for a in ax.get_children() if a not in before)

    def reset(self) -> None:
        for artist in self._added:
            artist.remove()
        self._added.clear()

    def _render(self) -> None:
        """Draw the figure onto its canvas: the kept background, then what changes, in drawing order."""
        canvas = self.fig.canvas
        changing = [*self.dynamic, *self.images, *self.dots, *self._added]
        ids = set(map(id, changing))
        for ax in self.fig.axes:  # the frame of an axes goes over what changes inside it
            if id(ax) not in ids and any(id(a) in ids for a in ax.get_children()):
                changing += ax.spines.values()
        if self._background is None:  # the first figure: draw everything else once and keep it
            for artist in changing:
                artist.set_animated(True)
            try:
                canvas.draw()
            finally:
                for artist in changing:
                    artist.set_animated(False)
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        wanted = set(map(id, changing))
        for ax in self.fig.axes:
            if id(ax) in wanted:
                ax.draw(renderer)
                continue
            children = [a for a in ax.get_children() if id(a) in wanted]
            for artist in sorted(children, key=lambda a: a.get_zorder()):  # stable: as Axes.draw orders them
                artist.draw(renderer)
        for artist in self.fig.texts:  # the suptitle
            if id(artist) in wanted:
                artist.draw(renderer)

    def write_png(self, path: str | os.PathLike) -> None:
        """Write the figure as PNG at :data:`DPI`."""
        from PIL import Image

        self._render()
        # the figures are opaque: RGB, a quarter fewer bytes to compress than matplotlib's RGBA (dropped by
        # PIL's convert, a quarter of the CPU of a numpy copy)
        rgba = self.fig.canvas.buffer_rgba()
        width, height = (int(v) for v in self.fig.canvas.get_width_height(physical=True))
        Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB").save(
            path, format="png", compress_level=PNG_COMPRESS_LEVEL)


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


def _stacked_axes(n_rows: int, row_height: float, heights=None):
    """A figure of ``n_rows`` full-width axes with a fixed layout (tight_layout costs a whole draw).

    Leaves room on the right for colour bars drawn into their own axes (:func:`_colorbar`).
    """
    heights = heights or [1.0] * n_rows
    total = row_height * sum(heights) + 0.35 * n_rows + 0.9
    fig = new_figure((WIDTH, total))
    axes = fig.subplots(n_rows, 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    fig.subplots_adjust(left=0.055, right=0.93, top=1 - 0.7 / total, bottom=0.45 / total,
                        hspace=0.35 * n_rows / (row_height * sum(heights)) + 0.15)
    return fig, axes[:, 0]


def _colorbar(fig: Figure, image, ax, label: str):
    """A slim colour bar right of ``ax`` that does not shrink it (so stacked panels stay aligned); its axes."""
    box = ax.get_position()
    cax = fig.add_axes([box.x1 + 0.008, box.y0, 0.008, box.height])
    fig.colorbar(image, cax=cax)
    cax.set_ylabel(label, fontsize=8)
    cax.tick_params(labelsize=7)
    return cax


def _heat(fig: Figure, ax, M: np.ndarray, rows: str | list[str], cmap: str, vmin: float, vmax: float,
          label: str):
    """A heatmap of ``M`` (rows labelled ``rows``) with its colour bar; returns the image and the bar's axes."""
    image = ax.imshow(M, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_yticks(range(len(rows)), list(rows), fontsize=8)
    for tick in ax.get_yticklabels():
        tick.set_color(PALETTE.get(tick.get_text(), "black"))
    ax.set_xticks([])
    return image, _colorbar(fig, image, ax, label)


SEQUENCE_LETTER_HEIGHT = 8.0  # points: the sequence under a heatmap, one letter per column


def _sequence_letters(ax, seq: str) -> None:
    """The sequence under ``ax``, one coloured letter per column.

    Drawn as one path collection by :func:`deepmotif.report.plots.letter_paths` (a logo of the
    one-hot sequence): as 101 tick labels it cost a text layout per letter and per figure.
    """
    fig = ax.figure
    box = ax.get_position()
    points = box.height * fig.get_figheight() * 72  # height of the axes in points
    height, gap = SEQUENCE_LETTER_HEIGHT / points, 2.0 / points
    paths, colours = letter_paths(one_hot([seq])[0])
    to_axes = Affine2D().scale(1.0, height).translate(0.0, -gap - height)
    ax.add_collection(PathCollection(paths, facecolors=colours, edgecolors="none", linewidths=0, clip_on=False,
                                     transform=to_axes + blended_transform_factory(ax.transData, ax.transAxes)),
                      autolim=False)


def _limit(M: np.ndarray) -> float:
    limit = float(np.abs(M).max()) if M.size else 0.0
    return limit if limit > 0 else 1.0


def _title(fig: Figure, title: str, spans, marked: str, what: str = "planted motif") -> None:
    fig.suptitle(title + (f"  ({marked}: {what})" if len(spans) else ""), x=0.01, ha="left", fontsize=11)


def _saliency_frame(archs: list[str], length: int) -> _Frame:
    """Per architecture a 4×length heatmap above a logo axes."""
    fig, axes = _stacked_axes(2 * len(archs), 0.75, [1, 1.3] * len(archs))
    frame = _Frame(fig, axes, length)
    for k in range(len(archs)):
        image, bar = _heat(fig, axes[2 * k], np.zeros((4, length)), ALPHABET, "RdBu_r", -1.0, 1.0, "saliency")
        frame.images.append(image)
        # per sequence: the colour bar's and the logo's scale (the bar's colours stay), the panel title
        frame.dynamic += [bar.yaxis, axes[2 * k + 1].yaxis, axes[2 * k].set_title("", loc="left", fontsize=10)]
    frame.dynamic.append(fig.suptitle(" ", x=0.01, ha="left", fontsize=11))
    return frame


def _draw_saliency(frame: _Frame, seq: str, title: str, attrs: Mapping[str, np.ndarray],
                   probs: Mapping[str, float] | None, spans, what: str) -> Figure:
    frame.reset()
    onehot = one_hot([seq])[0]
    for k, (arch, X_attr) in enumerate(attrs.items()):
        X_attr = np.asarray(X_attr, dtype=np.float64)
        _check_seq(seq, X_attr, f"saliency of {arch}")
        heat, logo = frame.axes[2 * k], frame.axes[2 * k + 1]
        limit = _limit(X_attr)
        frame.images[k].set_data(X_attr)
        frame.images[k].set_clim(-limit, limit)
        label = arch if probs is None else f"{arch}  (P(binding) = {probs[arch]:.3f})"
        heat.set_title(label, loc="left", fontsize=10)
        frame.add(logo, lambda: (plot_logo(X_attr * onehot, ax=logo, kind="attribution"), _mark_sites(logo, spans)))
        logo.set_ylabel("saliency")
        logo.set_xlabel("position" if k == len(attrs) - 1 else "")
    _title(frame.fig, title, spans, "shaded", what)
    return frame.fig


def saliency_figure(seq: str, title: str, attrs: Mapping[str, np.ndarray],
                    probs: Mapping[str, float] | None = None, spans=(), what: str = "planted motif") -> Figure:
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
    return _draw_saliency(_saliency_frame(list(attrs), len(seq)), seq, title, attrs, probs, spans, what)


def _heat_frame(label: str, rows: list[str], cmap: str, row_height: float, dots: bool):
    """Builder of a frame with one heatmap per architecture (``rows`` labelled), optionally with dots."""
    def build(archs: list[str], length: int) -> _Frame:
        fig, axes = _stacked_axes(len(archs), row_height)
        frame = _Frame(fig, axes, length)
        for ax, arch in zip(axes, archs):
            image, bar = _heat(fig, ax, np.zeros((len(rows), length)), rows, cmap, 0.0, 1.0, label)
            frame.images.append(image)
            ax.set_title(arch, loc="left", fontsize=10)
            if dots:  # ISM: the scale changes per sequence
                frame.dots.append(ax.scatter(np.zeros(0), np.zeros(0), s=3, c="black", marker="o", linewidths=0))
                frame.dynamic.append(bar.yaxis)
        frame.dynamic.append(fig.suptitle(" ", x=0.01, ha="left", fontsize=11))
        return frame
    return build


_temporal_frame = _heat_frame("P(binding)", ["forward", "backward"], "viridis", 0.55, dots=False)
_ism_frame = _heat_frame("change in logit", list(ALPHABET), "RdBu_r", 0.8, dots=True)


def _draw_temporal(frame: _Frame, seq: str, title: str, scores: Mapping[str, tuple[np.ndarray, np.ndarray]],
                   spans) -> Figure:
    frame.reset()
    for k, (arch, (forward, backward)) in enumerate(scores.items()):
        ax = frame.axes[k]
        M = np.stack([np.asarray(forward, dtype=np.float64), np.asarray(backward, dtype=np.float64)])
        _check_seq(seq, M, f"temporal scores of {arch}")
        frame.images[k].set_data(M)
        frame.add(ax, lambda: _mark_sites(ax, spans, box=True))
    frame.add(frame.axes[-1], lambda: _sequence_letters(frame.axes[-1], seq))
    _title(frame.fig, title, spans, "dashed")
    return frame.fig


def temporal_figure(seq: str, title: str, scores: Mapping[str, tuple[np.ndarray, np.ndarray]],
                    spans=()) -> Figure:
    """Temporal output scores of one sequence under several models: two heatmap rows per model.

    Parameters
    ----------
    seq: str
    title: str
    scores: mapping of str to (forward, backward), each numpy.ndarray of shape=(length,)
        From :func:`deepmotif.interpret.temporal.temporal_scores`; forward[i] = P(binding | bases 0..i),
        backward[i] = P(binding | bases i..end).
    spans: sequence of (int, int), optional
        Known motif positions ``[start, end)``, marked by dashed lines.

    Returns
    -------
    matplotlib.figure.Figure
        The sequence is drawn under the last heatmap, one coloured letter per column.
    """
    return _draw_temporal(_temporal_frame(list(scores), len(seq)), seq, title, scores, spans)


def _draw_ism(frame: _Frame, seq: str, title: str, isms: Mapping[str, np.ndarray], spans, what: str) -> Figure:
    frame.reset()
    ref = np.array([(j, ALPHABET.index(b)) for j, b in enumerate(seq.upper()) if b in ALPHABET],
                   dtype=float).reshape(-1, 2)
    for k, (arch, X_ism) in enumerate(isms.items()):
        ax = frame.axes[k]
        X_ism = np.asarray(X_ism, dtype=np.float64)
        _check_seq(seq, X_ism, f"ISM of {arch}")
        limit = _limit(X_ism)
        frame.images[k].set_data(X_ism)
        frame.images[k].set_clim(-limit, limit)
        frame.dots[k].set_offsets(ref)
        frame.add(ax, lambda: _mark_sites(ax, spans, box=True))
    frame.add(frame.axes[-1], lambda: _sequence_letters(frame.axes[-1], seq))
    _title(frame.fig, title, spans, "dashed", what)
    return frame.fig


def ism_figure(seq: str, title: str, isms: Mapping[str, np.ndarray], spans=(),
               what: str = "planted motif") -> Figure:
    """In-silico mutagenesis maps of one sequence under several models (change in logit, rows A, C, G, T)."""
    return _draw_ism(_ism_frame(list(isms), len(seq)), seq, title, isms, spans, what)


_FRAMES = {"saliency": _saliency_frame, "temporal": _temporal_frame, "ism": _ism_frame}


def class_optimization_figure(pwms: np.ndarray, scores: np.ndarray, windows: pd.DataFrame,
                              n_show: int = 4, title: str = "") -> Figure:
    """Class-optimized inputs as information logos, best first, with their matched windows shaded.

    Parameters
    ----------
    pwms: numpy.ndarray, shape=(n, 4, length)
    scores: numpy.ndarray, shape=(n,)
        P(binding) of each optimized input.
    windows: pandas.DataFrame
        ``restart start end`` (from :func:`~deepmotif.interpret.optimize.importance_windows`).
    n_show: int, optional
        Restarts drawn (the highest scoring). Default 4.
    title: str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = np.argsort(-np.asarray(scores), kind="stable")[:n_show]
    height = 1.5 * len(order) + 0.5 + (0.3 if title else 0.0)
    fig = new_figure((WIDTH, height))
    axes = fig.subplots(max(len(order), 1), 1, squeeze=False)
    set_margins(fig, left=0.5, right=0.15, top=0.3 + (0.3 if title else 0.0), bottom=0.3, between=0.5)
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
    return fig


def set_margins(fig: Figure, left: float, right: float, top: float, bottom: float, between: float = 0.0,
                beside: float = 0.0) -> None:
    """Fixed margins in inches, ``between`` rows and ``beside`` columns of the grid; tight_layout costs a draw."""
    width, height = fig.get_size_inches()
    rows, cols = fig.axes[0].get_subplotspec().get_gridspec().get_geometry() if fig.axes else (1, 1)
    inner_height = height - top - bottom - between * (rows - 1)
    inner_width = width - left - right - beside * (cols - 1)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        hspace=between * rows / max(inner_height, 1e-6), wspace=beside * cols / max(inner_width, 1e-6))


def _motif_frame(length: int) -> _Frame:
    """A small logo axes for motifs of ``length`` positions, numbered 1..length."""
    fig = new_figure((max(2.0, 0.25 * length + 0.8), 1.4))
    ax = fig.add_subplot()
    set_margins(fig, left=0.45, right=0.08, top=0.25, bottom=0.2)
    ax.set_xticks(range(length), [str(i + 1) for i in range(length)], fontsize=6)
    frame = _Frame(fig, [ax], length)
    frame.dynamic.append(ax.set_title(" ", fontsize=9))
    return frame


def _draw_motif(frame: _Frame, pwm: np.ndarray, title: str) -> Figure:
    frame.reset()
    ax = frame.axes[0]
    frame.add(ax, lambda: plot_logo(pwm, ax=ax, kind="information"))
    ax.set_xlabel("")
    ax.set_title(title, fontsize=9)
    return frame.fig


def motif_figure(pwm: np.ndarray, title: str = "") -> Figure:
    """A small information logo of one learned motif."""
    pwm = np.asarray(pwm, dtype=np.float64)
    return _draw_motif(_motif_frame(pwm.shape[1]), pwm, title)


def performance_figure(y: np.ndarray, scores_by_arch: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """ROC and precision-recall curves of all architectures on the test split."""
    fig = new_figure((10, 4.2))
    axes = fig.subplots(1, 2)
    plot_roc_pr(y, scores_by_arch, axes=axes)
    if title:
        fig.suptitle(title)
    set_margins(fig, left=0.65, right=0.2, top=0.75 if title else 0.4, bottom=0.55, beside=0.75)
    return fig


def composition_figure(X: np.ndarray, y: np.ndarray, title: str = "") -> Figure:
    """The negative-set check: GC and CpG o/e of positives vs negatives (:func:`plots.plot_composition`)."""
    fig = new_figure((8, 2.9))
    plot_composition(X, y, axes=fig.subplots(1, 2))
    if title:
        fig.suptitle(title, fontsize=10)
    set_margins(fig, left=0.6, right=0.15, top=0.45 if title else 0.2, bottom=0.5, beside=0.7)
    return fig


def training_figure(histories: Mapping[str, pd.DataFrame]) -> Figure:
    """Training curves per architecture: training and validation loss, validation AUROC per epoch.

    Parameters
    ----------
    histories: mapping of str to pandas.DataFrame
        ``training.csv`` (Lightning CSVLogger: ``epoch train_loss valid_loss valid_auroc``).
    """
    fig = new_figure((10, 3.6))
    loss_ax, auc_ax = fig.subplots(1, 2)
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
    set_margins(fig, left=0.7, right=0.2, top=0.4, bottom=0.55, beside=0.8)
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
        ``filter``) and the figure; motifs of one length share a figure, redrawn for each: save it
        before taking the next (as :func:`write_figure_folder` does).
    """
    frames: dict[int, _Frame] = {}  # one small figure per motif length, redrawn per motif (save before the next)

    def motif(pwm: np.ndarray, title: str) -> Figure:
        pwm = np.asarray(pwm, dtype=np.float64)
        if pwm.shape[1] not in frames:
            frames[pwm.shape[1]] = _motif_frame(pwm.shape[1])
        return _draw_motif(frames[pwm.shape[1]], pwm, title)

    windows = pd.DataFrame({k: class_optimization[k] for k in ("restart", "start", "end")})
    yield ({"name": "class_optimization", "query": "", "source": "overview", "note": ""},
           class_optimization_figure(class_optimization["pwms"], class_optimization["scores"], windows, n_restarts))
    for pwm, name, (restart, start, end) in zip(*class_motifs, windows.to_numpy()):
        note = f"restart {restart + 1}, positions {start + 1}-{end}"
        yield {"name": name, "query": name, "source": "class_optimization", "note": note}, motif(pwm, name)
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
        yield {"name": names[i], "query": names[i], "source": "filter", "note": note}, motif(pwms[i], names[i])
