"""Figures of TF-MoDISco patterns: the contribution-weighted logo (CWM) above the information logo of each
pattern, and the distribution of distances between the seqlets of pattern pairs.

Logos are drawn by :func:`deepmotif.report.plots.plot_logo`, the dashboard's one logo renderer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from deepmotif.report.figures import new_figure, set_margins  # noqa: E402
from deepmotif.report.plots import plot_logo  # noqa: E402


def read_patterns(path: str | os.PathLike) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, cwm, ppm)`` of every pattern of a modisco-lite HDF5 file, ``(4, k)`` each, rows ACGT.

    Names as modisco-lite's: ``pos_patterns.pattern_0``, ...; positive patterns first, then negative.
    """
    import h5py

    out = []
    with h5py.File(path, "r") as h5:
        for sign in ("pos_patterns", "neg_patterns"):
            if sign not in h5:
                continue
            names = sorted(h5[sign], key=lambda n: int(n.rsplit("_", 1)[-1]))
            for name in names:
                group = h5[sign][name]
                ppm = np.asarray(group["sequence"], dtype=float).T
                ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
                out.append((f"{sign}.{name}", np.asarray(group["contrib_scores"], dtype=float).T, ppm))
    return out


def pattern_figure(cwm: np.ndarray, ppm: np.ndarray, title: str = "") -> Figure:
    """The CWM (signed contributions) above the information logo of one pattern."""
    fig = new_figure((max(4.0, 0.16 * cwm.shape[1] + 1.0), 2.8))
    axes = fig.subplots(2, 1, sharex=True)
    set_margins(fig, left=0.6, right=0.1, top=0.3, bottom=0.45, between=0.2)
    plot_logo(cwm, ax=axes[0], kind="attribution")
    plot_logo(ppm, ax=axes[1], kind="information")
    axes[0].set_xlabel("")
    axes[1].set_xlabel("position in the pattern (bp)")
    if title:
        axes[0].set_title(title, fontsize=8)
    return fig


def distance_figure(distances: pd.DataFrame, max_pairs: int = 6) -> Figure:
    """Histograms of the distance between seqlet centres for the pattern pairs with the most pairs.

    Parameters
    ----------
    distances: pandas.DataFrame
        ``pattern_a pattern_b distance count`` (:func:`deepmotif.interpret.modisco.seqlet_distances`);
        signed distances (b right of a: positive).
    max_pairs: int, optional
        Pattern pairs drawn. Default 6.
    """
    totals = distances.groupby(["pattern_a", "pattern_b"], sort=False)["count"].sum().sort_values(ascending=False)
    pairs = list(totals.index[:max_pairs])
    fig = new_figure((6.0, 1.5 * max(len(pairs), 1)))
    axes = fig.subplots(len(pairs) or 1, 1, squeeze=False)
    for ax, (a, b) in zip(axes[:, 0], pairs):
        d = distances[(distances["pattern_a"] == a) & (distances["pattern_b"] == b)]
        ax.bar(d["distance"], d["count"], width=0.9, color="#1d3557")
        ax.set_title(f"{a.replace('_patterns.pattern', '')} → {b.replace('_patterns.pattern', '')}", fontsize=8)
        ax.set_ylabel("pairs", fontsize=8)
    if not pairs:
        axes[0, 0].text(0.5, 0.5, "no sequence has two seqlets", ha="center", va="center")
        axes[0, 0].set_axis_off()
    axes[-1, 0].set_xlabel("distance between seqlet centres (bp)")
    set_margins(fig, left=0.65, right=0.15, top=0.3, bottom=0.55, between=0.5)
    return fig


def modisco_figures(h5: str | os.PathLike, table: pd.DataFrame, distances: pd.DataFrame
                    ) -> Iterator[tuple[dict, Figure]]:
    """Figures of one model's TF-MoDISco result, as ``(index row, Figure)`` for
    :func:`deepmotif.report.figures.write_figure_folder` (``source``: ``modisco`` or ``modisco_distances``).

    Parameters
    ----------
    h5: path
        ``modisco.h5``.
    table: pandas.DataFrame
        ``modisco_patterns.tsv`` (one row per pattern, same order).
    distances: pandas.DataFrame
        ``modisco_distances.tsv``.
    """
    rows = table.set_index("pattern") if len(table) else None
    for name, cwm, ppm in read_patterns(h5):
        n = int(rows.loc[name, "n_seqlets"]) if rows is not None and name in rows.index else 0
        yield ({"name": f"modisco_{name}", "query": name, "source": "modisco", "note": f"{n} seqlets"},
               pattern_figure(cwm, ppm, f"{name}: {n} seqlets"))
    if len(table):
        yield ({"name": "modisco_distances", "query": "", "source": "modisco_distances", "note": ""},
               distance_figure(distances))


def write_pattern_logos(folder: str | os.PathLike, pos: list, neg: list, table: pd.DataFrame) -> int:
    """One PNG per pattern (CWM and information logo) and ``index.tsv`` (``name n_seqlets match file``)."""
    from deepmotif.interpret.modisco import pattern_names
    from deepmotif.data.io import atomic_path
    from deepmotif.data.tables import write_table

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for (name, _, pattern), row in zip(pattern_names(pos, neg), table.itertuples(index=False)):
        ppm = np.asarray(pattern.sequence, dtype=float).T
        ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
        match = f"{row.match_name} ({row.match_id}, q={row.match_q:.1e})" if row.match_id else "no significant match"
        fig = pattern_figure(np.asarray(pattern.contrib_scores, dtype=float).T, ppm,
                             f"{name}: {row.n_seqlets} seqlets; {match}")
        file = f"{name}.png"
        with atomic_path(folder / file) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        rows.append((name, row.n_seqlets, row.match_name, file))
    write_table(pd.DataFrame(rows, columns=["name", "n_seqlets", "match", "file"]), folder / "index.tsv")
    return len(rows)
