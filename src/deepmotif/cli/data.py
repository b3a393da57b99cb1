"""Data stage: download, filter, extract and import sequences; build the labelled datasets."""

from __future__ import annotations

import argparse
import json
import logging

from deepmotif.cli import (InputPath, OutputPath, command, fraction, non_negative_int, positive_float,
                           positive_int, seconds, seed, split_list)
from deepmotif.errors import InputError

log = logging.getLogger(__name__)


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("peaks", type=InputPath, help="narrowPeak or BED file (.gz or plain); BED summits are midpoints")
    p.add_argument("fasta", type=InputPath, help="genome FASTA (indexed or indexable)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV: id chrom start end seq")
    p.add_argument("--length", type=positive_int, default=101)
    p.add_argument("--max-peaks", type=non_negative_int, default=0, help="keep the N strongest peaks (0: all)")


@command("extract", "summit-centred sequences of the strongest peaks (pyfaidx)")(_extract_args)
def run_extract(args: argparse.Namespace) -> None:
    from deepmotif.data.intervals import read_peaks
    from deepmotif.data.peaks import peak_sequences
    from deepmotif.data.tables import write_table

    peaks = read_peaks(args.peaks)
    seqs = peak_sequences(peaks, args.fasta, args.length, args.max_peaks or None, args.peaks)
    write_table(seqs, args.output)
    log.info("%s: %d of %d peaks → %d-bp sequences in %s", args.peaks, len(seqs), len(peaks),
             args.length, args.output)


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("positives", type=InputPath, help="TSV with columns id seq (and chrom for a chromosome split)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV: id seq label split")
    p.add_argument("--valid-chroms", default="", help="comma-separated held-out validation chromosomes")
    p.add_argument("--test-chroms", default="", help="comma-separated held-out test chromosomes")
    p.add_argument("--valid-fraction", type=fraction, default=0.1, help="random split when no chromosomes")
    p.add_argument("--test-fraction", type=fraction, default=0.1)
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--negatives", choices=("shuffle", "gc_matched"), default="shuffle",
                   help="dinucleotide shuffles (default) or GC-matched genomic background outside all peaks")
    p.add_argument("--fasta", type=InputPath, help="gc_matched: the genome FASTA of the positives")
    p.add_argument("--peaks", type=InputPath,
                   help="gc_matched: every peak of the TF (narrowPeak/BED), excluded from background")
    p.add_argument("--exclude", action="append", default=[], help="gc_matched: more BED regions to avoid "
                   "(e.g. the blacklist); repeatable")
    p.add_argument("--gc-bins", type=positive_int, default=20, help="gc_matched: equal-width GC bins")


@command("build-dataset", "add negatives (shuffled or GC-matched) and split train/valid/test")(_dataset_args)
def run_build_dataset(args: argparse.Namespace) -> None:
    from deepmotif.data.dataset import build_dataset_from_files
    from deepmotif.data.tables import write_table

    df = build_dataset_from_files(args.positives, args.negatives, split_list(args.valid_chroms),
                                  split_list(args.test_chroms), args.valid_fraction, args.test_fraction,
                                  args.seed, args.fasta, args.peaks, args.exclude, args.gc_bins)
    write_table(df, args.output)


def _download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retries", type=non_negative_int, default=4, help="extra attempts after transient failures")
    p.add_argument("--backoff", type=seconds, default=1.0, help="seconds before the first retry (doubles)")
    p.add_argument("--timeout", type=positive_float, default=60.0, help="socket time-out in seconds")


def _download_kwargs(args: argparse.Namespace) -> dict:
    return {"retries": args.retries, "backoff": args.backoff, "timeout": args.timeout}


def _fetch_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", nargs="+", help="http(s)/ftp/file URL or a local path; several: one --output each")
    p.add_argument("-o", "--output", type=OutputPath, action="append", required=True,
                   help="destination file (written only when verified); repeated: one per URL, in order (if "
                        "one fails, the files this command wrote are removed)")
    p.add_argument("--md5", help="expected md5 of the file (one URL)")
    p.add_argument("--sha256", help="expected sha256 of the file (one URL)")
    p.add_argument("--part-dir", help="keep unfinished downloads (.part) in this folder instead "
                   "of beside the output, so that a rerun resumes them even after the output's folder is removed")
    _download_args(p)


@command("fetch", "download files atomically, with retries, resume and checksum")(_fetch_args)
def run_fetch(args: argparse.Namespace) -> None:
    from deepmotif.data.http import download_all

    if len(args.url) != len(args.output):
        raise InputError(f"fetch: {len(args.url)} URLs but {len(args.output)} --output paths; give one "
                         "--output path per URL, in the same order")
    if len(args.url) > 1 and (args.md5 or args.sha256):
        raise InputError("fetch: --md5/--sha256 check one file; fetch a file with a checksum on its own")
    download_all(zip(args.url, args.output), md5=args.md5, sha256=args.sha256, part_dir=args.part_dir,
                 **_download_kwargs(args))


def _fetch_peaks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("accession", help="ENCODE file accession of a narrowPeak file, e.g. ENCFF618VMC")
    p.add_argument("--genome", required=True, help="assembly the peaks must be on (hg38 = GRCh38, ...)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="destination .bed.gz")
    p.add_argument("--metadata", type=OutputPath, required=True,
                   help="output JSON: the portal's metadata + n_peaks, url")
    p.add_argument("--base-url", default="https://www.encodeproject.org", help="ENCODE portal root")
    _download_args(p)


@command("fetch-peaks", "download an ENCODE narrowPeak file by accession (assembly + md5 checked)")(
    _fetch_peaks_args)
def run_fetch_peaks(args: argparse.Namespace) -> None:
    from deepmotif.data.encode import download_encode_peaks
    from deepmotif.data.io import atomic_path

    meta = download_encode_peaks(args.accession, args.genome, args.output, args.base_url,
                                 **_download_kwargs(args))
    with atomic_path(args.metadata) as tmp:
        tmp.write_text(json.dumps({"requested": args.accession, "genome": args.genome, **meta}, indent=2))


def _fetch_genome_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="genome FASTA (.fa.gz or .fa): URL or local path")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="uncompressed FASTA; its .fai is written beside it")
    p.add_argument("--md5", help="expected md5 of the file as served")
    _download_args(p)


@command("fetch-genome", "download (or copy) a genome FASTA, decompress it and index it (.fai)")(
    _fetch_genome_args)
def run_fetch_genome(args: argparse.Namespace) -> None:
    from deepmotif.data.genome import download_genome

    download_genome(args.url, args.output, md5=args.md5, **_download_kwargs(args))


def _filter_peaks_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("peaks", type=InputPath, help="narrowPeak or BED file")
    p.add_argument("--blacklist", type=InputPath, required=True, help="BED of excluded regions (ENCODE blacklist)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output narrowPeak (.gz)")


@command("filter-peaks", "drop peaks overlapping blacklisted regions")(_filter_peaks_args)
def run_filter_peaks(args: argparse.Namespace) -> None:
    from deepmotif.data.intervals import filter_blacklist, read_bed, read_peaks, write_peaks

    write_peaks(filter_blacklist(read_peaks(args.peaks), read_bed(args.blacklist, allow_empty=True), args.peaks),
                args.output)


def _extract_archive_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("archive", type=InputPath, help=".tar(.gz/.bz2/.xz) archive")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="directory to create (must not exist or be empty)")


@command("extract-archive", "unpack a dataset archive safely (no absolute paths, '..', outside links)")(
    _extract_archive_args)
def run_extract_archive(args: argparse.Namespace) -> None:
    from deepmotif.data.archive import safe_extract_tar

    safe_extract_tar(args.archive, args.output)


def _list_datasets_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=InputPath,
                   help="extracted archive (<name>/train.fa + test.fa, or DeepBind _AC/_B pairs)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV: name train test")
    p.add_argument("--exclude", default="ALL", help="comma-separated name prefixes to skip (default ALL)")
    p.add_argument("--include", default="", help="comma-separated names to keep (default: all)")


@command("list-datasets", "the train/test datasets inside a folder, one row each")(_list_datasets_args)
def run_list_datasets(args: argparse.Namespace) -> None:
    import pandas as pd

    from deepmotif.data.archive import select_datasets
    from deepmotif.data.tables import write_table

    datasets = select_datasets(args.folder, tuple(split_list(args.exclude)), tuple(split_list(args.include)))
    table = pd.DataFrame(datasets, columns=["name", "train", "test"])
    write_table(table, args.output)
    log.info("%s: %d datasets -> %s", args.folder, len(table), args.output)


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--train", type=InputPath, required=True,
                   help="training file: DeepBind _AC.seq(.gz), DeMo FASTA or table")
    p.add_argument("--test", type=InputPath, required=True, help="test file (used as given, never for model selection)")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV: id seq label split")
    p.add_argument("--format", choices=("auto", "deepbind", "demo", "table"), default="auto",
                   help="file format (default: sniffed from the first line)")
    p.add_argument("--valid-fraction", type=fraction, default=0.1, help="of the training data, for validation")
    p.add_argument("--max-train", type=non_negative_int, default=0,
                   help="keep the first N training sequences per label")
    p.add_argument("--seed", type=seed, default=0)


@command("import-sequences", "labelled train/test files -> sequences.tsv (shuffled negatives, "
                             "validation carved from training)")(_import_args)
def run_import_sequences(args: argparse.Namespace) -> None:
    from deepmotif.data.imports import import_dataset, read_labelled
    from deepmotif.data.tables import write_table

    train, test = read_labelled(args.train, args.format), read_labelled(args.test, args.format)
    df = import_dataset(train, test, args.valid_fraction, args.seed, args.max_train, args.train, args.test)
    write_table(df, args.output)
