"""Training stage: train one architecture, summarize the test metrics of all."""

from __future__ import annotations

import argparse
import logging

from deepmotif.cli import InputPath, OutputPath, command, json_arg, non_negative_int, positive_int

log = logging.getLogger(__name__)


def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sequences", type=InputPath, help="TSV with columns id seq label split")
    p.add_argument("--arch", required=True, help="registered architecture: cnn, rnn, cnn_rnn, ...")
    p.add_argument("-o", "--out-dir", required=True)
    p.add_argument("--params", type=json_arg, default={}, help="JSON object of training parameters")
    p.add_argument("--threads", type=positive_int, default=1)
    p.add_argument("--tf", default="", help="TF name recorded in metrics.json")
    p.add_argument("--gpus", type=non_negative_int, default=0,
                   help="GPUs this job was given: > 0 trains on a GPU and fails at once when torch sees none")


@command("train", "train one architecture; best epoch by validation AUROC; test metrics")(_train_args)
def run_train(args: argparse.Namespace) -> None:
    from deepmotif.models.train import train_model

    train_model(args.sequences, args.arch, args.out_dir, args.params, args.threads, args.tf, args.gpus)


def _summarize_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("metrics", nargs="+", type=InputPath, help="metrics.json files")
    p.add_argument("-o", "--output", type=OutputPath, required=True, help="output TSV")


@command("summarize", "the paper's AUC table across TFs and architectures")(_summarize_args)
def run_summarize(args: argparse.Namespace) -> None:
    from deepmotif.data.tables import write_table
    from deepmotif.models.train import summarize_metrics

    table = summarize_metrics(args.metrics)
    write_table(table, args.output, float_format="%.4f")
