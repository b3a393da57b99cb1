"""The real pipeline: Snakemake runs the tiny config (.test/) end to end in a temporary folder."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

# tiny_run: the session fixture of conftest.py (one run shared with test_pipeline_variants.py)


@pytest.mark.slow
def test_tiny_config_runs_end_to_end(tiny_run):
    workdir, _ = tiny_run
    table = pd.read_csv(workdir / "results/summary/auc_table.tsv", sep="\t")
    tfs = ["CTCF", "TAL1-GATA1(test)"]
    body = table[~table["tf"].isin(["mean", "median"])]
    assert sorted(zip(body["tf"], body["arch"])) == sorted((t, a) for t in tfs for a in ["cnn", "rnn"])
    for tf in tfs:
        for arch in ["cnn", "rnn"]:
            folder = workdir / "results" / tf / arch
            metrics = json.loads((folder / "metrics.json").read_text())
            for key in ["test_auroc", "test_auprc", "n_train", "n_test", "epochs", "seconds"]:
                assert key in metrics
            assert metrics["epochs"] <= {"cnn": 10, "rnn": 2}[arch] and metrics["n_test"] > 0
            predictions = pd.read_csv(folder / "predictions.tsv", sep="\t")
            assert len(predictions) == metrics["n_test"]
            # the test AUROC is that of the written predictions, and the summary row is that model's
            auroc = roc_auc_score(predictions["label"], predictions["prob"])
            assert auroc == pytest.approx(metrics["test_auroc"], abs=1e-3)
            row = body[(body["tf"] == tf) & (body["arch"] == arch)]
            assert row["test_auroc"].item() == pytest.approx(metrics["test_auroc"], abs=1e-4)
            assert (folder / "model.ckpt").stat().st_size > 0
            assert (workdir / "logs/train_model" / f"{tf}.{arch}.log").exists()
    mean = table[table["tf"] == "mean"].set_index("arch")["test_auroc"]
    assert mean["cnn"] == pytest.approx(body[body["arch"] == "cnn"]["test_auroc"].mean(), abs=1e-4)
    # the CNN learns the strong CTCF motif in 10 epochs of a 300-peak dataset
    cnn = body[(body["tf"] == "CTCF") & (body["arch"] == "cnn")]["test_auroc"].item()
    assert cnn > 0.8


@pytest.mark.slow
def test_modisco_runs_in_every_interpretation_and_reaches_the_ground_truth(tiny_run):
    workdir, _ = tiny_run
    for tf in ["CTCF", "TAL1-GATA1(test)"]:
        for arch in ["cnn", "rnn"]:
            folder = workdir / "results" / tf / arch
            for name in ["modisco.h5", "modisco.meme", "modisco_distances.tsv"]:
                assert (folder / name).exists(), folder / name
            patterns = pd.read_csv(folder / "modisco_patterns.tsv", sep="\t")
            assert list(patterns.columns[:3]) == ["pattern", "sign", "n_seqlets"]
    truth = pd.read_csv(workdir / "results/summary/ground_truth.tsv", sep="\t").set_index(["tf", "arch"])
    for column in ["attribution_top_precision", "attribution_top_precision_chance", "attribution_auroc",
                   "attribution_auroc_chance", "modisco_patterns", "modisco_recovered", "modisco_spacing_mode"]:
        assert column in truth.columns, column
    # the CNN trained for 10 epochs: CTCF comes back as a significant MoDISco pattern
    assert truth.loc[("CTCF", "cnn"), "modisco_recovered"] == 1
    assert truth.loc[("TAL1-GATA1(test)", "cnn"), "planted_spacing"] == 18.5


@pytest.mark.slow
def test_known_motif_table_covers_every_model_and_reaches_the_index(tiny_run):
    workdir, _ = tiny_run
    known = pd.read_csv(workdir / "results/summary/known_motifs.tsv", sep="\t").set_index(["tf", "arch"])
    assert sorted(known.index) == sorted((t, a) for t in ["CTCF", "TAL1-GATA1(test)"] for a in ["cnn", "rnn"])
    assert set(known["expected"]) == {"MA0139.1", "MA0091.1,MA0035.4"} and set(known["origin"]) == {"sheet"}
    assert known["verdict"].isin(["exact", "family", "none"]).all()
    assert known.loc[("CTCF", "cnn"), "verdict"] == "exact"  # as the ground truth's MoDISco check above
    # the CNNs call no matrix that was not planted (the RNNs of 2 epochs are too weak to count on)
    assert known.loc[[("CTCF", "cnn"), ("TAL1-GATA1(test)", "cnn")], "unexpected"].isna().all()
    logos = pd.read_csv(workdir / "results/summary/known_motifs/index.tsv", sep="\t")
    assert ("CTCF", "cnn") in set(zip(logos["tf"], logos["arch"]))
    html = (workdir / "results/index.html").read_text()
    assert 'id="known-motifs"' in html and f"{int(known['n_decoy'].sum())} match a decoy" in html


@pytest.mark.slow
def test_dataset_is_balanced_and_split_by_chromosome(tiny_run):
    workdir, _ = tiny_run
    df = pd.read_csv(workdir / "results/CTCF/data/sequences.tsv", sep="\t")
    positives = pd.read_csv(workdir / "results/CTCF/data/positives.tsv", sep="\t").set_index("id")
    assert (df["label"] == 1).sum() == (df["label"] == 0).sum() == len(positives) <= 300
    assert df["seq"].str.len().eq(101).all()
    pos = df[df["label"] == 1].set_index("id")
    chrom = positives.loc[pos.index, "chrom"]
    assert set(chrom[pos["split"] == "test"]) == {"chr8", "chr9"}
    assert set(chrom[pos["split"] == "valid"]) == {"chr7"}
    assert not set(chrom[pos["split"] == "train"]) & {"chr7", "chr8", "chr9"}


@pytest.mark.slow
def test_rerun_has_nothing_to_do(tiny_run, snakemake):
    workdir, _ = tiny_run
    result = snakemake(workdir, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout


def test_lint_is_clean(repo_root, snakemake):
    result = snakemake(repo_root, "--lint", configfile=None, cores=None, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in result.stdout, result.stdout[-3000:]


def test_snakefmt_is_clean(repo_root):
    """The Snakemake workflow catalog's formatting check (settings: [tool.snakefmt] in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow"], cwd=repo_root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_tracks_instances_and_genome_view_of_every_model(tiny_run):
    from deepmotif.apply.tracks import read_track
    from deepmotif.interpret.instances import BED_COLUMNS, read_instances

    workdir, _ = tiny_run
    for tf in ["CTCF", "TAL1-GATA1(test)"]:
        for arch in ["cnn", "rnn"]:
            folder = workdir / "results" / tf / arch / "tracks"
            regions = pd.read_csv(folder / "regions.bed", sep="\t", header=None, names=["chrom", "start", "end"])
            assert 0 < len(regions) <= 20 and set(regions["chrom"]) <= {"chr8", "chr9"}  # the test peaks
            chrom, start, end = regions.iloc[0]
            for name in ("logit.bw", "attribution.bw"):  # a value for every base of a tracked region
                assert np.isfinite(read_track(folder / name, chrom, start, end)).all()
            assert list(read_instances(folder / "instances.bed").columns) == BED_COLUMNS
        page = (workdir / "results" / tf / "genome_view.html").read_text()
        assert "../igv/igv.min.js" in page and (workdir / "results/igv/igv.min.js").stat().st_size > 1_000_000
        assert "genome_view.html" in (workdir / "results" / tf / "dashboard.html").read_text()
    truth = pd.read_csv(workdir / "results/summary/instances_ground_truth.tsv", sep="\t")
    assert set(truth["scope"]) == {"windows", "regions"} and len(truth[truth["motif"] == "all"]) == 8
    ctcf = truth[(truth["tf"] == "CTCF") & (truth["arch"] == "cnn") & (truth["scope"] == "windows")
                 & (truth["motif"] == "all")].iloc[0]
    assert ctcf["recall"] >= 0.5  # a CNN of 10 epochs on 300 peaks finds most planted CTCF sites
