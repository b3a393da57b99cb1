"""Ground truth of ``deepmotif cooperativity``: the motif interactions of models trained on the grammar benchmark.

On ``grammar_order`` (``benchmarks/grammar.yaml``: positives carry motif A = TAL1::TCF3, then B = GATA1 5 bp
after it; negatives B then A, same gap) only the order separates the classes, so a model that separates them
must read A and B together, at the planted gap; on ``control_shuffle`` (negatives are dinucleotide shuffles) one
motif suffices. For each model of :data:`MODELS` (trained as ``benchmarks/grammar.py`` trains it, into the same
work folder, so its models are reused; missing ones are trained here, one thread each), the pipeline's
cooperativity measurement (config defaults: :func:`deepmotif.interpret.cooperativity.measure_model`) with A and B
the planted JASPAR matrices::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/cooperativity.py > /tmp/cooperativity.log 2>&1

Writes ``benchmarks/results/cooperativity.json`` (per model: test AUROC, the strongest interaction, the
interaction at the planted gap in each arrangement, CPU seconds of the measurement, load averages) and each
model's table beside it (``cooperativity_<tf>.<setting>.tsv``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
log = logging.getLogger("cooperativity")

# (tf, setting, arch, training overrides of the pipeline's parameters): the grammar benchmark's names
MODELS = (("grammar_order", "cnn_long", "cnn", {"max_epochs": 40, "patience": 10}),
          ("grammar_order", "cnn_rnn", "cnn_rnn", {}),
          ("control_shuffle", "cnn", "cnn", {}))


def measure(tf: str, setting: str, arch: str, overrides: dict, config: dict, work: Path, seed: int = 0) -> tuple:
    """Train the model if it is missing, then measure it; ``(summary dict, table)``."""
    import pandas as pd
    import torch

    from grammar import build_sequences, training_params

    from deepmotif.data.dataset import read_dataset
    from deepmotif.interpret import cooperativity as co
    from deepmotif.models.inference import load_network
    from deepmotif.models.train import train_model
    from deepmotif.plan import Plan

    torch.set_num_threads(1)
    sequences = build_sequences(tf, config["tfs"][tf], seed, config, work)
    out = work / tf / f"seed{seed}" / f"{setting}.{arch}"
    params = training_params(arch, config["max_epochs_cap"], overrides)
    if not (out / "metrics.json").exists():
        log.info("training %s %s", tf, setting)
        train_model(sequences, arch, out, {**params, "seed": seed}, threads=1, tf=tf)
    metrics = json.loads((out / "metrics.json").read_text())
    section = Plan.from_files(ROOT / "config" / "config.yaml", base_dir=ROOT).cooperativity
    settings = co.CooperativitySettings(**{**{k: v for k, v in section.items() if k != "enabled"},
                                           "motifs": tuple(config["motifs"])})
    start = time.process_time()
    table = co.measure_model(load_network(out / "model.ckpt"), read_dataset(str(sequences)), settings)
    cpu = time.process_time() - start
    at_gap = table[table["spacing"] == config["spacing"]].set_index("arrangement")
    summary = {"tf": tf, "setting": setting, "arch": arch, "seed": seed, "test_auroc": metrics["test_auroc"],
               "epochs": metrics["epochs"], "params": params, "strongest": co.strongest_interaction(table),
               "n_significant": int(table["significant"].sum()), "planted_gap": config["spacing"],
               "at_planted_gap": {a: {"interaction": round(float(r.interaction), 3), "q_value": float(r.q_value),
                                      "null_mean": round(float(r.null_mean), 3)} for a, r in at_gap.iterrows()},
               "cpu_seconds": round(cpu, 1), "loadavg": [round(x, 2) for x in os.getloadavg()]}
    return summary, table.assign(tf=tf, arch=setting)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=ROOT / "benchmarks" / "grammar.yaml")
    p.add_argument("--work", type=Path, default=Path("/tmp/deepmotif_grammar"), help="benchmarks/grammar.py's")
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks/results/cooperativity.json")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from deepmotif.data.io import atomic_path

    config = yaml.safe_load(args.config.read_text())
    rows = []
    for tf, setting, arch, overrides in MODELS:
        summary, table = measure(tf, setting, arch, overrides, config, args.work)
        rows.append(summary)
        log.info("%s", json.dumps(summary))
        with atomic_path(args.output.with_name(f"cooperativity_{tf}.{setting}.tsv")) as tmp:
            table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
        with atomic_path(args.output) as tmp:
            tmp.write_text(json.dumps({"benchmark": "cooperativity", "date": time.strftime("%Y-%m-%d %H:%M"),
                                       "machine": f"{os.cpu_count()} CPUs, shared", "models": rows}, indent=1))


if __name__ == "__main__":
    main()
