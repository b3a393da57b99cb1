"""The interpretation commands end to end on a small simulated TF with a trained CNN (tests/_trained_tf.py).

The ground-truth checks of the issue, as tests: (a) the 10 most salient positions of >= 80 % of the
correctly classified positives touch the planted motif, (b) a learned motif's top Tomtom hit is the
planted JASPAR matrix with q < 0.01, (c) the forward temporal score switches on across the motif.
Building the fixture takes ~40-60 s (training 8 epochs of a small CNN, Tomtom, figures).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from _trained_tf import N_SEQUENCES, TF, trained_tf
from deepmotif.cli import main
from deepmotif.data.encoding import one_hot
from deepmotif.data.dataset import read_dataset
from deepmotif.interpret.arrays import load_arrays
from deepmotif.interpret.interpretation import split_positives
from deepmotif.interpret.motifs import read_meme
from deepmotif.models.nets import build_net
from deepmotif.models.inference import load_network

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tf():
    return trained_tf()


@pytest.fixture(scope="module")
def ground_truth(tf):
    return json.loads(tf["ground_truth"].read_text())


def test_small_cnn_learned_the_motif(tf):
    metrics = json.loads(tf["metrics"].read_text())
    assert metrics["test_auroc"] > 0.9, metrics


def test_saliency_arrays_are_the_first_test_positives(tf):
    arrays = load_arrays(tf["saliency"])
    first = split_positives(read_dataset(tf["sequences"]))
    assert arrays["ids"].tolist() == first["id"].tolist()
    X = one_hot(list(arrays["seqs"]))
    assert arrays["X_attr"].shape == X.shape
    assert np.all(arrays["X_attr"][X == 0] == 0)            # gradient × input: zero where a base is absent
    net = load_network(tf["model"])
    with torch.no_grad():
        prob = torch.sigmoid(net(torch.from_numpy(X[:5]))).numpy()
    np.testing.assert_allclose(arrays["prob"][:5], prob, rtol=1e-5)
    assert str(arrays["method"]) == "grad_x_input"


def test_ground_truth_saliency_on_planted_motif(ground_truth):
    # (a) the criterion, and better than 10 random positions at landing inside the motif
    assert ground_truth["n_positives"] >= 50
    assert ground_truth["saliency_hit_rate"] >= 0.8
    assert ground_truth["saliency_precision"] > 2 * ground_truth["saliency_precision_chance"]


def test_ground_truth_jaspar_top_hit_is_planted_matrix(ground_truth, tf):
    # (b) some learned motif (filter or class optimization) has MA0139.x as its top hit with q < 0.01
    assert ground_truth["jaspar_planted"] == "MA0139.1"
    assert ground_truth["jaspar_recovered"] == 1
    assert ground_truth["jaspar_best_q"] < 0.01
    matches = pd.read_csv(tf["matches"], sep="\t")
    top = matches[(matches["rank"] == 1) & (matches["q_value"] < 0.01)]
    assert (top["target_name"] == "CTCF").sum() >= 1


def test_ground_truth_modisco_pattern_is_the_planted_matrix_and_headline_metrics_beat_chance(ground_truth, tf):
    assert ground_truth["modisco_patterns"] >= 1
    assert ground_truth["modisco_recovered"] == 1, ground_truth["modisco_queries"]
    assert ground_truth["modisco_best_q"] < 0.01
    assert "planted_spacing" not in ground_truth  # one planted motif: no spacing to check
    assert ground_truth["attribution_auroc"] > ground_truth["attribution_auroc_chance"] + 0.1
    assert ground_truth["attribution_top_precision"] > 2 * ground_truth["attribution_top_precision_chance"]
    table = pd.read_csv(tf["modisco_patterns"], sep="\t", keep_default_na=False)
    assert table.loc[0, "match_id"].startswith("MA0139") and float(table.loc[0, "match_q"]) < 0.01
    assert "MOTIF pos_patterns.pattern_0" in tf["modisco_meme"].read_text()
    html = tf["dashboard"].read_text()
    assert 'id="modisco"' in html and "MA0139" in html[html.index('id="modisco"'):]


def test_ground_truth_temporal_scores_switch_on_across_motif(ground_truth):
    # (c) low before the planted motif, high once it has been read; the largest step is within the
    # motif (19 bp) or just after its last base
    assert ground_truth["temporal_n"] >= 30
    assert ground_truth["temporal_forward_rate"] >= 0.7
    assert ground_truth["temporal_backward_rate"] >= 0.7
    assert -19 <= ground_truth["temporal_jump_offset"] <= 5


def test_class_optimization_outputs(tf):
    arrays = load_arrays(tf["class_optimization"])
    assert arrays["pwms"].shape == (4, 4, 101)
    np.testing.assert_allclose(arrays["pwms"].sum(axis=1), 1.0, rtol=1e-5)
    assert arrays["scores"].shape == (4,) and arrays["scores"].max() > 0.5  # some restart found a bound input
    pwms, names = read_meme(tf["class_meme"])
    assert names == arrays["names"].tolist()
    for pwm, r, s, e in zip(pwms, arrays["restart"], arrays["start"], arrays["end"]):
        np.testing.assert_allclose(pwm, arrays["pwms"][r, :, s:e], atol=1e-5)


def test_filter_motifs_and_table(tf):
    table = pd.read_csv(tf["filter_table"], sep="\t")
    assert len(table) == 32 and list(table.columns) == ["name", "n_sites", "information", "motif"]  # small preset
    pwms, names = read_meme(tf["filters"])
    assert set(names) == set(table.loc[table["n_sites"] >= 10, "name"]) == set(table.loc[table["motif"], "name"])
    assert all(pwm.shape == (4, 9) for pwm in pwms)


def test_figure_folders_index_their_pngs(tf):
    for kind in ("saliency", "temporal", "ism"):
        index = pd.read_csv(tf["figures"] / kind / "index.tsv", sep="\t", dtype=str)
        assert len(index) == N_SEQUENCES and index["rank"].tolist() == [str(i) for i in range(1, N_SEQUENCES + 1)]
        for name in index["file"]:
            assert (tf["figures"] / kind / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    motifs = pd.read_csv(tf["figures"] / "motifs" / "cnn" / "index.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert motifs["source"].tolist()[0] == "overview"
    assert {"class_optimization", "filter"} <= set(motifs["source"])
    assert (motifs["source"] == "filter").sum() == 12


def test_dashboard_is_self_contained_and_escaped(tf):
    html = tf["dashboard"].read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)   # no network, no CDN
    assert "<script src" not in html and "<link rel=\"stylesheet\"" not in html
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) >= 3 * N_SEQUENCES + 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "simulated &lt;CTCF&gt; &amp; friends" in html and "<CTCF>" not in html
    assert f"<h1>{TF}</h1>" in html
    assert "Ground truth" in html and "MA0139.2" in html
    assert 'href="../index.html"' in html


def test_index_links_dashboards(tf):
    html = tf["index"].read_text()
    assert f'href="{TF}/dashboard.html"' in html
    assert "simulated &lt;CTCF&gt;" in html and "test_auroc" in html


def test_interpret_reports_user_errors(tf, tmp_path, capsys):
    from _trained_tf import interpret_args

    rnn = build_net("rnn", hidden_size=4)  # an rnn checkpoint: no first convolution, empty filter files
    ckpt = tmp_path / "rnn.ckpt"
    torch.save({"hyper_parameters": {"arch": "rnn", "net_kwargs": {"hidden_size": 4}},
                "state_dict": {f"net.{k}": v for k, v in rnn.state_dict().items()}}, ckpt)
    missing = tmp_path / "missing.ckpt"
    assert main(["interpret", str(missing), str(tf["sequences"]), *interpret_args(tmp_path)]) == 2
    assert "checkpoint not found" in capsys.readouterr().err
    assert not list(tmp_path.glob("out*"))  # nothing half-written
    bad = [a.replace('"n_evaluate": 0', '"n_evaluate": 0, "jaspar": {"release": "JASPAR2001"}')
           for a in interpret_args(tmp_path)]
    assert main(["interpret", str(ckpt), str(tf["sequences"]), *bad]) == 2
    assert "JASPAR release 'JASPAR2001'" in capsys.readouterr().err
    assert not list(tmp_path.glob("out*"))


def test_interpret_measures_the_motif_dependencies_as_the_cooperativity_command(tf, tmp_path):
    # the pipeline measures them in the interpretation job (--cooperativity-out); the table is the command's
    from _trained_tf import MOTIF, interpret_args

    section = {"n_backgrounds": 8, "max_spacing": 10}
    args = [a.replace('"n_evaluate": 0', '"n_evaluate": 0, "cooperativity": ' + json.dumps(section))
            for a in interpret_args(tmp_path)]
    model, seqs = str(tf["model"]), str(tf["sequences"])
    assert main(["interpret", model, seqs, *args, "--cooperativity-out", str(tmp_path / "in_job.tsv"),
                 "--cooperativity-figure", str(tmp_path / "in_job.png"), "--sheet-motifs", MOTIF]) == 0
    assert main(["cooperativity", model, seqs, "-o", str(tmp_path / "alone.tsv"), "--tf", TF, "--arch", "cnn",
                 "--modisco-patterns", str(tmp_path / "out.modisco-patterns"), "--jaspar-matches",
                 str(tmp_path / "out.matches"), "--sheet-motifs", MOTIF, "--settings",
                 json.dumps({"cooperativity": section})]) == 0
    in_job = (tmp_path / "in_job.tsv").read_text()
    assert in_job == (tmp_path / "alone.tsv").read_text()
    assert len(pd.read_csv(tmp_path / "in_job.tsv", sep="\t")) == 4 * 11  # 4 arrangements x gaps 0..10
    assert (tmp_path / "in_job.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
