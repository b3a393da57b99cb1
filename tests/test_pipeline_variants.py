"""Variant scoring in the pipeline (workflow/rules/variants.smk): planned jobs, config errors, and the
tables, dashboard section and index of the tiny run (the session fixture ``tiny_run`` of conftest.py,
shared with test_pipeline.py)."""

from __future__ import annotations

import itertools
import re
import shutil

import numpy as np
import pandas as pd
import pytest

TFS = ["CTCF", "TAL1-GATA1(test)"]
ARCHS = ["cnn", "rnn"]


def _planned(stdout: str) -> dict[str, int]:
    """Job counts of the 'Job stats' table of a dry run."""
    stats = stdout[stdout.index("Job stats"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.MULTILINE)}


@pytest.fixture
def workdir(repo_root, tmp_path):
    shutil.copytree(repo_root / ".test", tmp_path / ".test")
    return tmp_path


def _with_config(workdir, text: str) -> str:
    """The tiny config plus ``text`` (YAML) as one config file; its name relative to ``workdir``."""
    path = workdir / "extra.yaml"
    path.write_text((workdir / ".test/config.yaml").read_text() + "\n" + text)
    return "extra.yaml"


def test_dry_run_plans_one_scoring_job_per_tf(workdir, snakemake):
    result = snakemake(workdir, "-n")
    assert result.returncode == 0, result.stdout[-3000:]
    jobs = _planned(result.stdout)
    for rule in ("simulate_variants", "score_variants"):
        assert jobs[rule] == len(TFS), (rule, jobs)
    assert "explain_variants" not in jobs  # score_variants explains the strongest variants in the same job
    assert jobs["summarize_variants"] == jobs["summarize_variants_ground_truth"] == 1
    for tf in TFS:
        assert f"results/{tf}/variants.tsv" in result.stdout


def test_ground_truth_vcf_can_be_switched_off(workdir, snakemake):
    configfile = _with_config(workdir, "simulation:\n  variants: false\n")
    result = snakemake(workdir, "-n", configfile=configfile)
    assert result.returncode == 0, result.stdout[-3000:]
    jobs = _planned(result.stdout)
    assert not {"simulate_variants", "score_variants", "explain_variants", "summarize_variants"} & set(jobs)
    assert jobs["build_dashboard"] == len(TFS)


def test_a_vcf_entry_replaces_the_ground_truth_of_the_tfs_it_names(workdir, snakemake):
    configfile = _with_config(workdir, "variants:\n  vcfs:\n    - {name: mine, vcf: mine.vcf, genome: simulated, "
                                       "tfs: [CTCF]}\n")
    (workdir / "mine.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    result = snakemake(workdir, "-n", "results/summary/variants.tsv", configfile=configfile)
    assert result.returncode == 0, result.stdout[-3000:]
    jobs = _planned(result.stdout)
    assert jobs["simulate_variants"] == 1 and jobs["score_variants"] == 2
    assert "mine.vcf" in result.stdout


def test_scatter_labels_do_not_overlap():
    import matplotlib
    from matplotlib.text import Text

    matplotlib.use("Agg")
    from deepmotif.report.plots import plot_auc_scatter

    rng = np.random.default_rng(1)
    cnn = 0.99 - rng.uniform(0, 0.3, 40)
    rows = [{"tf": f"TFNAME{i}_ENCODE", "arch": arch, "test_auroc": auc}
            for i, a in enumerate(cnn) for arch, auc in (("cnn", a), ("cnn_rnn", min(1, a + rng.uniform(-.02, .02))))]
    ax = plot_auc_scatter(pd.DataFrame(rows))
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
    assert len(boxes) == 40
    assert not [pair for pair in itertools.combinations(boxes, 2) if pair[0].overlaps(pair[1])]


# --- the tiny run -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_variant_tables_of_every_tf_and_architecture(tiny_run):
    workdir, _ = tiny_run
    for tf in TFS:
        table = pd.read_csv(workdir / f"results/{tf}/variants.tsv", sep="\t", keep_default_na=False)
        assert list(table.columns) == ["chrom", "pos", "id", "ref", "alt", "CLASS", "MOTIF", "tf", "arch", "logit_ref",
                                       "logit_alt", "delta_logit", "prob_ref", "prob_alt", "delta_prob",
                                       "log_odds_ratio"]
        assert set(table["tf"]) == {tf} and sorted(set(table["arch"])) == ARCHS
        assert table.groupby("arch").size().nunique() == 1  # every architecture scored every variant
        assert {"break", "neutral_far"} <= set(table["CLASS"])
        assert np.allclose(table["delta_logit"], table["logit_alt"] - table["logit_ref"], atol=1e-4)
        skipped = pd.read_csv(workdir / f"results/{tf}/variants.skipped.tsv", sep="\t")
        assert list(skipped.columns) == ["chrom", "pos", "id", "ref", "alt", "reason", "detail", "line"]


@pytest.mark.slow
def test_summary_is_ranked_by_effect_across_tfs(tiny_run):
    workdir, _ = tiny_run
    summary = pd.read_csv(workdir / "results/summary/variants.tsv", sep="\t", keep_default_na=False)
    assert set(summary["tf"]) == set(TFS) and (summary["n_archs"] == len(ARCHS)).all()
    effect = summary["delta_logit"].abs().to_numpy()
    assert (np.diff(effect) <= 1e-9).all() and effect[0] > effect[-1]
    per_tf = sum(len(pd.read_csv(workdir / f"results/{tf}/variants.tsv", sep="\t")) for tf in TFS)
    assert len(summary) * len(ARCHS) == per_tf


@pytest.mark.slow
def test_ground_truth_table_has_every_tf_and_architecture(tiny_run):
    workdir, _ = tiny_run
    table = pd.read_csv(workdir / "results/summary/variants_ground_truth.tsv", sep="\t")
    truth = table[table["motif"] == "all"]
    assert sorted(zip(truth["tf"], truth["arch"])) == sorted(itertools.product(TFS, ARCHS))
    halves = table[table["motif"] != "all"]  # the composite: a row per planted matrix, none for CTCF
    assert sorted(zip(halves["tf"], halves["arch"], halves["motif"])) == sorted(
        itertools.product(["TAL1-GATA1(test)"], ARCHS, ["MA0035.4", "MA0091.1"]))
    assert (halves["n_break"] > 0).all()
    assert truth["auroc_break"].notna().all() and truth["sign_accuracy"].notna().all()  # both classes scored
    assert (truth["n_break"] > 0).all() and (truth["n_neutral"] > 0).all()
    # the tiny CNN of CTCF (10 epochs, AUROC > 0.8 in test_pipeline) tells motif-breaking variants apart
    cnn = truth[(truth["tf"] == "CTCF") & (truth["arch"] == "cnn")].iloc[0]
    assert cnn["auroc_break"] > 0.75


@pytest.mark.slow
def test_dashboard_and_index_show_the_variants(tiny_run):
    workdir, _ = tiny_run
    summary = pd.read_csv(workdir / "results/summary/variants.tsv", sep="\t", keep_default_na=False)
    for tf in TFS:
        html = (workdir / f"results/{tf}/dashboard.html").read_text()
        assert 'id="variants"' in html and 'href="#variants"' in html
        figures = pd.read_csv(workdir / f"results/{tf}/figures/variants/index.tsv", sep="\t")
        assert figures.groupby("kind").size().to_dict() == {"ism": 6, "saliency": 6}  # variants.n_shown
        strongest = summary[summary["tf"] == tf].iloc[0]
        variant = f"{strongest['chrom']}:{strongest['pos']}:{strongest['ref']}&gt;{strongest['alt']}"
        assert variant in html  # the strongest variant is listed ...
        assert html.count('alt="saliency of') >= 6 + 1  # ... and drawn, REF vs ALT (plus the test peaks)
    index = (workdir / "results/index.html").read_text()
    assert 'id="variants"' in index and 'id="comparison"' in index
    assert 'alt="test AUROC scatter' in index and 'alt="test AUROC per architecture' in index
    assert "dashboard.html#variants" in index and "AUROC break" in index
    # the composite's rows per planted matrix are told apart by a matrix column
    assert '<th class="l">matrix</th>' in index and '<td class="l">MA0035.4</td>' in index
