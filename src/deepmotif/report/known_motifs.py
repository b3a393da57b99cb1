"""The known-motif view across TFs: per TF × architecture, the best learned motif beside its JASPAR match.

:func:`known_motif_table` collects the ``known_motifs`` entries of the ``ground_truth.json`` files
(:func:`deepmotif.interpret.known_motifs.known_motif_check`) into ``results/summary/known_motifs.tsv``;
:func:`known_motif_figure` draws one model's best learned motif above its JASPAR match (reverse-complemented
when Tomtom matched the other strand); :func:`write_known_motif_figures` writes them with an ``index.tsv``
(``tf arch file``) for the index page; :func:`pooled_false_match_rate` is the calibration shown beside
the table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from deepmotif.interpret.known_motifs import summary_row


def known_motif_table(reports: Iterable[Mapping]) -> pd.DataFrame:
    """One row per TF × architecture (:func:`~deepmotif.interpret.known_motifs.summary_row`) from the
    contents of ``ground_truth.json`` files; reports without a ``known_motifs`` entry are an error."""
    rows = []
    for report in reports:
        if "known_motifs" not in report:
            raise ValueError(f"ground truth of {report.get('tf')} {report.get('arch')} has no known_motifs entry; "
                             "rerun deepmotif interpret")
        rows.append(summary_row(report["tf"], report["arch"], report["known_motifs"]))
    return pd.DataFrame(rows)


def pooled_false_match_rate(table: pd.DataFrame) -> dict:
    """The decoy false-match rate over all models of ``known_motifs.tsv``: ``n_decoy``, ``n_queries``,
    ``rate`` (``n_decoy / n_queries``), ``n_real`` and ``fdr`` (``n_decoy / n_real``, at most 1)."""
    n, n_decoy, n_real = (int(table[c].fillna(0).sum()) if c in table else 0
                          for c in ("n_queries", "n_decoy", "n_real"))
    return {"n_queries": n, "n_decoy": n_decoy, "rate": n_decoy / n if n else float("nan"), "n_real": n_real,
            "fdr": min(1.0, n_decoy / n_real) if n_real else float("nan")}


def known_motif_figure(best: Mapping, title: str = ""):
    """The best learned motif (information logo) above its JASPAR match on the strand Tomtom matched (both
    drawn from their first column, not shifted by Tomtom's offset).

    Parameters
    ----------
    best: mapping
        ``known_motifs["best"]`` of ``ground_truth.json``: ``pwm``, ``target_pwm``, ``orientation``,
        ``target_name``, ``target_id``, ``q_value``, ``verdict``, ``source``, ``query``.
    title: str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from deepmotif.report.figures import new_figure, set_margins
    from deepmotif.report.plots import plot_logo

    learned = np.asarray(best.get("pwm") or np.full((4, 1), 0.25), dtype=float)
    target = best.get("target_pwm")
    width = max(learned.shape[1], len(target[0]) if target else 0)
    fig = new_figure((max(4.2, 0.16 * width + 1.0), 3.0 if target else 1.7))
    axes = fig.subplots(2 if target else 1, 1, squeeze=False)[:, 0]
    set_margins(fig, left=0.5, right=0.1, top=0.3, bottom=0.45, between=0.35)
    plot_logo(learned, ax=axes[0], kind="information")
    axes[0].set_xlabel("")
    axes[0].set_title(title or f"{best.get('source', '')} {best.get('query', '')}", fontsize=8)
    if target:
        target = np.asarray(target, dtype=float)
        rc = best.get("orientation") == "-"
        plot_logo(target[::-1, ::-1] if rc else target, ax=axes[1], kind="information")  # rows A C G T: reversed
        axes[1].set_xlabel(f"{best['target_name']} {best['target_id']}{' (reverse complement)' if rc else ''}",
                           fontsize=8)
    for ax in axes:
        ax.set_xlim(-0.5, width - 0.5)
    return fig


def write_known_motif_figures(folder: str | os.PathLike, reports: Iterable[Mapping]) -> int:
    """One PNG per TF × architecture with a learned motif (:func:`known_motif_figure`), in ``folder``
    (replaced atomically) with ``index.tsv`` (``name tf arch file``)."""
    from deepmotif.report.figures import write_figure_folder

    def figures():
        for report in reports:
            best = report["known_motifs"]["best"]
            if best.get("pwm"):
                q = best.get("q_value")
                title = f"{best['source']} {best['query']}: {best['verdict']}" + (f", q={q:.1e}" if q is not None
                                                                                   else "")
                yield ({"name": f"{report['tf']}.{report['arch']}", "tf": report["tf"], "arch": report["arch"]},
                       known_motif_figure(best, title))

    return write_figure_folder(folder, figures())
