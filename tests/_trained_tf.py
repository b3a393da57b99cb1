"""A small simulated TF with a quickly trained CNN and its interpretation outputs, built once per test session.

:func:`trained_tf` simulates CTCF (JASPAR MA0139.1, planted at the summits) on a small genome with the
package's own functions, trains a small CNN for 8 epochs (~20 s on one CPU thread) and runs every
interpretation and report command of ``deepmotif`` on it, in-process, into a temporary folder that is
removed at exit. It is cached, so tests in several modules share one build; so is
:func:`trained_tracks`, its tracks and motif instances.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import torch

TF = "CTCF_sim(+)"           # parentheses and plus: names pass through paths and HTML
MOTIF = "MA0139.1"
N_SEQUENCES = 4              # figures per panel (the pipeline's default is 20)
STEPS = 300                  # class optimization (the pipeline's default is 500)


def _simulate(root: Path) -> tuple[Path, Path, Path, Path]:
    """positives.tsv, planted.tsv, sequences.tsv and genome.fa (+ .fai) of the simulated TF."""
    from deepmotif.data.dataset import build_dataset
    from deepmotif.data.genome import write_fasta
    from deepmotif.data.peaks import summit_windows
    from deepmotif.simulation.genome import fetch_jaspar_motif, plant_peaks, simulate_genome

    genome = simulate_genome(n_chroms=5, chrom_size=250_000, seed=3)
    genome, peaks, planted = plant_peaks(genome, [fetch_jaspar_motif(MOTIF)], n_peaks=1000, seed=4)
    windows = summit_windows(peaks, 101, sizes={c: len(s) for c, s in genome.items()})
    windows["seq"] = [genome[c][s:e] for c, s, e in windows[["chrom", "start", "end"]].to_numpy()]
    data = root / "data"
    data.mkdir(parents=True)
    paths = data / "positives.tsv", data / "planted.tsv", data / "sequences.tsv", data / "genome.fa"
    write_fasta(paths[3], genome)
    windows.to_csv(paths[0], sep="\t", index=False)
    planted.to_csv(paths[1], sep="\t", index=False)
    build_dataset(windows, valid_chroms=["chr4"], test_chroms=["chr5"]).to_csv(paths[2], sep="\t", index=False)
    return paths


OUTPUTS = ("saliency", "ism", "temporal", "class-optimization", "class-meme", "filter-meme", "filter-table",
           "matches", "ground-truth", "modisco", "modisco-patterns", "modisco-meme", "modisco-distances")


def interpret_args(folder: Path, outputs: dict[str, Path] | None = None) -> list[str]:
    """Options of ``deepmotif interpret`` after the model and sequences: the settings (the config's,
    with few test positives and steps) and the output files (``folder/out.<name>`` unless given)."""
    outputs = outputs or {name: folder / f"out.{name}" for name in OUTPUTS}
    settings = {"n_sequences": N_SEQUENCES, "n_evaluate": 0, "class_optimization": {"restarts": 4, "steps": STEPS},
                "modisco": {"n_shuffles": 5, "n_sequences": 0}}  # the rest: the schema's defaults
    settings = {"tf": TF, "arch": "cnn", "threads": 1, "settings": json.dumps(settings)}
    return [f"--{k}={v}" for k, v in settings.items()] + [f"--{k}-out={v}" for k, v in outputs.items()]


def _run(*argv: str) -> None:
    from deepmotif.cli import main

    status = main([str(a) for a in argv])
    if status:
        raise RuntimeError(f"deepmotif {' '.join(map(str, argv))} exited with {status}")


@functools.lru_cache(maxsize=1)
def trained_tf() -> dict[str, Path]:
    """Build (once) the simulated TF, its trained CNN and every interpretation and report file.

    Returns
    -------
    dict of str to pathlib.Path
        ``root`` and the files by name (``sequences``, ``model``, ``saliency``, ``dashboard``, ...).
    """
    from deepmotif.models.train import train_model

    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="deepmotif-trained-tf-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    positives, planted, sequences, genome = _simulate(root / TF)
    out = root / TF / "cnn"
    params = {"preset": "small", "max_epochs": 8, "patience": 8, "lr_halve_every": 0, "lr": 1e-2,
              "batch_size": 256, "rc_augment": False}
    train_model(sequences, "cnn", out, params, threads=1, tf=TF)
    f = {"root": root, "positives": positives, "planted": planted, "sequences": sequences, "genome": genome,
         "model": out / "model.ckpt", "metrics": out / "metrics.json", "predictions": out / "predictions.tsv",
         "history": out / "training.csv"}
    for name in ("saliency", "ism", "temporal", "class_optimization"):
        f[name] = out / f"{name}.npz"
    f.update(class_meme=out / "class_optimization.meme", filters=out / "filters.meme",
             filter_table=out / "filters.tsv", matches=out / "jaspar_matches.tsv",
             ground_truth=out / "ground_truth.json", modisco=out / "modisco.h5",
             modisco_patterns=out / "modisco_patterns.tsv", modisco_meme=out / "modisco.meme",
             modisco_distances=out / "modisco_distances.tsv", figures=root / TF / "figures",
             dashboard=root / TF / "dashboard.html", index=root / "index.html",
             auc_table=root / "auc_table.tsv", composition=root / TF / "composition.json")
    model, seqs = f["model"], f["sequences"]
    _run("interpret", model, seqs, "--positives", positives, "--planted", planted,
         *interpret_args(out, {"saliency": f["saliency"], "ism": f["ism"], "temporal": f["temporal"],
                               "class-optimization": f["class_optimization"], "class-meme": f["class_meme"],
                               "filter-meme": f["filters"], "filter-table": f["filter_table"],
                               "matches": f["matches"], "ground-truth": f["ground_truth"], "modisco": f["modisco"],
                               "modisco-patterns": f["modisco_patterns"], "modisco-meme": f["modisco_meme"],
                               "modisco-distances": f["modisco_distances"]}))
    f.update(cooperativity=out / "cooperativity.tsv", cooperativity_figure=root / TF / "figures" / "cooperativity.png",
             cooperativity_summary=root / "cooperativity.tsv")
    _run("cooperativity", model, seqs, "-o", f["cooperativity"], "--figure", f["cooperativity_figure"], "--tf", TF,
         "--arch", "cnn", "--modisco-patterns", f["modisco_patterns"], "--jaspar-matches", f["matches"],
         "--sheet-motifs", MOTIF, "--settings",
         json.dumps({"cooperativity": {"n_backgrounds": 8, "max_spacing": 10}}))
    _run("summarize-cooperativity", f["cooperativity"], "-o", f["cooperativity_summary"])
    figures = f["figures"]
    per_arch = {"metrics": "metrics", "predictions": "predictions", "history": "history", "saliency": "saliency",
                "ism": "ism", "temporal": "temporal", "class-optimization": "class_optimization",
                "class-meme": "class_meme", "filter-meme": "filters", "filter-table": "filter_table",
                "matches": "matches", "ground-truth": "ground_truth", "modisco": "modisco",
                "modisco-patterns": "modisco_patterns", "modisco-distances": "modisco_distances"}
    _run("dashboard", "--tf", TF, "--description", "simulated <CTCF> & friends",
         *(arg for option, key in per_arch.items() for arg in (f"--{option}", f"cnn={f[key]}")),
         "--positives", positives, "--planted", planted, "--settings", json.dumps({"n_sequences": N_SEQUENCES}),
         "--performance-out", figures / "roc_pr.png",
         "--training-out", figures / "training.png", "--saliency-figures", figures / "saliency",
         "--temporal-figures", figures / "temporal", "--ism-figures", figures / "ism",
         "--motif-figures", f"cnn={figures / 'motifs' / 'cnn'}", "--index-page", f["index"],
         "--sequences", seqs, "--composition-out", figures / "composition.png", "--composition-table", f["composition"],
         "-o", f["dashboard"],
         "--cooperativity", f"cnn={f['cooperativity']}", "--cooperativity-figures", f"cnn={f['cooperativity_figure']}")
    _run("summarize", f["metrics"], "-o", f["auc_table"])
    f.update(known_motifs=root / "known_motifs.tsv", known_figures=root / "known_motifs")
    _run("summarize-known-motifs", f["ground_truth"], "-o", f["known_motifs"], "--figures", f["known_figures"])
    _run("index", "--auc-table", f["auc_table"], "--dashboards", f"{TF}={f['dashboard']}",
         "--descriptions", json.dumps({TF: "simulated <CTCF>"}), "--known-motifs", f["known_motifs"],
         "--known-motif-figures", f["known_figures"], "--composition", f"{TF}={f['composition']}", "-o", f["index"],
         "--cooperativity", f["cooperativity_summary"])
    return f


@functools.lru_cache(maxsize=1)
def trained_tracks() -> dict:
    """Tracks and instances of the trained CNN of :func:`trained_tf` over its test chromosome's peaks (the
    model-length windows of the peaks, as the model was tested), built once.

    Returns
    -------
    dict
        ``files`` (:func:`trained_tf`), ``out`` (the folder of ``logit.bw attr.bw regions.bed instances.bed``),
        ``regions``, ``n_test`` (test peaks) and ``hits`` (the instances).
    """
    import pandas as pd

    from deepmotif.apply import tracks
    from deepmotif.apply.predict import load_models
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.interpret import instances

    torch.set_num_threads(1)
    f = trained_tf()
    out = f["root"] / "tracks"
    out.mkdir()
    model = load_models([f["model"]])[0]
    positives = pd.read_csv(f["positives"], sep="\t")
    test = positives[positives["chrom"] == "chr5"]
    regions = tracks.merge_regions(test[["chrom", "start", "end"]], chrom_sizes(f["genome"]))
    tracks.write_tracks(model, regions, f["genome"], out / "logit.bw", out / "attr.bw")
    tracks.write_regions(regions, out / "regions.bed")
    patterns = instances.modisco_patterns(f["modisco"], f["modisco_patterns"])
    hits = instances.call_instances(regions, f["genome"], out / "attr.bw", patterns)
    instances.write_instances(hits, out / "instances.bed")
    return {"files": f, "out": out, "regions": regions, "n_test": len(test), "hits": hits}
