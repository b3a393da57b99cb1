"""Figures of TF-MoDISco patterns: contribution-weighted logo (CWM) above the base-frequency logo."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd


def plot_logo(matrix: np.ndarray, ax=None, ylabel: str = ""):
    """A sequence logo of a ``(4, k)`` matrix (rows ACGT; heights may be negative), on ``ax``."""
    import logomaker
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.0, 0.3 * matrix.shape[1]), 1.6))
    frame = pd.DataFrame(np.asarray(matrix, dtype=float).T, columns=list("ACGT"))
    logomaker.Logo(frame, ax=ax, color_scheme="classic")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("position (bp)")
    return ax


def information_logo(ppm: np.ndarray) -> np.ndarray:
    """Heights of an information-content logo: each base's probability times the position's bits."""
    from deepmotif.interpret.motifs import information_content

    return np.asarray(ppm, dtype=float) * information_content(ppm)[None, :]


def write_pattern_logos(folder: str | os.PathLike, pos: list, neg: list, table: pd.DataFrame) -> int:
    """One PNG per pattern (CWM and information logo) and ``index.tsv`` (``name n_seqlets match file``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deepmotif.interpret.modisco import pattern_names
    from deepmotif.io import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for (name, _, pattern), row in zip(pattern_names(pos, neg), table.itertuples(index=False)):
        cwm = np.asarray(pattern.contrib_scores, dtype=float).T
        ppm = np.asarray(pattern.sequence, dtype=float).T
        ppm = ppm / np.maximum(ppm.sum(axis=0, keepdims=True), 1e-12)
        fig, axes = plt.subplots(2, 1, figsize=(max(4.0, 0.3 * cwm.shape[1]), 3.4), sharex=True)
        plot_logo(cwm, axes[0], "contribution")
        plot_logo(information_logo(ppm), axes[1], "bits")
        match = f"{row.match_name} ({row.match_id}, q={row.match_q:.1e})" if row.match_id else "no significant match"
        axes[0].set_title(f"{name}: {row.n_seqlets} seqlets; {match}", fontsize=8)
        fig.tight_layout()
        file = f"{name}.png"
        with atomic_path(folder / file) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)
        rows.append((name, row.n_seqlets, row.match_name, file))
    with atomic_path(folder / "index.tsv") as tmp:
        pd.DataFrame(rows, columns=["name", "n_seqlets", "match", "file"]).to_csv(tmp, sep="\t", index=False)
    return len(rows)
