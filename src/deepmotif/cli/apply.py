"""Using trained models: score sequences and variants, explain the strongest variants."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from deepmotif.cli import (InputPath, OutputPath, command, device, non_negative_int, positive_int, seed,
                           split_list)
from deepmotif.data.io import check_paths
from deepmotif.errors import InputError

log = logging.getLogger(__name__)


def _models_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", dest="models", action="extend", nargs="+", type=InputPath, default=[], metavar="CKPT",
                   help="model.ckpt files (results/{tf}/{arch}/model.ckpt); several after one --model, or repeated")
    p.add_argument("--tf", default="", help="with --results: every architecture trained for this TF")
    p.add_argument("--results", default="results", help="results folder for --tf (default: results)")
    p.add_argument("--length", type=positive_int, help="model input length for checkpoints that do not record it "
                   "(default 101); must match those that do")
    p.add_argument("--no-rc", dest="rc", action="store_false",
                   help="forward strand only (default: mean of forward and reverse complement)")
    p.add_argument("--batch-size", type=positive_int, default=1024, help="windows per forward pass")
    p.add_argument("--chunk-size", type=positive_int, default=4096, help="records read, scored and written at a time")
    p.add_argument("--device", type=device, help="cpu, cuda, cuda:1 ... (default: the GPU when there is one)")
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads of torch")


def _load_models(args: argparse.Namespace):
    import torch

    from deepmotif.apply.predict import find_checkpoints, load_models

    torch.set_num_threads(args.threads)
    paths = list(args.models)
    if args.tf:
        paths += [str(p) for p in find_checkpoints(args.results, args.tf)]
    models = load_models(paths, args.length)
    log.info("models: %s (%d bp, %s)", ", ".join(f"{m.tf}/{m.arch}" if m.tf else f"{m.arch} ({m.path})"
                                               for m in models),
             models[0].length, "both strands" if args.rc else "forward strand")
    return models


def _predict_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sequences", type=InputPath,
                   help="FASTA (.fa/.fasta[.gz]), TSV with columns id seq, or BED/narrowPeak "
                   "(with --genome)")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV (- for stdout): id [chrom start end strand] length "
                   "{model}_logit {model}_prob ... mean_logit mean_prob")
    p.add_argument("--format", choices=("auto", "fasta", "table", "bed"), default="auto",
                   help="input format (default: from the file name, else the first line)")
    p.add_argument("--genome", type=InputPath, help="genome FASTA the BED/narrowPeak intervals refer to")
    p.add_argument("--scan", action="store_true", help="slide the model window along each sequence and report "
                   "the maximum and its 0-based start ({model}_pos); default: the central window")
    p.add_argument("--stride", type=positive_int, default=1, help="--scan step in bp (default 1)")
    _models_args(p)


@command("predict", "score sequences (FASTA, TSV, BED + genome) with trained models")(_predict_args)
def run_predict(args: argparse.Namespace) -> None:
    from deepmotif.apply.predict import predict_file

    models = _load_models(args)
    n = predict_file(args.sequences, models, args.output, args.format, args.genome, args.scan, args.stride,
                     args.rc, args.chunk_size, args.batch_size, args.device)
    log.info("%s: %d sequences scored by %d models → %s", args.sequences, n, len(models), args.output)


def _score_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("vcf", type=InputPath, help="VCF, plain or bgzip-compressed (.vcf.gz), sorted (bcftools sort)")
    p.add_argument("--genome", type=InputPath, required=True,
                   help="genome FASTA the VCF refers to (pyfaidx; .fai built if missing)")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV: chrom pos id ref alt [INFO] tf arch "
                   "logit_ref logit_alt delta_logit prob_ref prob_alt delta_prob log_odds_ratio")
    p.add_argument("--skipped", type=OutputPath, help="output TSV of the alleles not scored, with the reason "
                   "(default: OUTPUT with .skipped.tsv)")
    p.add_argument("--info", default="", help="comma-separated INFO keys copied into the output (e.g. CLASS)")
    p.add_argument("--max-allele", type=positive_int, default=50,
                   help="longest REF or ALT change scored, in bp (after trimming shared bases; default 50)")
    p.add_argument("--explain-ref", nargs="+", type=OutputPath, default=[], metavar="NPZ",
                   help="also explain the strongest variants (as explain-variants, in the same job): output "
                   ".npz of the REF windows, one per model, in order")
    p.add_argument("--explain-alt", nargs="+", type=OutputPath, default=[], metavar="NPZ",
                   help="with --explain-ref: output .npz of the ALT windows, one per model")
    p.add_argument("--n-explained", type=non_negative_int, default=10,
                   help="with --explain-ref: strongest variants explained, by mean |delta_logit| over the models")
    _models_args(p)


@command("score-variants", "score VCF variants (ref vs alt window) with trained models")(_score_variants_args)
def run_score_variants(args: argparse.Namespace) -> None:
    from deepmotif.apply.variants import score_vcf

    if len(args.explain_ref) != len(args.explain_alt):
        raise InputError(f"score-variants: {len(args.explain_ref)} --explain-ref and {len(args.explain_alt)} "
                         "--explain-alt files; give one REF and one ALT output per model, in the same order")
    if args.output == "-" and not args.skipped:
        raise InputError("score-variants -o -: the command writes two tables; give the skipped alleles' path "
                         "(--skipped PATH)")
    out = Path(args.output)
    skipped = args.skipped or str(out.with_name(out.name.removesuffix(".tsv") + ".skipped.tsv"))
    check_paths([args.vcf, args.genome, *args.models], [args.output, skipped, *args.explain_ref, *args.explain_alt])
    models = _load_models(args)
    score_vcf(args.vcf, args.genome, models, args.output, skipped, split_list(args.info), args.max_allele,
              args.rc, args.chunk_size, args.batch_size, args.device,
              list(zip(args.explain_ref, args.explain_alt)), args.n_explained)


def _summarize_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("tables", type=InputPath, nargs="+", help="variant tables (deepmotif score-variants) of any TFs")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV: variant × TF, mean over architectures, "
                   "ranked by |delta_logit|")
    p.add_argument("--top", type=non_negative_int, default=0, help="keep the N strongest (0: all)")


@command("summarize-variants", "variant × TF table across TFs, ranked by effect")(_summarize_variants_args)
def run_summarize_variants(args: argparse.Namespace) -> None:
    from deepmotif.data.tables import write_table
    from deepmotif.apply.variants import summarize_variants
    from deepmotif.data.tables import read_variant_table

    table = summarize_variants([read_variant_table(t) for t in args.tables], args.top or None)
    write_table(table, args.output, float_format="%.6g")
    log.info("%d variant × TF rows → %s", len(table), args.output)


def _variants_ground_truth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("tables", type=InputPath, nargs="+",
                   help="variant tables of simulated VCFs, scored with --info CLASS,MOTIF")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output TSV: tf arch motif n_break n_create n_neutral "
                   "auroc_break auroc_create sign_accuracy ...")
    p.add_argument("--class-column", default="CLASS")
    p.add_argument("--motif-column", default="MOTIF", help="matrix of each variant (with two or more: a row "
                   "per matrix besides the row 'all')")


@command("variants-ground-truth", "how well Δlogit separates simulated motif-breaking from neutral variants")(
    _variants_ground_truth_args)
def run_variants_ground_truth(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.tables import write_table
    from deepmotif.apply.variants import variant_ground_truth
    from deepmotif.data.tables import read_variant_table

    table = pd.concat([variant_ground_truth(read_variant_table(t), args.class_column, args.motif_column)
                       for t in args.tables], ignore_index=True)
    write_table(table, args.output, float_format="%.4g")
    log.info("variant ground truth: %d rows (TF × architecture × matrix) → %s", len(table), args.output)


def _explain_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", type=InputPath, help="variant table of deepmotif score-variants")
    p.add_argument("--genome", type=InputPath, required=True, help="genome FASTA the variants refer to")
    p.add_argument("--model", type=InputPath, required=True, nargs="+", metavar="CKPT",
                   help="model.ckpt explained; one: its architecture picks the ranking; several: the mean "
                   "|delta_logit| over their architectures does, and all explain the same variants")
    p.add_argument("--ref", type=OutputPath, required=True, nargs="+", metavar="NPZ",
                   help="output .npz of the REF windows (saliency + ISM format), one per --model, in order")
    p.add_argument("--alt", type=OutputPath, required=True, nargs="+", metavar="NPZ",
                   help="output .npz of the ALT windows, one per "
                   "--model")
    p.add_argument("-n", "--n-variants", type=non_negative_int, default=10, help="strongest variants by |delta_logit|")
    p.add_argument("--length", type=positive_int, help="model input length if the checkpoint does not record it")
    p.add_argument("--threads", type=positive_int, default=1)


@command("explain-variants", "saliency and ISM of the REF and ALT windows of the strongest variants")(
    _explain_variants_args)
def run_explain_variants(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.data.io import atomic_path
    from deepmotif.apply.predict import load_models
    from deepmotif.apply.variants import explain_variants, no_windows, strongest_variants, write_explanation
    from deepmotif.data.tables import read_variant_table

    if not len(args.model) == len(args.ref) == len(args.alt):
        raise InputError(f"explain-variants: {len(args.model)} --model, {len(args.ref)} --ref and {len(args.alt)} "
                         "--alt files; give one REF and one ALT output per model, in the same order")
    torch.set_num_threads(args.threads)
    models = load_models(args.model, args.length)
    table = read_variant_table(args.table)
    top = strongest_variants(table, args.n_variants, models[0].arch if len(models) == 1 else None)
    for model, ref_path, alt_path in zip(models, args.ref, args.alt):
        ref, alt = explain_variants(top, args.genome, model) if len(top) else (no_windows(), no_windows())
        for path, arrays in ((ref_path, ref), (alt_path, alt)):
            with atomic_path(path) as tmp:
                write_explanation(tmp, arrays)
        log.info("%s: saliency and ISM of the %d strongest variants (%s) → %s, %s", args.table, len(top),
                 model.arch, ref_path, alt_path)


def _tracks_args(p: argparse.ArgumentParser) -> None:
    from deepmotif.plan.config import schema_default

    p.add_argument("--model", type=InputPath, required=True, help="model.ckpt (results/{tf}/{arch}/model.ckpt)")
    p.add_argument("--genome", type=InputPath, required=True, help="genome FASTA (its .fai gives the chromosome sizes; built if missing)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--regions", type=InputPath, help="BED of regions (each at least the model's input long; merged where they "
                       "overlap)")
    where.add_argument("--peaks", type=InputPath, help="narrowPeak/BED: regions of --width bp around the summits of the strongest "
                       "--max-regions peaks on --chroms, clipped to the chromosome ends")
    p.add_argument("--chroms", type=split_list, default=[], help="with --peaks: comma-separated chromosomes kept "
                   "(a TF's test chromosomes; default all)")
    p.add_argument("--width", type=positive_int, default=schema_default("tracks.width"), help="with --peaks: bp per region")
    p.add_argument("--max-regions", type=non_negative_int, default=schema_default("tracks.max_regions"),
                   help="with --peaks: strongest N peaks (0: all)")
    p.add_argument("--stride", type=positive_int, default=schema_default("tracks.stride"), help="bp between window starts")
    p.add_argument("--attribution", choices=("grad_x_input", "deep_lift_shap"),
                   default=schema_default("tracks.attribution"), help="reference-base attribution method")
    p.add_argument("--n-shuffles", type=positive_int, default=schema_default("tracks.n_shuffles"),
                   help="deep_lift_shap: references per window")
    p.add_argument("--seed", type=seed, default=schema_default("tracks.seed"), help="deep_lift_shap: shuffle seed")
    p.add_argument("--batch-size", type=positive_int, default=schema_default("tracks.batch_size"), help="windows per pass")
    p.add_argument("--no-rc", dest="rc", action="store_false", help="forward strand only (default: both averaged)")
    p.add_argument("--device", help="cpu, cuda, ... (default: the GPU when there is one)")
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads of torch")
    p.add_argument("--logit-out", type=OutputPath, required=True, help="bigWig: the logit per base (mean over covering windows)")
    p.add_argument("--attribution-out", type=OutputPath, help="bigWig: the attribution of the reference base")
    p.add_argument("--regions-out", type=OutputPath, help="BED of the regions tracked (merged, sorted)")
    p.add_argument("--instances-out", type=OutputPath, help="BED: motif instances called on the attribution track, "
                   "as deepmotif instances does (needs --attribution-out, --regions-out and --modisco or --jaspar)")
    from deepmotif.cli.interpret import instance_calling_args

    instance_calling_args(p.add_argument_group("with --instances-out: the patterns called, Fi-NeMo's settings"))


@command("tracks", "bigWig tracks of a model along the genome: logit and reference-base attribution per base")(
    _tracks_args)
def run_tracks(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.apply.predict import load_models
    from deepmotif.apply.tracks import (check_output, peak_regions, read_regions, regions_long_enough,
                                        write_regions, write_tracks)
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.data.intervals import read_peaks

    if args.instances_out and not (args.attribution_out and args.regions_out and (args.modisco or args.jaspar)):
        raise InputError("tracks: --instances-out needs --attribution-out, --regions-out (the track and regions called "
                         "in) and --modisco or --jaspar (the patterns called)")
    for path in (args.logit_out, args.attribution_out, args.regions_out, args.instances_out):
        if path:
            check_output(path, "output")
    torch.set_num_threads(args.threads)
    model = load_models([args.model])[0]
    sizes = chrom_sizes(args.genome)
    if args.regions:
        regions = read_regions(args.regions, sizes, model.length)
    else:
        regions = regions_long_enough(peak_regions(read_peaks(args.peaks), sizes, args.chroms, args.width,
                                                   args.max_regions), model.length)
    log.info("%d regions, %d bp; windows of %d bp every %d bp; attribution %s", len(regions),
             int((regions["end"] - regions["start"]).sum()), model.length, args.stride,
             args.attribution if args.attribution_out else "not written")
    stats = write_tracks(model, regions, args.genome, args.logit_out, args.attribution_out, args.attribution,
                         stride=args.stride, rc=args.rc, batch_size=args.batch_size, n_shuffles=args.n_shuffles,
                         seed=args.seed, device=args.device)
    if args.regions_out:
        write_regions(regions, args.regions_out)
    log.info("tracks of %d regions (%d bp; logit %.2f to %.2f) → %s%s", stats["regions"], stats["bases"],
             stats["logit_min"], stats["logit_max"], args.logit_out,
             f", {args.attribution_out}" if args.attribution_out else "")
    if args.instances_out:  # in this process: the instances job it replaces spent half its CPU importing
        from deepmotif.cli.interpret import write_track_instances

        write_track_instances(args, args.regions_out, args.attribution_out, args.instances_out)
