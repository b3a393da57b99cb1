"""Simulations with known truth: genomes with planted motifs, ground-truth variants, motif grammars."""

from __future__ import annotations

import argparse
import logging

from deepmotif.cli import (InputPath, OutputPath, command, fraction, non_negative_float, non_negative_int, number,
                           positive_float, positive_int, probability, seed, split_list)

log = logging.getLogger(__name__)


def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--motifs", required=True, help="JASPAR ids, comma-separated (a composite if several)")
    p.add_argument("--spacing", type=non_negative_int, default=0, help="gap in bp between motifs of a composite")
    p.add_argument("--n-peaks", type=positive_int, default=2000)
    p.add_argument("--n-chroms", type=positive_int, default=10)
    p.add_argument("--chrom-size", type=number(int, 1, True, 250_000_000, True), default=300_000)
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--genome", type=OutputPath, required=True, help="output FASTA (an .fai index is written beside it)")
    p.add_argument("--peaks", type=OutputPath, required=True, help="output narrowPeak (.gz)")
    p.add_argument("--planted", type=OutputPath, required=True, help="output TSV of planted motif positions")


@command("simulate", "synthetic genome + narrowPeak with planted JASPAR motifs (ground truth)")(_simulate_args)
def run_simulate(args: argparse.Namespace) -> None:
    from deepmotif.data.genome import write_fasta
    from deepmotif.data.intervals import write_peaks
    from deepmotif.simulation.genome import simulate_tf
    from deepmotif.data.tables import write_table

    genome, peaks, planted, motifs = simulate_tf(split_list(args.motifs), args.n_peaks, args.spacing,
                                                 args.n_chroms, args.chrom_size, args.seed)
    write_fasta(args.genome, genome)
    write_peaks(peaks, args.peaks)
    write_table(planted, args.planted)
    log.info("simulated %d chromosomes × %d bp, %d peaks with %s", args.n_chroms, args.chrom_size,
             len(peaks), ", ".join(f"{m.motif_id} ({m.name})" for m in motifs))


def _simulate_variants_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--genome", type=InputPath, required=True, help="simulated genome FASTA (deepmotif simulate)")
    p.add_argument("--planted", type=InputPath, required=True, help="planted.tsv of the simulation")
    p.add_argument("--motifs", default="", help="JASPAR ids of the planted matrices, comma-separated "
                   "(default: the motif_id column of planted.tsv)")
    p.add_argument("-o", "--output", type=OutputPath, required=True,
                   help="output VCF (.vcf, or .vcf.gz for bgzip) with INFO "
                   "CLASS=break|create|neutral_far|neutral_flat, MOTIF, PEAK")
    p.add_argument("--n-per-class", type=positive_int, default=100, help="variants per class at most")
    p.add_argument("--far", type=non_negative_int, default=1000, help="create/neutral_far: bp from every planted site")
    p.add_argument("--length", type=positive_int, default=101,
                   help="model window: variants stay length//2 from the ends")
    p.add_argument("--quantile", type=probability, default=0.1,
                   help="a match scores at least this quantile of sites drawn from the matrix")
    p.add_argument("--flat-bits", type=non_negative_float, default=0.5,
                   help="neutral_flat: information content below this")
    p.add_argument("--flat-delta", type=non_negative_float, default=0.5,
                   help="neutral_flat: the site's log-odds score changes by at most this many bits")
    p.add_argument("--break-bits", type=positive_float, default=3.0,
                   help="break: the site's log-odds score drops by at least this many bits (and the site "
                   "stops being a match)")
    p.add_argument("--seed", type=seed, default=0)


@command("simulate-variants", "ground-truth VCF of a simulated TF: motif-breaking, -creating, neutral SNVs")(
    _simulate_variants_args)
def run_simulate_variants(args: argparse.Namespace) -> None:
    from deepmotif.data.genome import open_indexed
    from deepmotif.data.tables import read_planted
    from deepmotif.simulation.genome import fetch_jaspar_motif
    from deepmotif.simulation.variants import simulate_variants, write_vcf

    planted = read_planted(args.planted)
    ids = split_list(args.motifs) or sorted(planted["motif_id"].unique())
    motifs = {m: fetch_jaspar_motif(m) for m in ids}
    with open_indexed(args.genome) as fasta:  # a missing or stale .fai is rebuilt, a broken FASTA refused
        genome = {name: str(fasta[name][:]) for name in fasta.keys()}
    table = simulate_variants(genome, planted, motifs, args.n_per_class, args.seed, args.far, args.length,
                              args.quantile, args.flat_bits, args.break_bits, args.flat_delta)
    write_vcf(table, {c: len(s) for c, s in genome.items()}, args.output)
    log.info("%s: %d variants (%s) → %s", args.planted, len(table),
             ", ".join(f"{c} {n}" for c, n in table["class"].value_counts().items()), args.output)


def _simulate_grammar_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--motifs", required=True, help="two JASPAR ids A,B: positives carry A then B")
    p.add_argument("--negatives", default="arrangement",
                   help="spacing, order, orientation, arrangement (grammar) or background, shuffle (controls)")
    p.add_argument("--spacing", type=non_negative_int, default=5, help="planted gap in bp between A and B")
    p.add_argument("--max-spacing", type=non_negative_int, default=20)
    p.add_argument("--min-offset", type=positive_int, default=3, help="spacing negatives: bp away from --spacing")
    p.add_argument("--n-positives", type=positive_int, default=1000)
    p.add_argument("--length", type=positive_int, default=101)
    p.add_argument("--valid-fraction", type=fraction, default=0.1)
    p.add_argument("--test-fraction", type=fraction, default=0.2)
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output sequences.tsv: id seq label split")
    p.add_argument("--planted", type=OutputPath, required=True,
                   help="output TSV: id label motif_id motif_name start end strand")


@command("simulate-grammar", "sequences whose classes differ only in how two JASPAR motifs are arranged")(
    _simulate_grammar_args)
def run_simulate_grammar(args: argparse.Namespace) -> None:
    from deepmotif.simulation.grammar import grammar_dataset
    from deepmotif.simulation.genome import fetch_jaspar_motif
    from deepmotif.data.tables import write_table

    motifs = [fetch_jaspar_motif(m) for m in split_list(args.motifs)]
    dataset, planted = grammar_dataset(motifs, args.n_positives, args.length, args.spacing, args.negatives,
                                       args.max_spacing, args.min_offset, valid_fraction=args.valid_fraction,
                                       test_fraction=args.test_fraction, seed=args.seed)
    write_table(planted, args.planted)
    write_table(dataset, args.output)
    log.info("grammar %s (%s negatives): %d sequences -> %s", args.motifs, args.negatives, len(dataset),
             args.output)
