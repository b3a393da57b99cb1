"""``deepmotif <command>``: the command-line interface every Snakemake rule calls.

Each command parses its arguments, calls one library function and writes its outputs atomically.
Problems the user can fix (:class:`deepmotif.errors.InputError`) are printed as one line, without a
traceback, with exit status 2. torch and Lightning are imported inside the commands that need them,
so ``deepmotif --help`` is fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from deepmotif.errors import InputError

log = logging.getLogger("deepmotif")

COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], None], str]] = {}


def command(name: str, help: str):
    """Register ``run`` as ``deepmotif <name>``; the decorated function adds its arguments."""

    def wrap(add_arguments):
        def register(run):
            COMMANDS[name] = (add_arguments, run, help)
            return run
        return register
    return wrap


def _json_arg(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _number(kind: type, low: float, low_ok: bool, high: float | None = None, high_ok: bool = False):
    """An argparse type: ``kind`` within ``low``..``high`` (bounds included when ``*_ok``)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if value < low or (value == low and not low_ok) or (
                high is not None and (value > high or (value == high and not high_ok))):
            if high is None:
                raise argparse.ArgumentTypeError(f"{text} must be {'>=' if low_ok else '>'} {low}")
            bounds = f"{'[' if low_ok else '('}{low}, {high}{']' if high_ok else ')'}"
            raise argparse.ArgumentTypeError(f"{text} must be in {bounds}")
        return value
    return parse


_positive_int = _number(int, 0, False)
_count = _number(int, 0, True)
_fraction = _number(float, 0, True, 1, False)
_seconds = _number(float, 0, True)


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


# --- data --------------------------------------------------------------------------------------------

def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--motifs", required=True, help="JASPAR ids, comma-separated (a composite if several)")
    p.add_argument("--spacing", type=_count, default=0, help="gap in bp between motifs of a composite")
    p.add_argument("--n-peaks", type=_positive_int, default=2000)
    p.add_argument("--n-chroms", type=_positive_int, default=10)
    p.add_argument("--chrom-size", type=_positive_int, default=300_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--genome", required=True, help="output FASTA (an .fai index is written beside it)")
    p.add_argument("--peaks", required=True, help="output narrowPeak (.gz)")
    p.add_argument("--planted", required=True, help="output TSV of planted motif positions")


@command("simulate", "synthetic genome + narrowPeak with planted JASPAR motifs (ground truth)")(_simulate_args)
def run_simulate(args: argparse.Namespace) -> None:
    from deepmotif.data.genome import write_fasta
    from deepmotif.data.intervals import write_peaks
    from deepmotif.data.simulate import simulate_tf
    from deepmotif.io import atomic_path

    genome, peaks, planted, motifs = simulate_tf(_split_list(args.motifs), args.n_peaks, args.spacing,
                                                 args.n_chroms, args.chrom_size, args.seed)
    write_fasta(args.genome, genome)
    write_peaks(peaks, args.peaks)
    with atomic_path(args.planted) as tmp:
        planted.to_csv(tmp, sep="\t", index=False)
    log.info("simulated %d chromosomes × %d bp, %d peaks with %s", args.n_chroms, args.chrom_size,
             len(peaks), ", ".join(f"{m.motif_id} ({m.name})" for m in motifs))


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("peaks", help="narrowPeak or BED file (.gz or plain); BED summits are midpoints")
    p.add_argument("fasta", help="genome FASTA (indexed or indexable)")
    p.add_argument("-o", "--output", required=True, help="output TSV: id chrom start end seq")
    p.add_argument("--length", type=_positive_int, default=101)
    p.add_argument("--max-peaks", type=_count, default=0, help="keep the N strongest peaks (0: all)")


@command("extract", "summit-centred sequences of the strongest peaks (pyfaidx)")(_extract_args)
def run_extract(args: argparse.Namespace) -> None:
    from deepmotif.data.intervals import read_peaks
    from deepmotif.data.peaks import peak_sequences
    from deepmotif.io import atomic_path

    peaks = read_peaks(args.peaks)
    seqs = peak_sequences(peaks, args.fasta, args.length, args.max_peaks or None, args.peaks)
    with atomic_path(args.output) as tmp:
        seqs.to_csv(tmp, sep="\t", index=False)
    log.info("%s: %d of %d peaks → %d-bp sequences in %s", args.peaks, len(seqs), len(peaks),
             args.length, args.output)


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("positives", help="TSV with columns id seq (and chrom for a chromosome split)")
    p.add_argument("-o", "--output", required=True, help="output TSV: id seq label split")
    p.add_argument("--valid-chroms", default="", help="comma-separated held-out validation chromosomes")
    p.add_argument("--test-chroms", default="", help="comma-separated held-out test chromosomes")
    p.add_argument("--valid-fraction", type=_fraction, default=0.1, help="random split when no chromosomes")
    p.add_argument("--test-fraction", type=_fraction, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--negatives", choices=("shuffle", "gc_matched"), default="shuffle",
                   help="dinucleotide shuffles (default) or GC-matched genomic background outside all peaks")
    p.add_argument("--fasta", help="gc_matched: the genome FASTA of the positives")
    p.add_argument("--peaks", help="gc_matched: every peak of the TF (narrowPeak/BED), excluded from background")
    p.add_argument("--exclude", action="append", default=[], help="gc_matched: more BED regions to avoid "
                   "(e.g. the blacklist); repeatable")
    p.add_argument("--gc-bins", type=_positive_int, default=20, help="gc_matched: equal-width GC bins")


@command("build-dataset", "add negatives (shuffled or GC-matched) and split train/valid/test")(_dataset_args)
def run_build_dataset(args: argparse.Namespace) -> None:
    from deepmotif.data.dataset import build_dataset_from_files
    from deepmotif.io import atomic_path

    df = build_dataset_from_files(args.positives, args.negatives, _split_list(args.valid_chroms),
                                  _split_list(args.test_chroms), args.valid_fraction, args.test_fraction,
                                  args.seed, args.fasta, args.peaks, args.exclude, args.gc_bins)
    with atomic_path(args.output) as tmp:
        df.to_csv(tmp, sep="\t", index=False)


def _download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retries", type=_count, default=4, help="extra attempts after transient failures")
    p.add_argument("--backoff", type=_seconds, default=1.0, help="seconds before the first retry (doubles)")
    p.add_argument("--timeout", type=_number(float, 0, False), default=60.0, help="socket time-out in seconds")


def _download_kwargs(args: argparse.Namespace) -> dict:
    return {"retries": args.retries, "backoff": args.backoff, "timeout": args.timeout}


def _fetch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="http(s)/ftp/file URL or a local path")
    p.add_argument("-o", "--output", required=True, help="destination file (written only when verified)")
    p.add_argument("--md5", help="expected md5 of the file")
    p.add_argument("--sha256", help="expected sha256 of the file")
    _download_args(p)


@command("fetch", "download a file atomically, with retries, resume and checksum")(_fetch_args)
def run_fetch(args: argparse.Namespace) -> None:
    from deepmotif.data.http import download

    download(args.url, args.output, md5=args.md5, sha256=args.sha256, **_download_kwargs(args))


def _fetch_peaks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("accession", help="ENCODE file accession of a narrowPeak file, e.g. ENCFF618VMC")
    p.add_argument("--genome", required=True, help="assembly the peaks must be on (hg38 = GRCh38, ...)")
    p.add_argument("-o", "--output", required=True, help="destination .bed.gz")
    p.add_argument("--metadata", required=True, help="output JSON: the portal's metadata + n_peaks, url")
    p.add_argument("--base-url", default="https://www.encodeproject.org", help="ENCODE portal root")
    _download_args(p)


@command("fetch-peaks", "download an ENCODE narrowPeak file by accession (assembly + md5 checked)")(
    _fetch_peaks_args)
def run_fetch_peaks(args: argparse.Namespace) -> None:
    from deepmotif.data.encode import download_encode_peaks
    from deepmotif.io import atomic_path

    meta = download_encode_peaks(args.accession, args.genome, args.output, args.base_url,
                                 **_download_kwargs(args))
    with atomic_path(args.metadata) as tmp:
        tmp.write_text(json.dumps({"requested": args.accession, "genome": args.genome, **meta}, indent=2))


def _fetch_genome_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="genome FASTA (.fa.gz or .fa): URL or local path")
    p.add_argument("-o", "--output", required=True, help="uncompressed FASTA; its .fai is written beside it")
    p.add_argument("--md5", help="expected md5 of the file as served")
    _download_args(p)


@command("fetch-genome", "download (or copy) a genome FASTA, decompress it and index it (.fai)")(
    _fetch_genome_args)
def run_fetch_genome(args: argparse.Namespace) -> None:
    from deepmotif.data.genome import download_genome

    download_genome(args.url, args.output, md5=args.md5, **_download_kwargs(args))


def _filter_peaks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("peaks", help="narrowPeak or BED file")
    p.add_argument("--blacklist", required=True, help="BED of excluded regions (ENCODE blacklist)")
    p.add_argument("-o", "--output", required=True, help="output narrowPeak (.gz)")


@command("filter-peaks", "drop peaks overlapping blacklisted regions")(_filter_peaks_args)
def run_filter_peaks(args: argparse.Namespace) -> None:
    from deepmotif.data.intervals import filter_blacklist, read_bed, read_peaks, write_peaks

    write_peaks(filter_blacklist(read_peaks(args.peaks), read_bed(args.blacklist, allow_empty=True), args.peaks),
                args.output)


def _extract_archive_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("archive", help=".tar(.gz/.bz2/.xz) archive")
    p.add_argument("-o", "--output", required=True, help="directory to create (must not exist or be empty)")


@command("extract-archive", "unpack a dataset archive safely (no absolute paths, '..', outside links)")(
    _extract_archive_args)
def run_extract_archive(args: argparse.Namespace) -> None:
    from deepmotif.data.archive import safe_extract_tar

    safe_extract_tar(args.archive, args.output)


def _list_datasets_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="extracted archive (<name>/train.fa + test.fa, or DeepBind _AC/_B pairs)")
    p.add_argument("-o", "--output", required=True, help="output TSV: name train test")
    p.add_argument("--exclude", default="ALL", help="comma-separated name prefixes to skip (default ALL)")
    p.add_argument("--include", default="", help="comma-separated names to keep (default: all)")


@command("list-datasets", "the train/test datasets inside a folder, one row each")(_list_datasets_args)
def run_list_datasets(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.archive import select_datasets
    from deepmotif.io import atomic_path

    datasets = select_datasets(args.folder, tuple(_split_list(args.exclude)), tuple(_split_list(args.include)))
    table = pd.DataFrame(datasets, columns=["name", "train", "test"])
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    log.info("%s: %d datasets -> %s", args.folder, len(table), args.output)


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--train", required=True, help="training file: DeepBind _AC.seq(.gz), DeMo FASTA or table")
    p.add_argument("--test", required=True, help="test file (used as given, never for model selection)")
    p.add_argument("-o", "--output", required=True, help="output TSV: id seq label split")
    p.add_argument("--format", choices=("auto", "deepbind", "demo", "table"), default="auto",
                   help="file format (default: sniffed from the first line)")
    p.add_argument("--valid-fraction", type=_fraction, default=0.1, help="of the training data, for validation")
    p.add_argument("--max-train", type=_count, default=0, help="keep the first N training sequences per label")
    p.add_argument("--seed", type=int, default=0)


@command("import-sequences", "labelled train/test files -> sequences.tsv (shuffled negatives, "
                             "validation carved from training)")(_import_args)
def run_import_sequences(args: argparse.Namespace) -> None:
    from deepmotif.data.imports import import_dataset, read_labelled
    from deepmotif.io import atomic_path

    train, test = read_labelled(args.train, args.format), read_labelled(args.test, args.format)
    df = import_dataset(train, test, args.valid_fraction, args.seed, args.max_train, args.train, args.test)
    with atomic_path(args.output) as tmp:
        df.to_csv(tmp, sep="\t", index=False)


# --- train -------------------------------------------------------------------------------------------

def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sequences", help="TSV with columns id seq label split")
    p.add_argument("--arch", required=True, help="registered architecture: cnn, rnn, cnn_rnn, ...")
    p.add_argument("-o", "--out-dir", required=True)
    p.add_argument("--params", type=_json_arg, default={}, help="JSON object of training parameters")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tf", default="", help="TF name recorded in metrics.json")
    p.add_argument("--gpus", type=int, default=0,
                   help="GPUs this job was given: > 0 trains on a GPU and fails at once when torch sees none")


@command("train", "train one architecture; best epoch by validation AUROC; test metrics")(_train_args)
def run_train(args: argparse.Namespace) -> None:
    import os

    # Before torch starts OpenMP: spinning threads crawl when the job shares its cores (LSTMs ~100x).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from deepmotif.models.train import train_model

    train_model(args.sequences, args.arch, args.out_dir, args.params, args.threads, args.tf, args.gpus)


def _summarize_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("metrics", nargs="+", help="metrics.json files")
    p.add_argument("-o", "--output", required=True, help="output TSV")


@command("summarize", "the paper's AUC table across TFs and architectures")(_summarize_args)
def run_summarize(args: argparse.Namespace) -> None:
    from deepmotif.io import atomic_path
    from deepmotif.models.train import summarize_metrics

    table = summarize_metrics(args.metrics)
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")


def _plot_summary_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", help="auc_table.tsv written by 'deepmotif summarize'")
    p.add_argument("--scatter", required=True, help="output figure: one point per TF, --x vs --y")
    p.add_argument("--box", required=True, help="output figure: one box per architecture")
    p.add_argument("--x", required=True, help="architecture on the scatter's horizontal axis")
    p.add_argument("--y", required=True, help="architecture on the scatter's vertical axis")
    p.add_argument("--metric", default="test_auroc", choices=["test_auroc", "test_auprc"])


@command("plot-summary", "figures of the AUC table: architecture scatter and box plot")(_plot_summary_args)
def run_plot_summary(args: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from deepmotif.io import atomic_path
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


# --- interpret ---------------------------------------------------------------------------------------

def _key_path(text: str) -> tuple[str, str]:
    """``KEY=PATH`` (an architecture or a TF and a file) → ``(key, path)``."""
    key, sep, path = text.partition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return key, path


def _bool_arg(text: str) -> bool:
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _interpret_args(p: argparse.ArgumentParser) -> None:
    # Every setting comes from the config (workflow/schemas/config.schema.yaml holds the defaults).
    p.add_argument("model", help="model.ckpt written by deepmotif train")
    p.add_argument("sequences", help="sequences.tsv (id seq label split): test positives are explained")
    p.add_argument("--tf", required=True, help="TF name (recorded in ground_truth.json)")
    p.add_argument("--arch", required=True, help="architecture name (recorded in ground_truth.json)")
    p.add_argument("--positives", help="simulated TFs: positives.tsv (the windows) for the ground-truth check")
    p.add_argument("--planted", help="simulated TFs: planted.tsv of the simulation")
    settings = p.add_argument_group("settings (config section interpret)")
    for name, kind, help in (
            ("n-sequences", int, "test positives shown (ISM)"),
            ("n-evaluate", int, "test positives scored by saliency and temporal scores (0: all)"),
            ("saliency", str, "grad_x_input or loss_grad_x_input"),
            ("temporal", _bool_arg, "true: temporal output scores (architecture in temporal_archs)"),
            ("restarts", int, "class optimization: random starts"),
            ("steps", int, "class optimization: RMSprop steps"),
            ("lr", float, "class optimization: RMSprop learning rate"),
            ("l2", float, "class optimization: weight of the squared L2 norm of the input"),
            ("seed", int, "class optimization: seed of the starts"),
            ("init", str, "class optimization: uniform or onehot starts"),
            ("window", int, "class optimization: bp cut out as motifs"),
            ("filter-threshold", float, "fraction of a filter's maximum activation that makes a site"),
            ("min-sites", int, "filters with fewer sites are not motifs"),
            ("release", str, "JASPAR release bundled with pyjaspar"),
            ("collection", str, "JASPAR collection"),
            ("tax-group", str, "JASPAR taxonomic group, or all"),
            ("top-k", int, "JASPAR hits kept per learned motif"),
            ("max-q", float, "q-value a JASPAR top hit must stay below (ground truth)"),
            ("top", int, "most salient positions per sequence (ground truth)"),
            ("modisco", _bool_arg, "true: TF-MoDISco on the test positives (interpret.modisco.enabled)"),
            ("modisco-method", str, "TF-MoDISco attributions: grad_x_input or deep_lift_shap"),
            ("modisco-n-shuffles", int, "deep_lift_shap: dinucleotide-shuffled references per sequence"),
            ("modisco-n-sequences", int, "TF-MoDISco: first N test positives (0: all)"),
            ("modisco-n-leiden-runs", int, "TF-MoDISco: Leiden restarts per clustering"),
            ("modisco-max-q", float, "q-value below which a pattern's top JASPAR hit is a match")):
        settings.add_argument(f"--{name}", type=kind, required=True, help=help)
    p.add_argument("--threads", type=int, required=True)
    out = p.add_argument_group("outputs")
    for name, help in (("saliency-out", "saliency.npz: ids seqs X_attr (n, 4, length) prob method"),
                       ("ism-out", "ism.npz: ids seqs X_ism (n, 4, length)"),
                       ("temporal-out", "temporal.npz: ids seqs forward backward (n, length); empty if not computed"),
                       ("class-optimization-out", "class_optimization.npz: pwms scores names restart window start end"),
                       ("class-meme-out", "class_optimization.meme: the windows (opt<restart>.w<window>)"),
                       ("filter-meme-out", "filters.meme: filters with enough sites (none without a first convolution)"),
                       ("filter-table-out", "filters.tsv: name n_sites information motif"),
                       ("matches-out", "jaspar_matches.tsv: Tomtom hits of every learned motif"),
                       ("ground-truth-out", "ground_truth.json: the checks against planted motifs")):
        out.add_argument(f"--{name}", required=True, help=help)
    for name, help in (("modisco-out", "modisco.h5: modisco-lite's patterns (with --modisco=true)"),
                       ("modisco-patterns-out", "modisco_patterns.tsv: pattern sign n_seqlets ... match_q sub_matches"),
                       ("modisco-meme-out", "modisco.meme: the trimmed patterns"),
                       ("modisco-distances-out", "modisco_distances.tsv: pattern_a pattern_b distance count")):
        out.add_argument(f"--{name}", help=help)


@command("interpret", "everything the dashboard shows about one model: saliency, ISM, temporal scores, class "
                      "optimization, filter motifs, JASPAR matches, ground truth")(_interpret_args)
def run_interpret(args: argparse.Namespace) -> None:
    import pandas as pd
    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.interpret.interpretation import InterpretSettings, interpret_model, write_interpretation
    from deepmotif.models.predict import load_network

    torch.set_num_threads(args.threads)
    settings = InterpretSettings(
        n_shown=args.n_sequences, n_evaluate=args.n_evaluate, saliency=args.saliency, temporal=args.temporal,
        restarts=args.restarts, steps=args.steps, lr=args.lr, l2=args.l2, seed=args.seed, init=args.init,
        window=args.window, filter_threshold=args.filter_threshold, min_sites=args.min_sites, release=args.release,
        collection=args.collection, tax_group=args.tax_group, top_k=args.top_k, max_q=args.max_q, top=args.top,
        modisco=args.modisco, modisco_method=args.modisco_method, modisco_n_shuffles=args.modisco_n_shuffles,
        modisco_n_sequences=args.modisco_n_sequences, modisco_n_leiden_runs=args.modisco_n_leiden_runs,
        modisco_max_q=args.modisco_max_q)
    modisco_outs = (args.modisco_out, args.modisco_patterns_out, args.modisco_meme_out, args.modisco_distances_out)
    if args.modisco and not all(modisco_outs):
        raise InputError("--modisco=true needs --modisco-out, --modisco-patterns-out, --modisco-meme-out and "
                         "--modisco-distances-out")
    if args.modisco_method not in ("grad_x_input", "deep_lift_shap"):
        raise InputError(f"--modisco-method={args.modisco_method}: use grad_x_input or deep_lift_shap")
    if bool(args.positives) != bool(args.planted):
        raise InputError("--positives and --planted go together (the ground truth of a simulated TF)")
    simulated = {}
    if args.planted:
        simulated = {"positives": pd.read_csv(args.positives, sep="\t", dtype={"id": str, "chrom": str}),
                     "planted": pd.read_csv(args.planted, sep="\t", dtype={"peak": str, "chrom": str})}
    result = interpret_model(load_network(args.model), read_dataset(args.sequences), settings, args.tf, args.arch,
                             source=args.sequences, **simulated)
    write_interpretation(result, {
        "saliency": args.saliency_out, "ism": args.ism_out, "temporal": args.temporal_out,
        "class_optimization": args.class_optimization_out, "class_meme": args.class_meme_out,
        "filter_meme": args.filter_meme_out, "filters": args.filter_table_out, "matches": args.matches_out,
        "ground_truth": args.ground_truth_out, "modisco": args.modisco_out,
        "modisco_patterns": args.modisco_patterns_out, "modisco_meme": args.modisco_meme_out,
        "modisco_distances": args.modisco_distances_out})


def _compile_tomtom_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, help="file written once Tomtom is compiled (a marker)")


@command("compile-tomtom", "compile memelite's Tomtom and modisco-lite's kernels into numba's disk cache once, "
                           "before parallel jobs use them")(_compile_tomtom_args)
def run_compile_tomtom(args: argparse.Namespace) -> None:
    import time

    from deepmotif.interpret.modisco import compile_modisco
    from deepmotif.interpret.motifs import compile_tomtom
    from deepmotif.interpret.numba_cache import compile_lock, machine_dir, share_numba_cache
    from deepmotif.io import atomic_path

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


# --- report ------------------------------------------------------------------------------------------

def _summarize_ground_truth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", nargs="+", help="ground_truth.json files (deepmotif interpret)")
    p.add_argument("-o", "--output", required=True, help="output TSV, one row per TF and architecture")


@command("summarize-ground-truth", "the ground-truth checks of all simulated TFs in one table")(
    _summarize_ground_truth_args)
def run_summarize_ground_truth(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.io import atomic_path

    table = pd.DataFrame([json.loads(Path(p).read_text()) for p in args.reports])
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")


MODEL_FILES = ("metrics", "predictions", "history", "saliency", "ism", "temporal", "class_optimization",
               "class_meme", "filter_meme", "filter_table", "matches")
MODISCO_FILES = ("modisco", "modisco_patterns", "modisco_distances")


def _dashboard_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tf", required=True)
    p.add_argument("--description", required=True, help="shown under the title (may be empty)")
    inputs = p.add_argument_group("inputs: one ARCH=PATH per architecture, in display order")
    for name in MODEL_FILES:
        inputs.add_argument(f"--{name.replace('_', '-')}", nargs="+", type=_key_path, required=True,
                            metavar="ARCH=PATH", help=f"results/{{tf}}/{{arch}}/ file: {name}")
    inputs.add_argument("--ground-truth", nargs="*", type=_key_path, default=[], metavar="ARCH=JSON",
                        help="simulated TFs: ground_truth.json per architecture")
    for name in MODISCO_FILES:
        inputs.add_argument(f"--{name.replace('_', '-')}", nargs="*", type=_key_path, default=[], metavar="ARCH=PATH",
                            help=f"TF-MoDISco: {name} file per architecture (deepmotif interpret)")
    inputs.add_argument("--positives", help="simulated TFs: positives.tsv (windows), marks the planted motifs")
    inputs.add_argument("--planted", help="simulated TFs: planted.tsv")
    variants = p.add_argument_group("variants (optional: a section with the strongest variants)")
    variants.add_argument("--variants", help="results/{tf}/variants.tsv (deepmotif score-variants)")
    variants.add_argument("--variant-ref", nargs="+", type=_key_path, default=[], metavar="ARCH=NPZ",
                          help="REF windows of the strongest variants per architecture (explain-variants)")
    variants.add_argument("--variant-alt", nargs="+", type=_key_path, default=[], metavar="ARCH=NPZ",
                          help="ALT windows, as --variant-ref")
    variants.add_argument("--variant-figures", help="output folder: REF vs ALT saliency and ISM per variant")
    variants.add_argument("--n-variants", type=int, default=10, help="strongest variants listed and drawn")
    settings = p.add_argument_group("settings (config section interpret)")
    settings.add_argument("--n-sequences", type=int, required=True, help="sequences drawn per panel")
    settings.add_argument("--n-filters", type=int, required=True, help="filter logos per model")
    settings.add_argument("--n-restarts", type=int, required=True, help="optimized inputs drawn per model")
    settings.add_argument("--max-q", type=float, required=True, help="q-value below which a hit counts")
    settings.add_argument("--top", type=int, required=True, help="most salient positions (ground truth)")
    settings.add_argument("--pass-rate", type=float, required=True, help="saliency hit rate that passes")
    settings.add_argument("--settings", type=_json_arg, required=True, help="settings shown in the footer (JSON)")
    out = p.add_argument_group("outputs")
    out.add_argument("--performance-out", required=True, help="PNG: ROC and precision-recall curves")
    out.add_argument("--training-out", required=True, help="PNG: training curves")
    for kind in ("saliency", "temporal", "ism"):
        out.add_argument(f"--{kind}-figures", required=True, help=f"folder: {kind} figure per sequence + index.tsv")
    out.add_argument("--motif-figures", nargs="+", type=_key_path, required=True, metavar="ARCH=FOLDER",
                     help="folder per architecture: its motif logos + index.tsv")
    out.add_argument("--index-page", required=True, help="the index page to link back to")
    out.add_argument("-o", "--output", required=True, help="output HTML (self-contained)")


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
    out = TFReportFiles(performance=args.performance_out, training=args.training_out,
                        saliency=args.saliency_figures, temporal=args.temporal_figures, ism=args.ism_figures,
                        motifs=dict(args.motif_figures), dashboard=args.output)
    settings = DashboardSettings(n_sequences=args.n_sequences, n_filters=args.n_filters, n_restarts=args.n_restarts,
                                 max_q=args.max_q, top=args.top, pass_rate=args.pass_rate)
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
    build_tf_report(args.tf, models, out, settings, args.description, args.positives, args.planted, args.settings,
                    index_href=Path(os.path.relpath(args.index_page, Path(args.output).parent)).as_posix(),
                    variants=variants)


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--auc-table", required=True, help="results/summary/auc_table.tsv")
    p.add_argument("--dashboards", nargs="+", type=_key_path, required=True, metavar="TF=HTML",
                   help="dashboard per TF")
    p.add_argument("--ground-truth", help="results/summary/ground_truth.tsv (simulated TFs)")
    p.add_argument("--descriptions", type=_json_arg, required=True, help="JSON object TF → description")
    p.add_argument("--auc-scatter", help="results/summary/auc_scatter.png (shown on the page)")
    p.add_argument("--auc-box", help="results/summary/auc_box.png (shown on the page)")
    p.add_argument("--variants", help="results/summary/variants.tsv (deepmotif summarize-variants)")
    p.add_argument("--variants-ground-truth", help="results/summary/variants_ground_truth.tsv (simulated TFs)")
    p.add_argument("--n-variants", type=int, default=20, help="strongest variants listed")
    p.add_argument("--top", type=int, required=True, help="most salient positions of the ground-truth check")
    p.add_argument("--max-q", type=float, required=True, help="q-value below which a JASPAR hit counts")
    p.add_argument("-o", "--output", required=True, help="output HTML")


@command("index", "the index page: every TF, the AUC table, the ground-truth checks")(_index_args)
def run_index(args: argparse.Namespace) -> None:
    import os

    import pandas as pd

    from deepmotif.report.dashboard import render_index, write_html

    base = Path(args.output).parent
    dashboards = {tf: Path(os.path.relpath(path, base)).as_posix() for tf, path in args.dashboards}
    ground_truth = pd.read_csv(args.ground_truth, sep="\t") if args.ground_truth else None
    variants = (pd.read_csv(args.variants, sep="\t", dtype={"chrom": str, "id": str, "ref": str, "alt": str,
                                                           "tf": str}, keep_default_na=False)
                if args.variants else None)
    variant_truth = pd.read_csv(args.variants_ground_truth, sep="\t") if args.variants_ground_truth else None
    figures = {name: path for name, path in (("auc_scatter", args.auc_scatter), ("auc_box", args.auc_box)) if path}
    write_html(args.output, render_index(pd.read_csv(args.auc_table, sep="\t"), dashboards, args.descriptions,
                                         ground_truth, top=args.top, max_q=args.max_q, figures=figures,
                                         variants=variants, variant_truth=variant_truth,
                                         n_variants=args.n_variants))


# --- use the models: predict sequences, score variants -----------------------------------------------

def _models_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", dest="models", action="extend", nargs="+", default=[], metavar="CKPT",
                   help="model.ckpt files (results/{tf}/{arch}/model.ckpt); several after one --model, or repeated")
    p.add_argument("--tf", default="", help="with --results: every architecture trained for this TF")
    p.add_argument("--results", default="results", help="results folder for --tf (default: results)")
    p.add_argument("--length", type=int, help="model input length for checkpoints that do not record it "
                   "(default 101); must match those that do")
    p.add_argument("--no-rc", dest="rc", action="store_false",
                   help="forward strand only (default: mean of forward and reverse complement)")
    p.add_argument("--batch-size", type=int, default=1024, help="windows per forward pass")
    p.add_argument("--chunk-size", type=int, default=4096, help="records read, scored and written at a time")
    p.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: the GPU when there is one)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads of torch")


def _load_models(args: argparse.Namespace):
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    from deepmotif.predict import find_checkpoints, load_models

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
    p.add_argument("sequences", help="FASTA (.fa/.fasta[.gz]), TSV with columns id seq, or BED/narrowPeak "
                   "(with --genome)")
    p.add_argument("-o", "--output", required=True, help="output TSV: id [chrom start end] length "
                   "{model}_logit {model}_prob ... mean_logit mean_prob")
    p.add_argument("--format", choices=("auto", "fasta", "table", "bed"), default="auto",
                   help="input format (default: from the file name, else the first line)")
    p.add_argument("--genome", help="genome FASTA the BED/narrowPeak intervals refer to")
    p.add_argument("--scan", action="store_true", help="slide the model window along each sequence and report "
                   "the maximum and its 0-based start ({model}_pos); default: the central window")
    p.add_argument("--stride", type=int, default=1, help="--scan step in bp (default 1)")
    _models_args(p)


@command("predict", "score sequences (FASTA, TSV, BED + genome) with trained models")(_predict_args)
def run_predict(args: argparse.Namespace) -> None:
    from deepmotif.predict import predict_file

    models = _load_models(args)
    n = predict_file(args.sequences, models, args.output, args.format, args.genome, args.scan, args.stride,
                     args.rc, args.chunk_size, args.batch_size, args.device)
    log.info("%s: %d sequences scored by %d models → %s", args.sequences, n, len(models), args.output)


def _score_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("vcf", help="VCF, plain or bgzip-compressed (.vcf.gz), sorted (bcftools sort)")
    p.add_argument("--genome", required=True, help="genome FASTA the VCF refers to (pyfaidx; .fai built if missing)")
    p.add_argument("-o", "--output", required=True, help="output TSV: chrom pos id ref alt [INFO] tf arch "
                   "logit_ref logit_alt delta_logit prob_ref prob_alt delta_prob log_odds_ratio")
    p.add_argument("--skipped", help="output TSV of the alleles not scored, with the reason "
                   "(default: OUTPUT with .skipped.tsv)")
    p.add_argument("--info", default="", help="comma-separated INFO keys copied into the output (e.g. CLASS)")
    p.add_argument("--max-allele", type=int, default=50,
                   help="longest REF or ALT change scored, in bp (after trimming shared bases; default 50)")
    p.add_argument("--explain-ref", nargs="+", default=[], metavar="NPZ",
                   help="also explain the strongest variants (as explain-variants, in the same job): output "
                   ".npz of the REF windows, one per model, in order")
    p.add_argument("--explain-alt", nargs="+", default=[], metavar="NPZ",
                   help="with --explain-ref: output .npz of the ALT windows, one per model")
    p.add_argument("--n-explained", type=int, default=10,
                   help="with --explain-ref: strongest variants explained, by mean |delta_logit| over the models")
    _models_args(p)


@command("score-variants", "score VCF variants (ref vs alt window) with trained models")(_score_variants_args)
def run_score_variants(args: argparse.Namespace) -> None:
    from deepmotif.variants import score_vcf

    if len(args.explain_ref) != len(args.explain_alt):
        raise InputError(f"score-variants: {len(args.explain_ref)} --explain-ref and {len(args.explain_alt)} "
                         "--explain-alt files; give one REF and one ALT output per model, in the same order")
    models = _load_models(args)
    out = Path(args.output)
    skipped = args.skipped or str(out.with_name(out.name.removesuffix(".tsv") + ".skipped.tsv"))
    score_vcf(args.vcf, args.genome, models, args.output, skipped, _split_list(args.info), args.max_allele,
              args.rc, args.chunk_size, args.batch_size, args.device,
              list(zip(args.explain_ref, args.explain_alt)), args.n_explained)


def _summarize_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("tables", nargs="+", help="variant tables (deepmotif score-variants) of any TFs")
    p.add_argument("-o", "--output", required=True, help="output TSV: variant × TF, mean over architectures, "
                   "ranked by |delta_logit|")
    p.add_argument("--top", type=int, default=0, help="keep the N strongest (0: all)")


@command("summarize-variants", "variant × TF table across TFs, ranked by effect")(_summarize_variants_args)
def run_summarize_variants(args: argparse.Namespace) -> None:
    from deepmotif.io import atomic_path
    from deepmotif.variants import read_variant_table, summarize_variants

    table = summarize_variants([read_variant_table(t) for t in args.tables], args.top or None)
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    log.info("%d variant × TF rows → %s", len(table), args.output)


def _variants_ground_truth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("tables", nargs="+", help="variant tables of simulated VCFs, scored with --info CLASS,MOTIF")
    p.add_argument("-o", "--output", required=True, help="output TSV: tf arch motif n_break n_create n_neutral "
                   "auroc_break auroc_create sign_accuracy ...")
    p.add_argument("--class-column", default="CLASS")
    p.add_argument("--motif-column", default="MOTIF", help="matrix of each variant (with two or more: a row "
                   "per matrix besides the row 'all')")


@command("variants-ground-truth", "how well Δlogit separates simulated motif-breaking from neutral variants")(
    _variants_ground_truth_args)
def run_variants_ground_truth(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.io import atomic_path
    from deepmotif.variants import read_variant_table, variant_ground_truth

    table = pd.concat([variant_ground_truth(read_variant_table(t), args.class_column, args.motif_column)
                       for t in args.tables], ignore_index=True)
    with atomic_path(args.output) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    log.info("variant ground truth: %d rows (TF × architecture × matrix) → %s", len(table), args.output)


def _explain_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", help="variant table of deepmotif score-variants")
    p.add_argument("--genome", required=True, help="genome FASTA the variants refer to")
    p.add_argument("--model", required=True, nargs="+", metavar="CKPT",
                   help="model.ckpt explained; one: its architecture picks the ranking; several: the mean "
                   "|delta_logit| over their architectures does, and all explain the same variants")
    p.add_argument("--ref", required=True, nargs="+", metavar="NPZ",
                   help="output .npz of the REF windows (saliency + ISM format), one per --model, in order")
    p.add_argument("--alt", required=True, nargs="+", metavar="NPZ", help="output .npz of the ALT windows, one per "
                   "--model")
    p.add_argument("-n", "--n-variants", type=int, default=10, help="strongest variants by |delta_logit|")
    p.add_argument("--length", type=int, help="model input length if the checkpoint does not record it")
    p.add_argument("--threads", type=int, default=1)


@command("explain-variants", "saliency and ISM of the REF and ALT windows of the strongest variants")(
    _explain_variants_args)
def run_explain_variants(args: argparse.Namespace) -> None:
    import torch

    from deepmotif.io import atomic_path
    from deepmotif.predict import load_models
    from deepmotif.variants import (explain_variants, no_windows, read_variant_table, strongest_variants,
                                    write_explanation)

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


def _simulate_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--genome", required=True, help="simulated genome FASTA (deepmotif simulate)")
    p.add_argument("--planted", required=True, help="planted.tsv of the simulation")
    p.add_argument("--motifs", default="", help="JASPAR ids of the planted matrices, comma-separated "
                   "(default: the motif_id column of planted.tsv)")
    p.add_argument("-o", "--output", required=True, help="output VCF (.vcf, or .vcf.gz for bgzip) with INFO "
                   "CLASS=break|create|neutral_far|neutral_flat, MOTIF, PEAK")
    p.add_argument("--n-per-class", type=int, default=100, help="variants per class at most")
    p.add_argument("--far", type=int, default=1000, help="create/neutral_far: bp from every planted site")
    p.add_argument("--length", type=int, default=101, help="model window: variants stay length//2 from the ends")
    p.add_argument("--quantile", type=float, default=0.1,
                   help="a match scores at least this quantile of sites drawn from the matrix")
    p.add_argument("--flat-bits", type=float, default=0.5, help="neutral_flat: information content below this")
    p.add_argument("--flat-delta", type=float, default=0.5,
                   help="neutral_flat: the site's log-odds score changes by at most this many bits")
    p.add_argument("--break-bits", type=float, default=3.0,
                   help="break: the site's log-odds score drops by at least this many bits (and the site "
                   "stops being a match)")
    p.add_argument("--seed", type=int, default=0)


@command("simulate-variants", "ground-truth VCF of a simulated TF: motif-breaking, -creating, neutral SNVs")(
    _simulate_variants_args)
def run_simulate_variants(args: argparse.Namespace) -> None:
    import pandas as pd

    import pyfaidx

    from deepmotif.data.simulate import fetch_jaspar_motif
    from deepmotif.data.simulate_variants import simulate_variants, write_vcf

    planted = pd.read_csv(args.planted, sep="\t", dtype={"peak": str, "chrom": str})
    ids = _split_list(args.motifs) or sorted(planted["motif_id"].unique())
    motifs = {m: fetch_jaspar_motif(m) for m in ids}
    with pyfaidx.Fasta(args.genome, as_raw=True, sequence_always_upper=True) as fasta:
        genome = {name: str(fasta[name][:]) for name in fasta.keys()}
    table = simulate_variants(genome, planted, motifs, args.n_per_class, args.seed, args.far, args.length,
                              args.quantile, args.flat_bits, args.break_bits, args.flat_delta)
    write_vcf(table, {c: len(s) for c, s in genome.items()}, args.output)
    log.info("%s: %d variants (%s) → %s", args.planted, len(table),
             ", ".join(f"{c} {n}" for c, n in table["class"].value_counts().items()), args.output)


# --- motifs across positives (TF-MoDISco) and the grammar benchmark's data ----------------------------

def _simulate_grammar_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--motifs", required=True, help="two JASPAR ids A,B: positives carry A then B")
    p.add_argument("--negatives", default="arrangement",
                   help="spacing, order, orientation, arrangement (grammar) or background, shuffle (controls)")
    p.add_argument("--spacing", type=int, default=5, help="planted gap in bp between A and B")
    p.add_argument("--max-spacing", type=int, default=20)
    p.add_argument("--min-offset", type=int, default=3, help="spacing negatives: bp away from --spacing")
    p.add_argument("--n-positives", type=int, default=1000)
    p.add_argument("--length", type=int, default=101)
    p.add_argument("--valid-fraction", type=float, default=0.1)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="output sequences.tsv: id seq label split")
    p.add_argument("--planted", required=True, help="output TSV: id label motif_id motif_name start end strand")


@command("simulate-grammar", "sequences whose classes differ only in how two JASPAR motifs are arranged")(
    _simulate_grammar_args)
def run_simulate_grammar(args: argparse.Namespace) -> None:
    from deepmotif.data.grammar import grammar_dataset
    from deepmotif.data.simulate import fetch_jaspar_motif
    from deepmotif.io import atomic_path

    motifs = [fetch_jaspar_motif(m) for m in _split_list(args.motifs)]
    dataset, planted = grammar_dataset(motifs, args.n_positives, args.length, args.spacing, args.negatives,
                                       args.max_spacing, args.min_offset, valid_fraction=args.valid_fraction,
                                       test_fraction=args.test_fraction, seed=args.seed)
    with atomic_path(args.planted) as tmp:
        planted.to_csv(tmp, sep="\t", index=False)
    with atomic_path(args.output) as tmp:
        dataset.to_csv(tmp, sep="\t", index=False)
    log.info("grammar %s (%s negatives): %d sequences -> %s", args.motifs, args.negatives, len(dataset),
             args.output)


def _modisco_args(p: argparse.ArgumentParser) -> None:
    from deepmotif.config import schema_default

    def default(key: str) -> str:  # the pipeline's setting (workflow/schemas/config.schema.yaml), one home
        return schema_default(key)

    p.add_argument("model", help="model.ckpt written by deepmotif train")
    p.add_argument("sequences", help="sequences.tsv (id seq label split); the test positives are explained")
    p.add_argument("-o", "--output", required=True, help="output modisco-lite HDF5 (modisco.h5)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--patterns", required=True, help="output TSV: one row per pattern with its JASPAR match")
    p.add_argument("--meme", required=True, help="output MEME file of the patterns (trimmed)")
    p.add_argument("--distances", required=True, help="output TSV: pattern_a pattern_b distance count")
    p.add_argument("--matches", help="output TSV: every Tomtom hit (top-k per pattern, significant or not)")
    p.add_argument("--logos", help="output folder: one logo PNG per pattern + index.tsv")
    p.add_argument("--attributions", help="output .npz: ids seqs X_hyp (n, 4, length) method")
    p.add_argument("--method", choices=("deep_lift_shap", "grad_x_input"), default=default("interpret.modisco.method"),
                   help="hypothetical contributions: DeepLIFT/SHAP (dinucleotide-shuffled references) or "
                        "the base-centred gradient (default: the pipeline's interpret.modisco.method)")
    p.add_argument("--n-shuffles", type=int, default=default("interpret.modisco.n_shuffles"),
                   help="deep_lift_shap references per sequence")
    p.add_argument("-n", "--n-sequences", type=int, default=default("interpret.modisco.n_sequences"),
                   help="first N test positives (0: all)")
    p.add_argument("--window", type=int, default=15, help="modisco sliding window (bp; modisco-lite's default)")
    p.add_argument("--max-seqlets", type=int, default=2000,
                   help="seqlets per metacluster at most (modisco-lite's default)")
    p.add_argument("--max-q", type=float, default=default("interpret.modisco.max_q"),
                   help="a Tomtom hit is a match below this q-value")
    p.add_argument("--release", default=default("interpret.jaspar.release"))
    p.add_argument("--collection", default=default("interpret.jaspar.collection"))
    p.add_argument("--tax-group", default=default("interpret.jaspar.tax_group"),
                   help="JASPAR taxonomic group ('all' for every group)")
    p.add_argument("--top-k", type=int, default=default("interpret.jaspar.top_k"), help="Tomtom hits kept per pattern")
    p.add_argument("--seed", type=int, default=0)


@command("modisco", "TF-MoDISco (modisco-lite) patterns of the test positives' attributions, JASPAR matches")(
    _modisco_args)
def run_modisco(args: argparse.Namespace) -> None:
    import os

    import torch

    from deepmotif.data.dataset import read_dataset
    from deepmotif.data.encoding import one_hot
    from deepmotif.interpret import modisco as md
    from deepmotif.interpret.arrays import save_arrays
    from deepmotif.interpret.interpretation import split_positives
    from deepmotif.interpret.motifs import write_meme
    from deepmotif.io import atomic_path
    from deepmotif.models.predict import load_network

    torch.set_num_threads(args.threads)
    net = load_network(args.model)
    seqs = split_positives(read_dataset(args.sequences), args.n_sequences, source=args.sequences)
    X = torch.from_numpy(one_hot(list(seqs["seq"])))
    X_hyp = md.hypothetical_contributions(net, X, args.method, args.n_shuffles, seed=args.seed)
    if args.attributions:
        save_arrays(args.attributions, ids=seqs["id"], seqs=seqs["seq"], X_hyp=X_hyp.numpy(), method=args.method)
    pos, neg = md.run_modisco(X.numpy(), X_hyp.numpy(), sliding_window_size=args.window,
                              max_seqlets_per_metacluster=args.max_seqlets)
    pwms, names = md.pattern_ppms(pos, neg)
    hits = md.match_patterns(pwms, names, args.release, args.collection,
                             None if args.tax_group == "all" else args.tax_group, args.top_k)
    table = md.pattern_table(pos, neg, hits, args.max_q)
    write_meme(args.meme, pwms, names)
    if args.matches:
        with atomic_path(args.matches) as tmp:
            hits.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    with atomic_path(args.distances) as tmp:
        md.seqlet_distances(pos, neg).to_csv(tmp, sep="\t", index=False)
    with atomic_path(args.patterns) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    if args.logos:
        from deepmotif.report.modisco_figures import write_pattern_logos

        write_pattern_logos(args.logos, pos, neg, table)
    md.save_modisco(args.output, pos, neg, args.window)
    log.info("%s: %s attributions of %d test positives -> %d patterns (%d matched in %s, q < %g) -> %s",
             args.model, args.method, len(seqs), len(table), int((table["match_id"] != "").sum()), args.release,
             args.max_q, os.fspath(args.output))


# --- main --------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = argparse.ArgumentParser(prog="deepmotif", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (add_arguments, run, help) in COMMANDS.items():
        p = sub.add_parser(name, help=help, description=help)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


class Terminated(SystemExit):
    """Raised in the main thread when the process gets ``SIGTERM`` (Snakemake, Slurm cancel or time-out).

    An exception, unlike the default action of the signal, runs every ``finally`` and ``__exit__`` on
    the way out, so atomic writes remove their temporary files and folders.
    """


def _terminate(signum: int, frame) -> None:
    raise Terminated(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``deepmotif``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        args.run(args)
    except InputError as err:
        print(f"deepmotif {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Terminated as stop:
        print(f"deepmotif {args.command}: terminated (SIGTERM); temporary files removed", file=sys.stderr)
        return int(stop.code)
    except KeyboardInterrupt:
        print(f"deepmotif {args.command}: interrupted; temporary files removed", file=sys.stderr)
        return 130
    except OSError as err:  # the system's, not the data's: no room, no permission, a file where a folder goes
        if args.verbose:
            raise
        where = f" {err.filename}" if err.filename else ""
        print(f"deepmotif {args.command}: error:{where}: {err.strerror or err}; check the path, free disk space "
              "and permissions (-v shows the traceback)", file=sys.stderr)
        return 1
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
