"""Does an architecture capture how two motifs are arranged? Test AUROC on the grammar benchmark.

For every TF of ``benchmarks/grammar.yaml`` (grammar TFs: only the arrangement of motifs A and B separates
the classes; controls: one motif suffices) and every seed, a dataset is simulated with
:func:`deepmotif.simulation.grammar.grammar_dataset` (the seed draws the data and the initialization) and
every architecture is trained with :func:`deepmotif.models.train.train_model`, the pipeline's entry
point, with the pipeline's training parameters (``config/config.yaml``, epochs capped). Then the
variants of the config. Every finished run is appended to the JSON at once (atomic rewrite); a
rerun skips runs already in it::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/grammar.py --jobs 2 > /tmp/grammar.log 2>&1

Writes ``benchmarks/results/grammar.json`` (runs, load averages, the table) and prints the table:
test AUROC mean ± sd over seeds per architecture × TF. ``--checks`` afterwards adds ground-truth checks
of the seed-0 models (:mod:`deepmotif.simulation.grammar_checks`) to the JSON under ``checks``.
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
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("grammar")


def training_params(arch: str, max_epochs_cap: int, overrides: dict | None = None) -> dict:
    """The pipeline's parameters of ``arch`` (:meth:`Plan.training_params` of config/config.yaml), then
    ``overrides`` (``net`` merged key by key); ``max_epochs`` capped unless an override sets it."""
    from deepmotif.plan import Plan

    params = Plan.from_files(ROOT / "config" / "config.yaml", base_dir=ROOT).training_params(arch)
    params["max_epochs"] = min(params.get("max_epochs", max_epochs_cap), max_epochs_cap)
    for key, value in (overrides or {}).items():
        params[key] = {**params.get(key, {}), **value} if key == "net" else value
    return params


def build_sequences(tf: str, negatives: str, seed: int, config: dict, work: Path) -> Path:
    """``work/<tf>/seed<seed>/sequences.tsv`` and ``planted.tsv`` (built once)."""
    from deepmotif.simulation.grammar import grammar_dataset
    from deepmotif.simulation.genome import fetch_jaspar_motif
    from deepmotif.data.io import atomic_path

    out = work / tf / f"seed{seed}" / "sequences.tsv"
    if not out.exists():
        motifs = [fetch_jaspar_motif(m) for m in config["motifs"]]
        dataset, planted = grammar_dataset(
            motifs, config["n_positives"], config["length"], config["spacing"], negatives,
            config["max_spacing"], config["min_offset"], valid_fraction=config["valid_fraction"],
            test_fraction=config["test_fraction"], seed=seed)
        with atomic_path(out.with_name("planted.tsv")) as tmp:
            planted.to_csv(tmp, sep="\t", index=False)
        with atomic_path(out) as tmp:
            dataset.to_csv(tmp, sep="\t", index=False)
    return out


def run_one(setting: str, arch: str, tf: str, seed: int, sequences: str, params: dict, work: str) -> dict:
    """Train one model (in a worker process); its metrics with the run's keys."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format=f"%(asctime)s {setting}/{arch}/{tf}/{seed} %(message)s")
    from deepmotif.models.train import train_model

    out_dir = Path(work) / tf / f"seed{seed}" / f"{setting}.{arch}"
    metrics = train_model(sequences, arch, out_dir, {**params, "seed": seed}, threads=1, tf=tf)
    return {"setting": setting, "seed": seed, **metrics, "params": params,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()]}


def check_model(model: str, sequences: str, planted: str, config: dict, n: int = 200, seed: int = 0) -> dict:
    """Ground-truth checks of one trained model on its test positives (the correctly classified ones):
    attribution metrics with chance (gradient x input), temporal switch after the second motif, and the
    share of class-optimized inputs (8 restarts, 500 steps, one-hot starts) in the planted arrangement."""
    import pandas as pd
    import torch

    from deepmotif.data.encoding import one_hot
    from deepmotif.simulation.genome import fetch_jaspar_motif
    from deepmotif.interpret import optimize_class_input, saliency_map, temporal_scores
    from deepmotif.simulation import grammar_checks as gc
    from deepmotif.simulation.groundtruth import site_mask
    from deepmotif.data.dataset import read_dataset
    from deepmotif.interpret.interpretation import split_positives
    from deepmotif.models.inference import load_network, predict_proba

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    net = load_network(model)
    seqs = split_positives(read_dataset(sequences), n, source=sequences)
    X = torch.from_numpy(one_hot(list(seqs["seq"])))
    correct = predict_proba(net, X) > 0.5
    ids = seqs["id"][correct].tolist()
    X = X[torch.from_numpy(correct)]
    sites = pd.read_csv(planted, sep="\t", dtype={"id": str})
    out: dict = {"n_correct_positives": len(ids), "n_test_positives": int(len(correct))}
    if ids:
        mask = site_mask(ids, sites, X.shape[-1])
        out.update(gc.headline_metrics(gc.attribution_vs_mask(saliency_map(net, X).numpy(), mask, top=10)))
        forward, backward = temporal_scores(net, X)
        temporal = gc.temporal_grammar_check(forward.numpy(), backward.numpy(), ids, sites)
        out.update({f"temporal_{k}": float(temporal[k].mean()) for k in
                    ("forward_ok", "backward_ok", "forward_first", "backward_first")})
    pwms, scores = optimize_class_input(net, X.shape[-1], 8, 500, seed=seed, init="onehot")
    motifs = [fetch_jaspar_motif(m).pwm for m in config["motifs"]]
    share = gc.arrangement_share(pwms.numpy(), motifs[0], motifs[1], config["spacing"])
    out.update({"optimized_both": float(share["both"].mean()), "optimized_arranged": float(share["arranged"].mean()),
                "optimized_gaps": share["gaps"].tolist(), "optimized_p": [round(float(p), 3) for p in scores]})
    return out


def run_checks(setting: str, arch: str, tf: str, seed: int, work: str, config: dict) -> dict:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format=f"%(asctime)s checks {setting}/{arch}/{tf}/{seed} %(message)s")
    folder = Path(work) / tf / f"seed{seed}"
    model = folder / f"{setting}.{arch}" / "model.ckpt"
    checks = check_model(str(model), str(folder / "sequences.tsv"), str(folder / "planted.tsv"), config)
    return {"setting": setting, "arch": arch, "tf": tf, "seed": seed, **checks}


def table(rows: list[dict]) -> dict:
    """Test AUROC mean, sd (ddof 1) and n per setting × TF."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(row["setting"], {}).setdefault(row["tf"], []).append(row["test_auroc"])
    return {s: {tf: {"n": len(v), "mean": round(float(np.mean(v)), 4),
                     "sd": round(float(np.std(v, ddof=1)), 4) if len(v) > 1 else None}
                for tf, v in tfs.items()} for s, tfs in groups.items()}


def markdown(summary: dict, tfs: list[str]) -> str:
    """The table as Markdown: one row per setting, one column per TF, ``mean ± sd (n)``."""
    lines = ["| architecture | " + " | ".join(tfs) + " |", "|---|" + "---|" * len(tfs)]
    for setting, cells in summary.items():
        text = [f"{c['mean']:.3f} ± {c['sd']:.3f} ({c['n']})" if c.get("sd") is not None
                else f"{c['mean']:.3f} ({c['n']})" if c else "" for c in (cells.get(tf, {}) for tf in tfs)]
        lines.append(f"| {setting} | " + " | ".join(text) + " |")
    return "\n".join(lines)


def write(path: Path, header: dict, rows: list[dict], tfs: list[str]) -> None:
    from deepmotif.data.io import atomic_path

    on_disk = json.loads(path.read_text()) if path.exists() else {}  # another invocation's runs and checks
    key = lambda r: (r["setting"], r["arch"], r["tf"], r["seed"])  # noqa: E731
    mine = {key(r) for r in rows}
    rows[:0] = [r for r in on_disk.get("runs", []) if key(r) not in mine]
    checks = on_disk.get("checks")
    summary = table(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({**header, "loadavg_now": [round(x, 2) for x in os.getloadavg()],
                                   "table": summary, "markdown": markdown(summary, tfs), "runs": rows,
                                   **({"checks": checks} if checks else {})}, indent=1))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=Path(__file__).with_name("grammar.yaml"))
    p.add_argument("--work", type=Path, default=Path("/tmp/deepmotif_grammar"))
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks/results/grammar.json")
    p.add_argument("--jobs", type=int, default=2, help="models trained at once (one thread each)")
    p.add_argument("--no-variants", action="store_true")
    p.add_argument("--only", default="", help="comma-separated settings (architectures, variants) to train")
    p.add_argument("--checks", action="store_true",
                   help="instead of training: ground-truth checks of the trained models of --check-seeds")
    p.add_argument("--check-seeds", default="0", help="comma-separated seeds whose models are checked")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    config = yaml.safe_load(args.config.read_text())
    tfs = list(config["tfs"])
    rows = json.loads(args.output.read_text())["runs"] if args.output.exists() else []
    done = {(r["setting"], r["arch"], r["tf"], r["seed"]) for r in rows}
    header = {"benchmark": "grammar", "date": time.strftime("%Y-%m-%d %H:%M"), "config": config,
              "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs",
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "jobs": args.jobs,
              "loadavg_start": [round(x, 2) for x in os.getloadavg()],
              "note": "the machine was shared with other jobs: times are not benchmarks of speed"}
    if args.checks:
        seeds = {int(x) for x in args.check_seeds.split(",")}
        targets = [(r["setting"], r["arch"], r["tf"], r["seed"]) for r in rows if r["seed"] in seeds]
        checks = []
        with ProcessPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_checks, *t, str(args.work), config) for t in targets]
            for future in as_completed(futures):
                checks.append(future.result())
                log.info("checks %s", json.dumps(checks[-1]))
        data = json.loads(args.output.read_text())
        data["checks"] = sorted(checks, key=lambda c: (c["tf"], c["setting"], c["seed"]))
        from deepmotif.data.io import atomic_path

        with atomic_path(args.output) as tmp:
            tmp.write_text(json.dumps(data, indent=1))
        return
    cap = config["max_epochs_cap"]
    todo = [(arch, arch, tf, seed, training_params(arch, cap)) for seed in config["seeds"] for tf in tfs
            for arch in config["architectures"]]
    if not args.no_variants:
        todo += [(name, v["arch"], tf, seed, training_params(v["arch"], cap, v.get("params")))
                 for name, v in config.get("variants", {}).items() for seed in v.get("seeds", config["seeds"])
                 for tf in v["tfs"]]
    todo = [t for t in todo if t[:4] not in done and (not args.only or t[0] in args.only.split(","))]
    sequences = {(tf, seed): build_sequences(tf, config["tfs"][tf], seed, config, args.work)
                 for _, _, tf, seed, _ in todo}
    log.info("%d models to train (%d done already)", len(todo), len(done))
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_one, s, a, tf, seed, str(sequences[tf, seed]), params, str(args.work)):
                   (s, tf, seed) for s, a, tf, seed, params in todo}
        for future in as_completed(futures):
            row = future.result()
            rows.append(row)
            write(args.output, header, rows, tfs)
            log.info("%s %s seed %d: test AUROC %.4f (%d epochs, %.0f s)", *futures[future], row["test_auroc"],
                     row["epochs"], row["seconds"])
    write(args.output, header, rows, tfs)
    print(markdown(table(rows), tfs))


if __name__ == "__main__":
    main()
