"""Test AUROC of every architecture on the 10 DeepBind ENCODE experiments, two training settings.

For each experiment ``<name>``: training positives ``<name>_AC.seq.gz`` (the strongest ``--max-train``
peaks) + one dinucleotide shuffle each, 10 % of them held out for validation (model selection and
early stopping), test set ``<name>_B.seq.gz`` exactly as given (labelled, never seen in training).
Datasets are built with :func:`deepmotif.data.imports.import_dataset`, as the pipeline does.

Settings
    defaults  ``config/config.yaml`` (training.default updated by training.<arch>), as the pipeline trains
    faithful  the same with ``config/authors_training.yaml`` merged over it: Adam lr 1e-2 halved every 10
              epochs, batch 256, gradient clip 5, dropout 0.5, the paper's sizes, biLSTMs mean-pooled,
              no augmentation (the authors trained 50 epochs)

Both settings are capped at ``--max-epochs`` (20) with patience at most ``--max-patience`` (5), the
budget of 2 CPU cores; each run's ``epochs`` and ``best_epoch`` show whether the cap bit.

Every finished (setting, arch, experiment) is appended to the JSON at once (atomic rewrite), and each
training keeps its checkpoints in ``--work``, so a killed benchmark resumes where it stopped::

    nohup python benchmarks/deepbind_accuracy.py --jobs 2 > /tmp/deepbind_accuracy.log 2>&1 &

The data stay in ``--data``; datasets and models go to ``--work`` (outside the repository).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("/work/shared/data/deepbind_encode")
SETTINGS = {  # config overlays merged over config/config.yaml, as `snakemake --configfile a b` does
    "defaults": [],
    "faithful": ["config/authors_training.yaml"],
}
log = logging.getLogger("deepbind_accuracy")


def experiments(data: Path) -> list[str]:
    """Names ``<name>`` with both ``<name>_AC.seq.gz`` and ``<name>_B.seq.gz`` in ``data``."""
    names = sorted(p.name[:-len("_AC.seq.gz")] for p in data.glob("*_AC.seq.gz"))
    return [n for n in names if (data / f"{n}_B.seq.gz").exists()]


def setting_params(setting: str, arch: str, max_epochs: int = 20, max_patience: int = 5) -> dict:
    """Training parameters of ``arch`` as the pipeline computes them (:meth:`Plan.training_params`) from
    config/config.yaml with the setting's overlays merged over it; epochs and patience capped."""
    from deepmotif.plan import Plan

    files = [ROOT / "config" / "config.yaml", *(ROOT / overlay for overlay in SETTINGS[setting])]
    params = Plan.from_files(*files, base_dir=ROOT).training_params(arch)
    params["max_epochs"] = min(params.get("max_epochs", max_epochs), max_epochs)
    params["patience"] = min(params.get("patience", max_patience), max_patience)
    return params


def build_sequences(name: str, data: Path, work: Path, max_train: int, seed: int = 0,
                    out: Path | None = None) -> Path:
    """``out`` (default ``work/<name>/sequences.tsv``), built once as the pipeline imports a DeepBind
    experiment; ``seed`` draws the validation split and the dinucleotide shuffles."""
    from deepmotif.data.imports import import_dataset, read_labelled
    from deepmotif.data.io import atomic_path

    out = out or work / name / "sequences.tsv"
    if not out.exists():
        train = read_labelled(data / f"{name}_AC.seq.gz")
        test = read_labelled(data / f"{name}_B.seq.gz")
        df = import_dataset(train, test, valid_fraction=0.1, seed=seed, max_train=max_train)
        with atomic_path(out) as tmp:
            df.to_csv(tmp, sep="\t", index=False)
    return out


def run_one(setting: str, arch: str, name: str, sequences: str, params: dict, work: str, threads: int) -> dict:
    """Train one model (in a worker process); the metrics with the setting's name."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format=f"%(asctime)s {setting}/{arch}/{name[:12]} %(message)s")
    from deepmotif.models.train import train_model

    out_dir = Path(work) / name / f"{setting}.{arch}"
    metrics = train_model(sequences, arch, out_dir, params, threads=threads, tf=name)
    return {"setting": setting, "experiment": name, **metrics, "params": params}


def summarize(rows: list[dict]) -> dict:
    """Mean and median test AUROC per (setting, arch)."""
    out: dict = {}
    for row in rows:
        out.setdefault(row["setting"], {}).setdefault(row["arch"], []).append(row["test_auroc"])
    return {s: {a: {"n": len(v), "mean": round(float(np.mean(v)), 4), "median": round(float(np.median(v)), 4)}
                for a, v in archs.items()} for s, archs in out.items()}


def write(path: Path, header: dict, rows: list[dict]) -> None:
    from deepmotif.data.io import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({**header, "summary": summarize(rows), "runs": rows}, indent=1))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--work", type=Path, default=Path("/tmp/deepmotif_deepbind"))
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks/results/deepbind_accuracy.json")
    p.add_argument("--settings", default="defaults,faithful")
    p.add_argument("--archs", default="cnn,rnn,cnn_rnn,dilated_cnn")
    p.add_argument("--experiments", default="", help="comma-separated names (default: all)")
    p.add_argument("--max-train", type=int, default=10000, help="strongest N training positives (0: all)")
    p.add_argument("--max-epochs", type=int, default=20,
                   help="cap on every setting's max_epochs (the authors trained 50; the config's rnn 50)")
    p.add_argument("--max-patience", type=int, default=5, help="cap on every setting's patience")
    p.add_argument("--jobs", type=int, default=2, help="models trained at once")
    p.add_argument("--threads", type=int, default=1, help="torch threads per model")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    names = [n for n in experiments(args.data) if not args.experiments or n in args.experiments.split(",")]
    rows = json.loads(args.output.read_text())["runs"] if args.output.exists() else []
    done = {(r["setting"], r["arch"], r["experiment"]) for r in rows}
    header = {"benchmark": "deepbind_accuracy", "date": time.strftime("%Y-%m-%d"),
              "machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
                         f"{os.cpu_count()} CPUs", "max_train": args.max_train,
              "max_epochs_cap": args.max_epochs, "patience_cap": args.max_patience,
              "threads_per_model": args.threads, "jobs": args.jobs}
    sequences = {n: build_sequences(n, args.data, args.work, args.max_train) for n in names}
    # the paper's three architectures in both settings first, the dilated CNN (ours, defaults only) last
    order = [(s, a) for s in args.settings.split(",") for a in args.archs.split(",")
             if not (s == "faithful" and a not in ("cnn", "rnn", "cnn_rnn"))]
    order.sort(key=lambda sa: sa[1] == "dilated_cnn")
    todo = [(s, a, n) for s, a in order for n in names if (s, a, n) not in done]
    log.info("%d models to train (%d done already)", len(todo), len(done))
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_one, s, a, n, str(sequences[n]),
                               setting_params(s, a, args.max_epochs, args.max_patience),
                               str(args.work), args.threads): (s, a, n) for s, a, n in todo}
        for future in as_completed(futures):
            row = future.result()
            rows.append(row)
            write(args.output, header, rows)
            log.info("%s %s %s: test AUROC %.4f (%d epochs, %.0f s)", *futures[future], row["test_auroc"],
                     row["epochs"], row["seconds"])
    write(args.output, header, rows)
    for setting, archs in summarize(rows).items():
        for arch, s in archs.items():
            log.info("%-8s %-11s n=%d mean %.4f median %.4f", setting, arch, s["n"], s["mean"], s["median"])


if __name__ == "__main__":
    main()
