"""The figures and the dashboard page of one TF, drawn in one pass from the files under ``results/{tf}/``.

:func:`build_tf_report` reads every architecture's results (:class:`ModelFiles`), draws the
performance figures, the per-sequence figures (saliency, temporal scores, ISM) and each model's motif
logos into their folders, and renders ``dashboard.html``; each figure is a function of
:mod:`deepmotif.report.figures`, testable alone.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFiles:
    """The result files of one architecture of a TF (``results/{tf}/{arch}/``)."""

    metrics: str
    predictions: str
    history: str
    saliency: str
    ism: str
    temporal: str
    class_optimization: str
    class_meme: str
    filter_meme: str
    filter_table: str
    matches: str
    ground_truth: str | None = None
    modisco: str | None = None
    modisco_patterns: str | None = None
    modisco_distances: str | None = None


@dataclass(frozen=True)
class TFReportFiles:
    """The outputs of :func:`build_tf_report` (``results/{tf}/figures/...`` and the page)."""

    performance: str
    training: str
    saliency: str
    temporal: str
    ism: str
    motifs: Mapping[str, str]
    dashboard: str
    composition: str | None = None  # the negative-set check's figure (PNG) ...
    composition_json: str | None = None  # ... and its numbers (composition_baseline), for the index


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard shows (config section ``interpret``; no defaults here)."""

    n_sequences: int
    n_filters: int
    n_restarts: int
    max_q: float
    top: int
    pass_rate: float

    @classmethod
    def from_config(cls, interpret: Mapping[str, Any]) -> DashboardSettings:
        """From the config section ``interpret`` (schema defaults filled in)."""
        return cls(n_sequences=interpret["n_sequences"], n_filters=interpret["filters"]["n_shown"],
                   n_restarts=interpret["class_optimization"]["n_shown"], max_q=interpret["jaspar"]["max_q"],
                   top=interpret["ground_truth"]["top"], pass_rate=interpret["ground_truth"]["pass_rate"])


def footer_settings(interpret: Mapping[str, Any]) -> dict[str, Any]:
    """The interpretation settings a dashboard prints in its footer, from the config section ``interpret``."""
    return {k: interpret[k] for k in ("saliency", "n_sequences", "n_evaluate", "class_optimization", "jaspar",
                                      "modisco")}


@dataclass(frozen=True)
class VariantFiles:
    """Scored variants of a TF and the explanations of the strongest (``deepmotif explain-variants``)."""

    table: str
    ref: Mapping[str, str]
    alt: Mapping[str, str]
    figures: str
    n_shown: int = 10


def variant_figures(ref: Mapping[str, Mapping[str, np.ndarray]], alt: Mapping[str, Mapping[str, np.ndarray]],
                    n: int = 0):
    """Per variant one saliency and one ISM figure: REF above ALT for each architecture.

    Parameters
    ----------
    ref, alt: mapping of str to mapping of str to numpy.ndarray
        Per architecture the arrays of ``explain-variants`` (the same variants in the same order).
    n: int, optional
        First ``n`` variants (0: all).

    Yields
    ------
    (dict, Figure)
        ``{"name", "rank", "id", "kind"}`` and the figure; the variant's first changed base is marked.
    """
    from deepmotif.report.figures import sequence_figures

    rows = {f"{arch} {side}": arrays[arch] for arch in ref for side, arrays in (("REF", ref), ("ALT", alt))}
    rows = {k: r for k, r in rows.items() if len(r["ids"])}
    if not rows:
        return
    first = next(iter(rows.values()))
    count = min(len(first["ids"]), n) if n else len(first["ids"])
    sites = pd.DataFrame({"id": [str(i) for i in first["ids"][:count]],
                          "start": np.asarray(first["centre"][:count], dtype=int),
                          "end": np.asarray(first["centre"][:count], dtype=int) + 1})
    for kind in ("saliency", "ism"):
        for meta, fig in sequence_figures(kind, rows, count, sites, what="variant"):
            yield {**meta, "name": f"{kind}_{meta['name']}", "kind": kind}, fig


def variant_rows(table: pd.DataFrame, n: int) -> list[dict]:
    """The ``n`` strongest variants (mean |Δlogit| over architectures) with each architecture's Δlogit."""
    from deepmotif.apply.variants import VARIANT_COLUMNS, strongest_variants

    top = strongest_variants(table, n) if len(table) else table
    per_arch = table.pivot_table(index=list(VARIANT_COLUMNS), columns="arch", values="delta_logit",
                                 aggfunc="first", sort=False) if len(table) else None
    rows = []
    for row in top.to_dict("records"):
        key = tuple(row[c] for c in VARIANT_COLUMNS)
        info = table.loc[(table[list(VARIANT_COLUMNS)] == pd.Series(key, index=list(VARIANT_COLUMNS))).all(axis=1),
                         "CLASS"].iloc[0] if "CLASS" in table.columns else ""
        rows.append({**row, "class": info, "variant": f"{row['chrom']}:{row['pos']}:{row['ref']}>{row['alt']}",
                     "by_arch": per_arch.loc[key].to_dict() if per_arch is not None else {}})
    return rows


def aligned_scores(predictions: Mapping[str, pd.DataFrame]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels and each architecture's probabilities on the same test sequences, in the first table's order.

    Parameters
    ----------
    predictions: mapping of str to pandas.DataFrame
        ``predictions.tsv`` (``id label prob``) per architecture.

    Returns
    -------
    y: numpy.ndarray, shape=(n,)
    scores: dict of str to numpy.ndarray, shape=(n,)
    """
    if not predictions:
        raise ValueError("no predictions given")
    first = next(iter(predictions.values()))
    scores = {}
    for arch, df in predictions.items():
        by_id = df.set_index("id")["prob"]
        missing = set(first["id"]) - set(by_id.index)
        if missing or len(df) != len(first):
            raise ValueError(f"predictions of {arch!r} are on other test sequences than those of the first "
                             f"architecture (e.g. {sorted(missing)[:1] or list(df['id'][:1])}); train all on the "
                             "same sequences.tsv")
        scores[arch] = by_id.loc[first["id"]].to_numpy()
    return first["label"].to_numpy(), scores


def cooperativity_rows(tables: Mapping[str, str], figures: Mapping[str, str] | None = None,
                       max_q: float | None = None, min_interaction: float | None = None) -> list[dict]:
    """The dashboard's motif-dependency rows: per architecture its motifs, how many arrangements are
    significant and its strongest interaction, from ``cooperativity.tsv`` (and its figure); ``max_q`` and
    ``min_interaction`` (the settings that made ``significant``) for the text."""
    from deepmotif.interpret.cooperativity import describe_interaction, read_table, strongest_interaction

    rows = []
    for arch, path in tables.items():
        table = read_table(path)
        if table.empty:
            continue
        first = table.iloc[0]
        rows.append({"arch": arch, "motif_a": first["motif_a"], "motif_b": first["motif_b"],
                     "source_a": first["source_a"], "source_b": first["source_b"],
                     "n_significant": int(table["significant"].sum()), "n_arrangements": len(table),
                     "strongest": describe_interaction(strongest_interaction(table)),
                     "max_spacing": int(table["spacing"].max()), "max_q": max_q, "min_interaction": min_interaction,
                     "figure": (figures or {}).get(arch)})
    return rows


def build_tf_report(
    tf: str,
    models: Mapping[str, ModelFiles],
    out: TFReportFiles,
    settings: DashboardSettings,
    description: str = "",
    positives: str | os.PathLike | None = None,
    planted: str | os.PathLike | None = None,
    interpret_settings: Mapping[str, object] | None = None,
    index_href: str = "../index.html",
    variants: VariantFiles | None = None,
    sequences: str | os.PathLike | None = None,
    genome_view: Mapping[str, str] | None = None,
    cooperativity: list[dict] | None = None,
) -> int:
    """Draw every figure of a TF and write its dashboard page.

    Parameters
    ----------
    tf: str
        TF name (page title; escaped).
    models: mapping of str to ModelFiles
        Per architecture, in display order.
    out: TFReportFiles
        Where the figures and the page go; figure folders are replaced atomically.
    settings: DashboardSettings
    description: str, optional
    positives, planted: path, optional
        Simulated TFs: windows and planted motifs, marked in the sequence figures.
    interpret_settings: mapping, optional
        Printed in the page's footer.
    index_href: str, optional
        Link back to the index page.
    variants: VariantFiles, optional
        Scored variants: a section with the strongest, drawn as REF vs ALT saliency and ISM.
    sequences: path, optional
        The models' ``sequences.tsv``: with ``out.composition`` and ``out.composition_json``, the
        negative-set check (:func:`composition_check`) is drawn, written and shown.
    genome_view: mapping, optional
        ``page`` and ``session`` links of the genome view (relative to the dashboard).
    cooperativity: list of dict, optional
        Motif dependencies: :func:`cooperativity_rows` (a section when not empty).

    Returns
    -------
    int
        Number of figures drawn.
    """
    from deepmotif.data.tables import read_planted, read_positives, read_variant_table
    from deepmotif.interpret.arrays import load_arrays
    from deepmotif.interpret.motifs import read_meme
    from deepmotif.simulation.groundtruth import planted_sites
    from deepmotif.report.dashboard import MotifPanel, render_dashboard, write_html
    from deepmotif.report.figures import (
        motif_figures,
        performance_figure,
        save_figure,
        sequence_figures,
        training_figure,
        write_figure_folder,
    )

    y, scores = aligned_scores({a: pd.read_csv(m.predictions, sep="\t", dtype={"id": str}) for a, m in models.items()})
    save_figure(performance_figure(y, scores, tf), out.performance)
    save_figure(training_figure({a: pd.read_csv(m.history) for a, m in models.items()}), out.training)
    n = 2
    sites = None
    if positives is not None and planted is not None:
        sites = planted_sites(read_positives(positives), read_planted(planted))
    folders = {"saliency": out.saliency, "temporal": out.temporal, "ism": out.ism}
    drawn = {}
    for kind, folder in folders.items():
        arrays = {a: load_arrays(getattr(m, kind)) for a, m in models.items()}
        arrays = {a: r for a, r in arrays.items() if len(r["ids"])}  # temporal: only the archs that have them
        drawn[kind] = write_figure_folder(folder, sequence_figures(kind, arrays, settings.n_sequences, sites)
                                          if arrays else iter(()))
        n += drawn[kind]
    matches = {a: pd.read_csv(m.matches, sep="\t") for a, m in models.items()}
    for arch, m in models.items():
        table = pd.read_csv(m.filter_table, sep="\t")
        filters = read_meme(m.filter_meme) if len(table) else None
        figures = motif_figures(load_arrays(m.class_optimization), read_meme(m.class_meme), filters,
                                table.set_index("name")["n_sites"].to_dict(), matches[arch], settings.n_filters,
                                settings.n_restarts)
        modisco = _modisco_tables(m)
        if modisco is not None:
            from itertools import chain

            from deepmotif.report.modisco_figures import modisco_figures

            figures = chain(figures, modisco_figures(m.modisco, *modisco))
        n += write_figure_folder(out.motifs[arch], figures)
    composition = None
    if sequences is not None and out.composition and out.composition_json:
        composition = composition_check(tf, sequences, out.composition, out.composition_json)
        n += 1
    variant_section = None
    if variants is not None:
        ref = {a: load_arrays(p) for a, p in variants.ref.items()}
        alt = {a: load_arrays(p) for a, p in variants.alt.items()}
        drawn["variants"] = write_figure_folder(variants.figures, variant_figures(ref, alt, variants.n_shown))
        n += drawn["variants"]
        table = read_variant_table(variants.table)
        variant_section = {"figures": variants.figures, "n_scored": len(table.drop_duplicates(
            ["chrom", "pos", "ref", "alt"])), "top": variant_rows(table, variants.n_shown)}
    html = render_dashboard(
        tf=tf, description=description,
        metrics={a: json.loads(Path(m.metrics).read_text()) for a, m in models.items()},
        performance=out.performance, training=out.training, saliency_dir=out.saliency,
        temporal_dir=out.temporal if drawn["temporal"] else None, ism_dir=out.ism,
        motifs=[MotifPanel(a, out.motifs[a], matches[a], _modisco_tables(m)) for a, m in models.items()],
        ground_truth=[json.loads(Path(m.ground_truth).read_text()) for m in models.values() if m.ground_truth],
        settings=interpret_settings, max_q=settings.max_q, top=settings.top, pass_rate=settings.pass_rate,
        index_href=index_href, variants=variant_section, composition=composition, genome_view=genome_view,
        cooperativity=cooperativity or (),
    )
    write_html(out.dashboard, html)
    log.info("%s: %d figures, dashboard (%.1f MB) → %s", tf, n, len(html) / 1e6, out.dashboard)
    return n


def composition_check(tf: str, sequences: str | os.PathLike, figure: str | os.PathLike,
                      table: str | os.PathLike) -> dict:
    """The negative-set check of a TF: GC and CpG of positives vs negatives, and the composition-only baseline.

    Parameters
    ----------
    tf: str
    sequences: path
        The models' ``sequences.tsv`` (``id seq label split``).
    figure, table: path
        Where the figure (:func:`deepmotif.report.figures.composition_figure`) and the numbers
        (:func:`deepmotif.data.composition.composition_baseline` with ``tf``, JSON) go.

    Returns
    -------
    dict
        The numbers with ``figure``.
    """
    from deepmotif.data.composition import composition, composition_baseline
    from deepmotif.data.io import atomic_path
    from deepmotif.report.figures import composition_figure, save_figure

    df = pd.read_csv(sequences, sep="\t", dtype={"id": str, "seq": str})
    result = {"tf": tf, **composition_baseline(df, str(sequences))}
    title = f"{tf}: composition of positives and negatives (GC + CpG alone: test AUROC {result['test_auroc']:.3f})"
    save_figure(composition_figure(composition(df["seq"].tolist()), df["label"].to_numpy(), title), figure)
    with atomic_path(table) as tmp:
        tmp.write_text(json.dumps(result, indent=1) + "\n")
    log.info("%s: composition-only baseline test AUROC %.4f (GC %.3f vs %.3f, CpG o/e %.3f vs %.3f) → %s", tf,
             result["test_auroc"], result["positives"]["gc"]["mean"], result["negatives"]["gc"]["mean"],
             result["positives"]["cpg_oe"]["mean"], result["negatives"]["cpg_oe"]["mean"], table)
    return {**result, "figure": figure}


def _modisco_tables(m: ModelFiles) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``modisco_patterns.tsv`` and ``modisco_distances.tsv`` of a model, or None when not given."""
    if not (m.modisco and m.modisco_patterns and m.modisco_distances):
        return None
    return (pd.read_csv(m.modisco_patterns, sep="\t", dtype={"match_id": str, "match_name": str, "sub_matches": str},
                        keep_default_na=False, na_values={"match_q": [""]}),
            pd.read_csv(m.modisco_distances, sep="\t"))
