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
import sys
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


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


# --- data --------------------------------------------------------------------------------------------

def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--motifs", required=True, help="JASPAR ids, comma-separated (a composite if several)")
    p.add_argument("--spacing", type=int, default=0, help="gap in bp between motifs of a composite")
    p.add_argument("--n-peaks", type=int, default=2000)
    p.add_argument("--n-chroms", type=int, default=10)
    p.add_argument("--chrom-size", type=int, default=300_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--genome", required=True, help="output FASTA (an .fai index is written beside it)")
    p.add_argument("--peaks", required=True, help="output narrowPeak (.gz)")
    p.add_argument("--planted", required=True, help="output TSV of planted motif positions")


@command("simulate", "synthetic genome + narrowPeak with planted JASPAR motifs (ground truth)")(_simulate_args)
def run_simulate(args: argparse.Namespace) -> None:
    from deepmotif.data.fasta import write_fasta
    from deepmotif.data.simulate import fetch_jaspar_motif, plant_peaks, simulate_genome
    from deepmotif.io import atomic_path

    motifs = [fetch_jaspar_motif(m.strip()) for m in args.motifs.split(",") if m.strip()]
    genome = simulate_genome(args.n_chroms, args.chrom_size, args.seed)
    genome, peaks, planted = plant_peaks(genome, motifs, args.n_peaks, args.spacing, seed=args.seed + 1)
    write_fasta(args.genome, genome)
    with atomic_path(args.peaks) as tmp:
        peaks.to_csv(tmp, sep="\t", header=False, index=False,
                     compression="gzip" if args.peaks.endswith(".gz") else None)
    with atomic_path(args.planted) as tmp:
        planted.to_csv(tmp, sep="\t", index=False)
    log.info("simulated %d chromosomes × %d bp, %d peaks with %s", args.n_chroms, args.chrom_size,
             len(peaks), ", ".join(f"{m.motif_id} ({m.name})" for m in motifs))


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("peaks", help="narrowPeak file (.gz or plain)")
    p.add_argument("fasta", help="genome FASTA (indexed or indexable)")
    p.add_argument("-o", "--output", required=True, help="output TSV: id chrom start end seq")
    p.add_argument("--length", type=int, default=101)
    p.add_argument("--max-peaks", type=int, default=0, help="keep the N strongest peaks (0: all)")


@command("extract", "summit-centred sequences of the strongest peaks (bedtools getfasta)")(_extract_args)
def run_extract(args: argparse.Namespace) -> None:
    from deepmotif.data.peaks import peak_sequences
    from deepmotif.data.readers import read_narrowpeak
    from deepmotif.io import atomic_path

    peaks = read_narrowpeak(args.peaks)
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
    p.add_argument("--valid-fraction", type=float, default=0.1, help="random split when no chromosomes")
    p.add_argument("--test-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)


@command("build-dataset", "add dinucleotide-shuffled negatives and split train/valid/test")(_dataset_args)
def run_build_dataset(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.dataset import build_dataset
    from deepmotif.io import atomic_path

    positives = pd.read_csv(args.positives, sep="\t", dtype={"id": str, "chrom": str, "seq": str})
    df = build_dataset(positives, _split_list(args.valid_chroms), _split_list(args.test_chroms),
                       args.valid_fraction, args.test_fraction, args.seed)
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


@command("train", "train one architecture; best epoch by validation AUROC; test metrics")(_train_args)
def run_train(args: argparse.Namespace) -> None:
    from deepmotif.models.train import train_model

    train_model(args.sequences, args.arch, args.out_dir, args.params, args.threads, args.tf)


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


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``deepmotif``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        args.run(args)
    except InputError as err:
        print(f"deepmotif {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
