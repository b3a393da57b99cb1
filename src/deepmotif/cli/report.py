"""Report stage: the summary figures and tables, each TF's dashboard and the index page."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from deepmotif.cli import (InputPath, OutputPath, command, config_section_arg, json_arg, key_path,
                           non_negative_int, positive_int)
from deepmotif.errors import InputError
from deepmotif.plan.results import MODEL_FILES, MODISCO_FILES

log = logging.getLogger(__name__)


def _summarize_ground_truth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", nargs="+", type=InputPath, help="ground_truth.json files (deepmotif interpret)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV, one row per TF and architecture")


@command("summarize-ground-truth", "the ground-truth checks of all simulated TFs in one table")(
    _summarize_ground_truth_args)
def run_summarize_ground_truth(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.tables import write_table

    reports = [json.loads(Path(p).read_text()) for p in args.reports]
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "known_motifs"} for r in reports])  # its own table
    write_table(table, args.output, float_format="%.4g")


def _summarize_cooperativity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("tables", nargs="+", type=InputPath, help="cooperativity.tsv of every TF and architecture")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV, one row per TF and architecture")


@command("summarize-cooperativity", "the strongest motif interaction of every model in one table")(
    _summarize_cooperativity_args)
def run_summarize_cooperativity(args: argparse.Namespace) -> None:
    from deepmotif.data.tables import write_table
    from deepmotif.interpret.cooperativity import read_table, summarize

    table = summarize([read_table(p) for p in args.tables])
    write_table(table, args.output, float_format="%.4g")


def _dashboard_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tf", required=True)
    p.add_argument("--description", required=True, help="shown under the title (may be empty)")
    inputs = p.add_argument_group("inputs: one ARCH=PATH per architecture, in display order")
    for name in MODEL_FILES:
        inputs.add_argument(f"--{name.replace('_', '-')}", nargs="+", type=key_path, required=True,
                            metavar="ARCH=PATH", help=f"results/{{tf}}/{{arch}}/{MODEL_FILES[name]}")
    inputs.add_argument("--ground-truth", nargs="*", type=key_path, default=[], metavar="ARCH=JSON",
                        help="ground_truth.json per architecture: the known-motif check (every TF) and the "
                        "planted-motif checks (simulated TFs)")
    for name in MODISCO_FILES:
        inputs.add_argument(f"--{name.replace('_', '-')}", nargs="*", type=key_path, default=[], metavar="ARCH=PATH",
                            help=f"TF-MoDISco: {MODISCO_FILES[name]} per architecture (deepmotif interpret)")
    inputs.add_argument("--cooperativity", nargs="*", type=key_path, default=[], metavar="ARCH=TSV",
                        help="motif dependencies: cooperativity.tsv per architecture (deepmotif cooperativity)")
    inputs.add_argument("--cooperativity-figures", nargs="*", type=key_path, default=[], metavar="ARCH=PNG",
                        help="motif dependencies: the figure per architecture (deepmotif cooperativity --figure)")
    inputs.add_argument("--positives", help="simulated TFs: positives.tsv (windows), marks the planted motifs")
    inputs.add_argument("--planted", help="simulated TFs: planted.tsv")
    inputs.add_argument("--sequences", help="the models' sequences.tsv: the negative-set check (GC, CpG and a "
                        "composition-only baseline); needs --composition-out and --composition-table")
    variants = p.add_argument_group("variants (optional: a section with the strongest variants)")
    variants.add_argument("--variants", help="results/{tf}/variants.tsv (deepmotif score-variants)")
    variants.add_argument("--variant-ref", nargs="+", type=key_path, default=[], metavar="ARCH=NPZ",
                          help="REF windows of the strongest variants per architecture (explain-variants)")
    variants.add_argument("--variant-alt", nargs="+", type=key_path, default=[], metavar="ARCH=NPZ",
                          help="ALT windows, as --variant-ref")
    p.add_argument("--genome-view", help="the TF's genome view page (deepmotif genome-view), shown in a frame")
    p.add_argument("--igv-session", help="its IGV session file, linked")
    variants.add_argument("--variant-figures", help="output folder: REF vs ALT saliency and ISM per variant")
    variants.add_argument("--n-variants", type=non_negative_int, default=10, help="strongest variants listed and drawn")
    p.add_argument("--settings", type=config_section_arg("interpret"), default="{}",
                   help="JSON object: the config section interpret (keys left out take the schema's defaults)")
    out = p.add_argument_group("outputs")
    out.add_argument("--performance-out", required=True, help="PNG: ROC and precision-recall curves")
    out.add_argument("--training-out", required=True, help="PNG: training curves")
    for kind in ("saliency", "temporal", "ism"):
        out.add_argument(f"--{kind}-figures", required=True, help=f"folder: {kind} figure per sequence + index.tsv")
    out.add_argument("--motif-figures", nargs="+", type=key_path, required=True, metavar="ARCH=FOLDER",
                     help="folder per architecture: its motif logos + index.tsv")
    out.add_argument("--index-page", required=True, help="the index page to link back to")
    out.add_argument("--composition-out", type=OutputPath, help="PNG: GC and CpG of positives vs negatives (with --sequences)")
    out.add_argument("--composition-table", type=OutputPath, help="JSON: the composition-only baseline (with --sequences)")
    out.add_argument("-o", "--output", type=OutputPath, required=True, help="output HTML (self-contained)")


@command("dashboard", "the figures and the HTML dashboard of one TF (self-contained, opens from file://)")(
    _dashboard_args)
def run_dashboard(args: argparse.Namespace) -> None:
    import os

    from deepmotif.report.tf_report import (
        DashboardSettings,
        ModelFiles,
        TFReportFiles,
        VariantFiles,
        build_tf_report,
        footer_settings,
    )

    files = {name: dict(getattr(args, name)) for name in MODEL_FILES}
    archs = list(files["metrics"])
    for name, by_arch in files.items():
        if list(by_arch) != archs:
            raise InputError(f"--{name.replace('_', '-')} names architectures {list(by_arch)}, --metrics {archs}; "
                             "give one file per architecture, in the same order")
    truth = dict(args.ground_truth)
    modisco = {name: dict(getattr(args, name)) for name in MODISCO_FILES}
    models = {a: ModelFiles(**{name: files[name][a] for name in MODEL_FILES}, ground_truth=truth.get(a),
                            **{name: modisco[name].get(a) for name in MODISCO_FILES})
              for a in archs}
    if bool(args.positives) != bool(args.planted):
        raise InputError("--positives and --planted go together (the planted motifs of a simulated TF)")
    if len({bool(args.sequences), bool(args.composition_out), bool(args.composition_table)}) > 1:
        raise InputError("--sequences, --composition-out and --composition-table go together (the negative-set "
                         "check reads the sequences and writes the figure and the table)")
    out = TFReportFiles(performance=args.performance_out, training=args.training_out,
                        saliency=args.saliency_figures, temporal=args.temporal_figures, ism=args.ism_figures,
                        motifs=dict(args.motif_figures), dashboard=args.output,
                        composition=args.composition_out, composition_json=args.composition_table)
    settings = DashboardSettings.from_config(args.settings)
    variants = None
    if args.variant_figures and not args.variants:  # a TF without variants: an empty figure folder
        from deepmotif.report.figures import write_figure_folder

        write_figure_folder(args.variant_figures, iter(()))
    if args.variants:
        ref, alt = dict(args.variant_ref), dict(args.variant_alt)
        if list(ref) != list(alt) or not args.variant_figures:
            raise InputError("--variants needs --variant-figures and one --variant-ref and --variant-alt file per "
                             f"architecture, in the same order (got REF {list(ref)}, ALT {list(alt)})")
        variants = VariantFiles(args.variants, ref, alt, args.variant_figures, args.n_variants)
    cooperativity = None
    if args.cooperativity:
        from deepmotif.report.tf_report import cooperativity_rows

        section = args.settings["cooperativity"]
        cooperativity = cooperativity_rows(dict(args.cooperativity), dict(args.cooperativity_figures),
                                           section["max_q"], section["min_interaction"])
    build_tf_report(args.tf, models, out, settings, args.description, args.positives, args.planted,
                    footer_settings(args.settings),
                    index_href=Path(os.path.relpath(args.index_page, Path(args.output).parent)).as_posix(),
                    variants=variants, sequences=args.sequences, genome_view=_genome_view_links(args),
                    cooperativity=cooperativity)


def _genome_view_links(args: argparse.Namespace) -> dict[str, str] | None:
    """Links of the genome view page and IGV session, relative to the dashboard; None without a view."""
    import os

    if not args.genome_view:
        return None
    here = Path(args.output).parent
    return {name: Path(os.path.relpath(path, here)).as_posix() if path else ""
            for name, path in (("page", args.genome_view), ("session", args.igv_session))}


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--auc-table", type=InputPath, required=True, help="results/summary/auc_table.tsv")
    p.add_argument("--dashboards", nargs="+", type=key_path, required=True, metavar="TF=HTML",
                   help="dashboard per TF")
    p.add_argument("--ground-truth", help="results/summary/ground_truth.tsv (simulated TFs)")
    p.add_argument("--descriptions", type=json_arg, required=True, help="JSON object TF → description")
    p.add_argument("--auc-scatter", help="results/summary/auc_scatter.png (shown on the page)")
    p.add_argument("--auc-box", help="results/summary/auc_box.png (shown on the page)")
    p.add_argument("--variants", help="results/summary/variants.tsv (deepmotif summarize-variants)")
    p.add_argument("--variants-ground-truth", help="results/summary/variants_ground_truth.tsv (simulated TFs)")
    p.add_argument("--n-variants", type=non_negative_int, default=20, help="strongest variants listed")
    p.add_argument("--settings", type=config_section_arg("interpret"), default="{}",
                   help="JSON object: the config section interpret (ground_truth.top, jaspar.max_q)")
    p.add_argument("--known-motifs", help="results/summary/known_motifs.tsv (deepmotif summarize-known-motifs)")
    p.add_argument("--known-motif-figures", help="its logo folder (results/summary/known_motifs)")
    p.add_argument("--cooperativity", type=InputPath,
                   help="results/summary/cooperativity.tsv (deepmotif summarize-cooperativity)")
    p.add_argument("--composition", nargs="*", type=key_path, default=[], metavar="TF=JSON",
                   help="results/{tf}/composition.json per TF (deepmotif dashboard --composition-table): "
                   "the composition-only baseline's test AUROC as a column")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output HTML")


@command("index", "the index page: every TF, the AUC table, the ground-truth checks")(_index_args)
def run_index(args: argparse.Namespace) -> None:
    import os

    import pandas as pd

    from deepmotif.data.tables import read_variant_table
    from deepmotif.report.dashboard import render_index, write_html

    base = Path(args.output).parent
    dashboards = {tf: Path(os.path.relpath(path, base)).as_posix() for tf, path in args.dashboards}
    ground_truth = pd.read_csv(args.ground_truth, sep="\t") if args.ground_truth else None
    variants = read_variant_table(args.variants) if args.variants else None
    variant_truth = pd.read_csv(args.variants_ground_truth, sep="\t") if args.variants_ground_truth else None
    figures = {name: path for name, path in (("auc_scatter", args.auc_scatter), ("auc_box", args.auc_box)) if path}
    composition = {tf: json.loads(Path(path).read_text())["test_auroc"] for tf, path in args.composition}
    known = pd.read_csv(args.known_motifs, sep="\t", dtype={"tf": str}) if args.known_motifs else None
    cooperativity = (pd.read_csv(args.cooperativity, sep="\t", dtype={"tf": str, "arch": str}, keep_default_na=False)
                     if args.cooperativity else None)
    write_html(args.output, render_index(pd.read_csv(args.auc_table, sep="\t"), dashboards, args.descriptions,
                                         ground_truth, top=args.settings["ground_truth"]["top"],
                                         max_q=args.settings["jaspar"]["max_q"], figures=figures,
                                         variants=variants, variant_truth=variant_truth,
                                         n_variants=args.n_variants, known_motifs=known,
                                         known_figures=args.known_motif_figures,
                                         min_information=args.settings["jaspar"]["min_information"],
                                         known_max_q=args.settings["jaspar"]["known_max_q"],
                                         composition=composition, cooperativity=cooperativity))


def _plot_summary_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", type=InputPath, help="auc_table.tsv written by 'deepmotif summarize'")
    p.add_argument("--scatter", type=OutputPath, required=True, help="output figure: one point per TF, --x vs --y")
    p.add_argument("--box", type=OutputPath, required=True, help="output figure: one box per architecture")
    p.add_argument("--x", required=True, help="architecture on the scatter's horizontal axis")
    p.add_argument("--y", required=True, help="architecture on the scatter's vertical axis")
    p.add_argument("--metric", default="test_auroc", choices=["test_auroc", "test_auprc"])


@command("plot-summary", "figures of the AUC table: architecture scatter and box plot")(_plot_summary_args)
def run_plot_summary(args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from deepmotif.data.io import atomic_path
    from deepmotif.report.plots import plot_auc_box, plot_auc_scatter

    table = pd.read_csv(args.table, sep="\t", dtype={"tf": str})
    archs = list(dict.fromkeys(table["arch"]))
    for name in (args.x, args.y):
        if name not in archs:
            raise InputError(f"{args.table}: no architecture {name!r} (it has {', '.join(archs)}); "
                             "choose --x/--y among them")
    for path, draw in ((args.scatter, lambda ax: plot_auc_scatter(table, args.x, args.y, args.metric, ax)),
                       (args.box, lambda ax: plot_auc_box(table, args.metric, ax=ax))):
        fig, ax = plt.subplots(figsize=(5, 5) if path == args.scatter else (1.2 * len(archs) + 2, 4))
        draw(ax)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=150, format=Path(path).suffix.lstrip(".") or "png")
        plt.close(fig)
    log.info("%s: %s and %s", args.table, args.scatter, args.box)


def _summarize_known_motifs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", nargs="+", type=InputPath,
                   help="ground_truth.json files of every TF and architecture (deepmotif interpret)")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV (results/summary/known_motifs.tsv)")
    p.add_argument("--figures", required=True,
                   help="output folder: per TF and architecture the best learned motif above its JASPAR match")


@command("summarize-known-motifs", "did each model learn its TF's known motif: one table (exact / family / none "
                                   "per source of learned motifs, decoy calibration) and a logo per model")(
    _summarize_known_motifs_args)
def run_summarize_known_motifs(args: argparse.Namespace) -> None:
    from deepmotif.data.tables import write_table
    from deepmotif.report.known_motifs import known_motif_table, pooled_false_match_rate, write_known_motif_figures

    reports = []
    for path in args.reports:
        report = json.loads(Path(path).read_text())
        if "known_motifs" not in report:
            raise InputError(f"{path}: no known_motifs entry (written by an older deepmotif interpret); rerun it")
        reports.append(report)
    table = known_motif_table(reports)
    write_table(table, args.output, float_format="%.4g")
    n = write_known_motif_figures(args.figures, reports)
    rate = pooled_false_match_rate(table)
    log.info("%d models: %s; %d logos; decoy false-match rate %d of %d learned motifs", len(table),
             ", ".join(f"{v} {c}" for v, c in table["verdict"].value_counts().items()), n, rate["n_decoy"],
             rate["n_queries"])


def _bundle_igv_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="igv.min.js to write (its LICENSE goes beside it)")


@command("bundle-igv", "copy igv.js (npm package igv, fetched once per machine into the user cache) beside the "
         "results, so genome views open offline")(_bundle_igv_args)
def run_bundle_igv(args: argparse.Namespace) -> None:
    from deepmotif.report.genome_view import IGV_FILES, IGV_VERSION, bundle_igv

    if Path(args.output).name != IGV_FILES[0]:
        raise InputError(f"bundle-igv: -o must name a file {IGV_FILES[0]}, got {args.output}")
    path = bundle_igv(Path(args.output).parent)
    log.info("igv.js %s → %s", IGV_VERSION, path)


def _genome_view_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tf", required=True)
    p.add_argument("--genome", type=InputPath, required=True, help="genome FASTA of the tracks")
    p.add_argument("--regions", type=InputPath, required=True, help="BED of the tracked regions (deepmotif tracks --regions-out)")
    for name, help in (("logit", "logit bigWig"), ("attribution", "attribution bigWig"),
                       ("instances", "instances BED")):
        p.add_argument(f"--{name}", nargs="+", type=key_path, required=True, metavar="ARCH=PATH",
                       help=f"{help} of each architecture (the first ranks the peaks shown)")
    p.add_argument("--igv", type=InputPath, required=True, help="igv.min.js beside the results (deepmotif bundle-igv)")
    p.add_argument("--n-peaks", type=positive_int, default=3, help="strongest tracked peaks shown")
    p.add_argument("--length", type=positive_int, default=101, help="the models' input length (for the page's text)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="HTML page (opens from file://, igv.js by relative path)")
    p.add_argument("--session-out", type=OutputPath, help="IGV desktop session XML loading the genome and every track")


@command("genome-view", "a genome browser view (igv.js, offline) of a TF's tracks and instances at its top peaks, "
         "and an IGV session")(_genome_view_args)
def run_genome_view(args: argparse.Namespace) -> None:
    from deepmotif.apply.tracks import read_regions
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.report.genome_view import ModelTracks, write_genome_view

    logit, attribution, instances = dict(args.logit), dict(args.attribution), dict(args.instances)
    if not set(logit) == set(attribution) == set(instances):
        raise InputError("genome-view: --logit, --attribution and --instances must name the same architectures")
    models = {arch: ModelTracks(logit[arch], attribution[arch], instances[arch]) for arch in logit}
    regions = read_regions(args.regions, chrom_sizes(args.genome), 1)
    loci = write_genome_view(args.tf, args.genome, regions, models, args.igv, args.output, args.session_out,
                             args.n_peaks, args.length)
    log.info("genome view of %s: %d peaks, %d architectures → %s", args.tf, len(loci), len(models), args.output)
