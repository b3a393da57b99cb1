"""Interpretation stage: what one model learned (saliency, ISM, motifs, JASPAR, TF-MoDISco)."""

from __future__ import annotations

import argparse
import logging
import re

from deepmotif.cli import (InputPath, OutputPath, command, config_section_arg, non_negative_float,
                           non_negative_int, positive_int, probability, q_value, seed, split_list)
from deepmotif.errors import InputError

log = logging.getLogger(__name__)


def jaspar_ids(text: str) -> tuple[str, ...]:
    """``MA0139.2,MA1929.2`` → a tuple of JASPAR matrix ids (the sheet's ``motifs`` column)."""
    ids = tuple(i.strip() for i in text.split(",") if i.strip())
    bad = [i for i in ids if not re.fullmatch(r"M[A-Z][0-9]{4}\.[0-9]+", i)]
    if bad:
        raise argparse.ArgumentTypeError(f"{bad[0]!r} is not a JASPAR matrix id such as MA0139.2")
    return ids


def _interpret_args(p: argparse.ArgumentParser) -> None:
    # Every setting comes from the config section interpret, defaults in deepmotif/plan/schemas/config.schema.yaml
    p.add_argument("model", type=InputPath, help="model.ckpt written by deepmotif train")
    p.add_argument("sequences", type=InputPath,
                   help="sequences.tsv (id seq label split): test positives are explained")
    p.add_argument("--tf", required=True, help="TF name (recorded in ground_truth.json)")
    p.add_argument("--arch", required=True, help="architecture name (recorded in ground_truth.json)")
    p.add_argument("--positives", help="simulated TFs: positives.tsv (the windows) for the ground-truth check")
    p.add_argument("--planted", help="simulated TFs: planted.tsv of the simulation")
    p.add_argument("--motifs", type=jaspar_ids, default=(),
                   help="the TF's JASPAR ids, comma-separated (the sheet's motifs) for the known-motif check; "
                        "default: the planted ones of a simulated TF, else the JASPAR matrices named like the TF")
    p.add_argument("--settings", type=config_section_arg("interpret"), default="{}",
                   help="JSON object: the config section interpret (keys left out take the schema's defaults)")
    p.add_argument("--threads", type=positive_int, required=True)
    out = p.add_argument_group("outputs")
    for name, help in (("saliency-out", "saliency.npz: ids seqs X_attr (n, 4, length) prob method"),
                       ("ism-out", "ism.npz: ids seqs X_ism (n, 4, length)"),
                       ("temporal-out", "temporal.npz: ids seqs forward backward (n, length); empty if not computed"),
                       ("class-optimization-out", "class_optimization.npz: pwms scores names restart window start end"),
                       ("class-meme-out", "class_optimization.meme: the windows (opt<restart>.w<window>)"),
                       ("filter-meme-out",
                        "filters.meme: filters with enough sites (none without a first convolution)"),
                       ("filter-table-out", "filters.tsv: name n_sites information motif"),
                       ("matches-out", "jaspar_matches.tsv: Tomtom hits of every learned motif"),
                       ("ground-truth-out", "ground_truth.json: the checks against planted motifs")):
        out.add_argument(f"--{name}", required=True, help=help)
    for name, help in (("modisco-out", "modisco.h5: modisco-lite's patterns (with modisco.enabled)"),
                       ("modisco-patterns-out", "modisco_patterns.tsv: pattern sign n_seqlets ... match_q sub_matches"),
                       ("modisco-meme-out", "modisco.meme: the trimmed patterns"),
                       ("modisco-distances-out", "modisco_distances.tsv: pattern_a pattern_b distance count")):
        out.add_argument(f"--{name}", help=help)
    coop = p.add_argument_group("motif dependencies in the same process (deepmotif cooperativity, its settings: the "
                                "section's cooperativity; the pair from the MoDISco patterns and JASPAR matches "
                                "written above)")
    coop.add_argument("--cooperativity-out", type=OutputPath, help="cooperativity.tsv: one row per arrangement and gap")
    coop.add_argument("--cooperativity-figure", type=OutputPath, help="PNG: interaction against gap")
    coop.add_argument("--sheet-motifs", type=split_list, default=[],
                      help="the sheet's motifs of the TF, comma-separated JASPAR ids (the pair's last fallback)")


@command("interpret", "everything the dashboard shows about one model: saliency, ISM, temporal scores, class "
                      "optimization, filter motifs, JASPAR matches, ground truth")(_interpret_args)
def run_interpret(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.data.tables import read_planted, read_positives
    from deepmotif.interpret.interpretation import InterpretSettings, interpret_model, write_interpretation
    from deepmotif.models.inference import load_network

    torch.set_num_threads(args.threads)
    settings = InterpretSettings.from_config(args.settings, temporal=args.arch in args.settings["temporal_archs"])
    modisco_outs = (args.modisco_out, args.modisco_patterns_out, args.modisco_meme_out, args.modisco_distances_out)
    if settings.modisco and not all(modisco_outs):
        raise InputError("modisco.enabled needs --modisco-out, --modisco-patterns-out, --modisco-meme-out and "
                         "--modisco-distances-out")
    if bool(args.positives) != bool(args.planted):
        raise InputError("--positives and --planted go together (the ground truth of a simulated TF)")
    simulated = {}
    if args.planted:
        simulated = {"positives": read_positives(args.positives), "planted": read_planted(args.planted)}
    if args.cooperativity_out and not args.modisco_patterns_out:
        raise InputError("--cooperativity-out needs --modisco-patterns-out (the pair comes from the MoDISco patterns)")
    net, sequences = load_network(args.model), read_dataset(args.sequences)
    result = interpret_model(net, sequences, settings, args.tf, args.arch, source=args.sequences, motifs=args.motifs,
                             **simulated)
    write_interpretation(result, {
        "saliency": args.saliency_out, "ism": args.ism_out, "temporal": args.temporal_out,
        "class_optimization": args.class_optimization_out, "class_meme": args.class_meme_out,
        "filter_meme": args.filter_meme_out, "filters": args.filter_table_out, "matches": args.matches_out,
        "ground_truth": args.ground_truth_out, "modisco": args.modisco_out,
        "modisco_patterns": args.modisco_patterns_out, "modisco_meme": args.modisco_meme_out,
        "modisco_distances": args.modisco_distances_out})
    if args.cooperativity_out:  # in this process: a job of its own spent a third of its CPU importing, loading
        write_cooperativity(net, sequences, args.settings["cooperativity"], args.settings["jaspar"]["max_q"],
                            args.modisco_patterns_out, args.matches_out, args.sheet_motifs, args.tf, args.arch,
                            args.model, args.cooperativity_out, args.cooperativity_figure)


def _compile_tomtom_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="file written once Tomtom is compiled (a marker)")


@command("compile-tomtom", "compile memelite's Tomtom and modisco-lite's kernels into numba's disk cache once, "
                           "before parallel jobs use them")(_compile_tomtom_args)
def run_compile_tomtom(args: argparse.Namespace) -> None:
    import time

    from deepmotif.interpret.modisco import compile_modisco
    from deepmotif.interpret.motifs import compile_tomtom
    from deepmotif.runtime.numba_cache import compile_lock, machine_dir, share_numba_cache
    from deepmotif.data.io import atomic_path

    start = time.perf_counter()
    with compile_lock():  # a concurrent run compiling the same code: wait for it, then load
        waited = time.perf_counter() - start
        compile_tomtom()
        tomtom = time.perf_counter() - start - waited
        n_kernels = compile_modisco()
        modisco = time.perf_counter() - start - waited - tomtom
    where = machine_dir() if share_numba_cache() else "numba's default (beside the packages or NUMBA_CACHE_DIR)"
    with atomic_path(args.output) as tmp:
        tmp.write_text(f"numba cache: {where}\n"
                       f"waited {waited:.1f} s for the cache's lock (another run compiling into it)\n"
                       f"memelite Tomtom compiled or loaded from numba's cache in {tomtom:.1f} s\n"
                       f"modisco-lite: {n_kernels} kernels compiled or loaded in {modisco:.1f} s\n")
    log.info("numba cache %s: Tomtom ready in %.1f s, modisco-lite's %d kernels in %.1f s (%.1f s to take the lock)",
             where, tomtom, n_kernels, modisco, waited)


def _modisco_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=InputPath, help="model.ckpt written by deepmotif train")
    p.add_argument("sequences", type=InputPath,
                   help="sequences.tsv (id seq label split); the test positives are explained")
    p.add_argument("--settings", type=config_section_arg("interpret"), default="{}",
                   help="JSON object: the config section interpret, as the pipeline's (modisco: method, n_shuffles, "
                        "n_sequences, window, ...; jaspar: release, top_k, ...); keys left out take the schema's "
                        "defaults")
    p.add_argument("--threads", type=positive_int, default=1)
    out = p.add_argument_group("outputs (as deepmotif interpret's --modisco-*-out)")
    out.add_argument("-o", "--output", type=OutputPath, required=True, help="modisco-lite HDF5 (modisco.h5)")
    out.add_argument("--patterns", type=OutputPath, required=True,
                     help="TSV: one row per pattern with its JASPAR match and those of its sub-windows")
    out.add_argument("--meme", type=OutputPath, required=True, help="MEME file of the patterns (trimmed)")
    out.add_argument("--distances", type=OutputPath, required=True, help="TSV: pattern_a pattern_b distance count")
    out.add_argument("--matches", type=OutputPath, help="TSV: every Tomtom hit of every pattern and sub-window")
    out.add_argument("--logos", type=OutputPath, help="folder: one logo PNG per pattern + index.tsv")
    out.add_argument("--attributions", type=OutputPath, help=".npz: ids seqs X_hyp (n, 4, length) method")


@command("modisco", "TF-MoDISco (modisco-lite) patterns of the test positives' attributions, JASPAR matches: "
                    "the pipeline's, alone")(_modisco_args)
def run_modisco(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.data.tables import write_table
    from deepmotif.interpret.arrays import save_arrays
    from deepmotif.interpret.interpretation import InterpretSettings, discover_positives, jaspar_targets, write_modisco
    from deepmotif.interpret.known_motifs import decoy_motifs
    from deepmotif.models.inference import load_network

    torch.set_num_threads(args.threads)
    settings = InterpretSettings.from_config(args.settings, temporal=False)
    targets = jaspar_targets(settings)
    found = discover_positives(load_network(args.model), read_dataset(args.sequences), settings, targets,
                               decoy_motifs(targets, settings.seed), source=args.sequences)
    write_modisco(found, {"modisco": args.output, "modisco_patterns": args.patterns, "modisco_meme": args.meme,
                          "modisco_distances": args.distances})
    if args.matches:
        write_table(found["matches"], args.matches, float_format="%.4g")
    if args.attributions:
        save_arrays(args.attributions, ids=found["ids"], seqs=found["seqs"], X_hyp=found["X_hyp"].numpy(),
                    method=settings.modisco_method)
    if args.logos:
        from deepmotif.report.modisco_figures import write_pattern_logos

        write_pattern_logos(args.logos, found["pos"], found["neg"], found["table"])


def instance_calling_args(p: argparse.ArgumentParser) -> None:
    """The options of instance calling: the patterns called and Fi-NeMo's settings (``deepmotif instances``,
    ``deepmotif tracks --instances-out``)."""
    from deepmotif.plan.config import schema_default

    p.add_argument("--modisco", type=InputPath, help="modisco.h5: its positive patterns' CWMs are called")
    p.add_argument("--modisco-patterns", type=InputPath, help="modisco_patterns.tsv: JASPAR names of the patterns and of composite "
                   "halves (a composite with two matched halves is called as two patterns)")
    p.add_argument("--jaspar", type=split_list, default=[], help="comma-separated JASPAR ids also called")
    p.add_argument("--release", default=schema_default("interpret.jaspar.release"), help="JASPAR release (pyjaspar)")
    p.add_argument("--collection", default=schema_default("interpret.jaspar.collection"))
    p.add_argument("--tax-group", default=schema_default("interpret.jaspar.tax_group"), help="or 'all'")
    p.add_argument("--lambda", dest="lam", type=non_negative_float, default=schema_default("tracks.instances.lambda"),
                   help="Fi-NeMo's L1 penalty / minimum correlation with the pattern")
    p.add_argument("--min-attribution", type=non_negative_float, default=schema_default("tracks.instances.min_attribution"),
                   help="fraction of a MoDISco pattern's typical attribution an instance needs (0: off)")
    p.add_argument("--trim", type=probability, default=schema_default("tracks.instances.trim"),
                   help="CWM trimming threshold (fraction of the largest column)")
    p.add_argument("--tile", type=positive_int, default=schema_default("tracks.instances.tile"), help="bp fitted at once")
    p.add_argument("--max-steps", type=positive_int, default=schema_default("tracks.instances.max_steps"),
                   help="Fi-NeMo's optimisation steps per tile at most")
    p.add_argument("--fit-batch", type=positive_int, default=schema_default("tracks.instances.fit_batch"),
                   help="tiles Fi-NeMo optimises side by side (larger on a GPU)")


def _instances_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attribution", type=InputPath, required=True, help="bigWig of the reference-base attribution (deepmotif tracks)")
    p.add_argument("--regions", type=InputPath, required=True, help="BED of the regions to call in (deepmotif tracks --regions-out)")
    p.add_argument("--genome", type=InputPath, required=True, help="genome FASTA")
    instance_calling_args(p)
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads of torch")
    p.add_argument("--device", help="cpu, cuda, ... (default: the CPU)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="BED: chrom start end pattern score strand attribution jaspar")


def write_track_instances(args: argparse.Namespace, regions: str, attribution: str, output: str) -> None:
    """Call the instances of ``args``' patterns (:func:`instance_calling_args`) on the attribution track in the
    regions of the BED ``regions``, and write them to the BED ``output``."""
    from deepmotif.apply.tracks import read_regions
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.interpret import instances as inst

    groups = []
    if args.modisco:
        groups.append(inst.modisco_patterns(args.modisco, args.modisco_patterns, args.trim))
    if args.jaspar:
        groups.append(inst.jaspar_patterns(args.jaspar, args.release, args.collection,
                                           None if args.tax_group == "all" else args.tax_group))
    if not groups:
        raise InputError("instances: no pattern to call; give --modisco modisco.h5 and/or --jaspar IDS")
    patterns = inst.combine(*groups)
    if len(patterns) == 0:
        log.warning("no pattern to call: the instances BED is empty")
    called_in = read_regions(regions, chrom_sizes(args.genome), 1)
    hits = inst.call_instances(called_in, args.genome, attribution, patterns, args.lam, args.min_attribution,
                               args.tile, args.max_steps, args.fit_batch, device=args.device)
    inst.write_instances(hits, output)
    log.info("%d instances of %d patterns in %d regions → %s", len(hits), len(patterns) // 2, len(called_in), output)


@command("instances", "motif instances at genome coordinates (Fi-NeMo on the attribution track): BED")(
    _instances_args)
def run_instances(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.apply.tracks import check_output

    check_output(args.output, "instances BED")
    torch.set_num_threads(args.threads)
    write_track_instances(args, args.regions, args.attribution, args.output)


def _instances_ground_truth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", dest="models", action="append", nargs=6, required=True,
                   metavar=("TF", "ARCH", "INSTANCES", "REGIONS", "PLANTED", "POSITIVES"),
                   help="one model: its TF and architecture, its instances BED, the regions BED they were called in, "
                   "the simulation's planted.tsv and positives.tsv (the model-length windows of the peaks); repeated")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="TSV: per model, precision and recall of the "
                   "planted sites in the model-length windows of the peaks and in the whole regions, in all and per "
                   "planted matrix")


@command("instances-ground-truth", "precision and recall of the planted sites of simulated TFs by their instances, "
         "one table")(_instances_ground_truth_args)
def run_instances_ground_truth(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.intervals import read_bed
    from deepmotif.data.io import atomic_path
    from deepmotif.interpret import instances as inst

    tables = [inst.instance_ground_truth(inst.read_instances(bed), planted, positives, read_bed(regions), tf, arch)
              for tf, arch, bed, regions, planted, positives in args.models]
    table = pd.concat(tables, ignore_index=True)
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    log.info("instances ground truth:\n%s", table[table["motif"] == "all"].to_string(index=False))


COOPERATIVITY_OPTIONS = ("motifs", "n_backgrounds", "n_null", "max_spacing", "max_q", "min_interaction", "seed")


def _cooperativity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=InputPath, help="model.ckpt written by deepmotif train")
    p.add_argument("sequences", type=InputPath, help="sequences.tsv (id seq label split): the backgrounds are "
                                                     "shuffles of its test negatives")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV: one row per arrangement and gap")
    p.add_argument("--figure", type=OutputPath, help="output PNG: interaction against gap, one line per arrangement")
    p.add_argument("--tf", default="", help="TF name (a column of the TSV, the figure's title)")
    p.add_argument("--arch", default="", help="architecture name (a column of the TSV, the figure's title)")
    p.add_argument("--modisco-patterns", type=InputPath, help="the model's modisco_patterns.tsv (default pair)")
    p.add_argument("--jaspar-matches", type=InputPath,
                   help="the model's jaspar_matches.tsv (default pair without MoDISco matches)")
    p.add_argument("--sheet-motifs", type=split_list, default=[],
                   help="the sheet's motifs of the TF, comma-separated JASPAR ids (the last fallback)")
    p.add_argument("--threads", type=positive_int, default=1)
    settings = p.add_argument_group("settings: the config section interpret (its cooperativity and jaspar.max_q); "
                                    "the options below override interpret.cooperativity's keys")
    settings.add_argument("--settings", type=config_section_arg("interpret"), default="{}",
                          help="JSON object: the config section interpret (keys left out: the schema's defaults)")
    settings.add_argument("--motifs", type=split_list, help="A,B: JASPAR ids with version or sequences")
    settings.add_argument("--n-backgrounds", type=positive_int)
    settings.add_argument("--n-null", type=positive_int, help="shuffles of B (the null)")
    settings.add_argument("--max-spacing", type=non_negative_int, help="gaps 0..max_spacing bp")
    settings.add_argument("--max-q", type=q_value, help="BH q-value below which an interaction can be significant")
    settings.add_argument("--min-interaction", type=non_negative_float, help="smallest |interaction| (logit) called significant")
    settings.add_argument("--seed", type=seed)


@command("cooperativity", "in-silico spacing and orientation experiments: two motifs in shuffled backgrounds, "
                          "their interaction in every arrangement against shuffles of the second")(_cooperativity_args)
def run_cooperativity(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.models.inference import load_network

    section = {**args.settings["cooperativity"],
               **{k: getattr(args, k) for k in COOPERATIVITY_OPTIONS if getattr(args, k) is not None}}
    torch.set_num_threads(args.threads)
    write_cooperativity(load_network(args.model), read_dataset(args.sequences), section,
                        args.settings["jaspar"]["max_q"], args.modisco_patterns, args.jaspar_matches,
                        args.sheet_motifs, args.tf, args.arch, args.model, args.output, args.figure)


def write_cooperativity(net, sequences, section: dict, match_max_q: float, modisco_patterns: str | None,
                        jaspar_matches: str | None, sheet_motifs: list[str], tf: str, arch: str, model: str,
                        output: str, figure: str | None) -> None:
    """Measure one model's motif dependencies (:func:`deepmotif.interpret.cooperativity.measure_model`) and write
    the table ``output`` and the figure ``figure`` (``deepmotif cooperativity``, ``deepmotif interpret
    --cooperativity-out``).

    ``section``: the config section ``interpret.cooperativity``; ``modisco_patterns``, ``jaspar_matches``: the
    model's tables (read here, as written), for the default pair; ``model``: its path, for the log.
    """
    import time

    import pandas as pd

    from deepmotif.data.tables import write_table
    from deepmotif.interpret import cooperativity as co

    settings = co.CooperativitySettings(**{k: section[k] for k in COOPERATIVITY_OPTIONS if k != "motifs"},
                                        motifs=tuple(section["motifs"]))
    patterns = (pd.read_csv(modisco_patterns, sep="\t", dtype={"match_id": str, "sub_matches": str},
                            keep_default_na=False, na_values={"match_q": [""]}) if modisco_patterns else None)
    matches = pd.read_csv(jaspar_matches, sep="\t") if jaspar_matches else None
    start = time.perf_counter()
    table = co.measure_model(net, sequences, settings, patterns, matches, sheet_motifs, match_max_q)
    seconds = time.perf_counter() - start
    table.insert(0, "arch", arch)
    table.insert(0, "tf", tf)
    write_table(table, output, float_format="%.5g")
    if figure:
        from deepmotif.report.cooperativity_figures import cooperativity_figure
        from deepmotif.report.figures import save_figure

        title = " · ".join(filter(None, (tf, arch, f"A = {table['motif_a'].iloc[0]}", f"B = {table['motif_b'].iloc[0]}")))
        save_figure(cooperativity_figure(table, title), figure)
    log.info("%s: %d arrangements in %.1f s; strongest: %s -> %s", model, len(table), seconds,
             co.describe_interaction(co.strongest_interaction(table)), output)
