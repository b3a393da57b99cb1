"""The figures and page of one TF (deepmotif.report.tf_report.build_tf_report) from small real result files.

Two hand-built networks stand in for trained models: a CNN-like one scoring the motif GATA (``cnn``) and a
small random biLSTM (``rnn``, the one with temporal scores). Their interpretations are computed by the
package's own functions on a dozen sequences and written by the writers the pipeline uses
(:func:`write_interpretation`, :func:`write_table`); the JASPAR hits are one hand-written row, so no
JASPAR database or Tomtom is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _interpret_fixtures import MotifNet, X_of, tiny_net

from deepmotif.data.tables import write_table
from deepmotif.interpret.arrays import load_arrays
from deepmotif.interpret.filters import filter_pwms, filter_table
from deepmotif.interpret.interpretation import InterpretSettings, Interpretation, write_interpretation
from deepmotif.interpret.motifs import MATCH_COLUMNS, read_meme
from deepmotif.interpret.mutagenesis import ism
from deepmotif.interpret.optimize import importance_windows, optimize_class_input, window_motifs
from deepmotif.interpret.saliency import saliency_map
from deepmotif.interpret.temporal import temporal_scores
from deepmotif.models.inference import predict_proba
from deepmotif.models.train import HISTORY_COLUMNS
from deepmotif.plan.config import config_section
from deepmotif.report.tf_report import DashboardSettings, ModelFiles, TFReportFiles, build_tf_report

LENGTH = 24
N_SHOWN = 2  # sequences drawn per panel
TF = "GATA<1>"  # escaped in the page


def _sequences(seed: int = 0) -> pd.DataFrame:
    """``sequences.tsv``: 12 train and 6 test sequences, positives carrying GATA, negatives without it."""
    rng = np.random.default_rng(seed)
    rows = []
    for split, n in (("train", 12), ("test", 6)):
        for i in range(n):
            label = i % 2
            while True:
                seq = "".join(rng.choice(list("ACGT"), LENGTH))
                if "GATA" not in seq:
                    break
            if label:
                start = int(rng.integers(0, LENGTH - 4))
                seq = seq[:start] + "GATA" + seq[start + 4:]
            rows.append({"id": f"{split}{i}", "seq": seq, "label": label, "split": split})
    return pd.DataFrame(rows)


def _interpretation(net: torch.nn.Module, sequences: pd.DataFrame, settings: InterpretSettings) -> Interpretation:
    """What ``deepmotif interpret`` computes, by the same functions, with one hand-written JASPAR hit."""
    test = sequences[(sequences["split"] == "test") & (sequences["label"] == 1)]
    X = X_of(list(test["seq"]))
    ids, seqs = test["id"].to_numpy(), test["seq"].to_numpy()
    saliency = {"ids": ids, "seqs": seqs, "X_attr": saliency_map(net, X, settings.saliency).numpy(),
                "prob": predict_proba(net, X), "method": np.array(settings.saliency)}
    result_ism = {"ids": ids[:N_SHOWN], "seqs": seqs[:N_SHOWN], "X_ism": ism(net, X[:N_SHOWN]).numpy()}
    if settings.temporal:
        forward, backward = (t.numpy() for t in temporal_scores(net, X))
    else:
        forward = backward = np.zeros((0, LENGTH), dtype=np.float32)
    temporal = {"ids": ids[:len(forward)], "seqs": seqs[:len(forward)], "forward": forward, "backward": backward}
    pwms, scores = optimize_class_input(net, LENGTH, n_restarts=2, steps=5, lr=settings.lr, l2=settings.l2,
                                        seed=0, init=settings.init)
    windows = importance_windows(net, pwms, 8)
    class_motifs = window_motifs(pwms, windows)
    class_optimization = {"pwms": pwms.numpy(), "scores": scores.numpy(), "names": np.array(class_motifs[1]),
                          **{c: windows[c].to_numpy() for c in windows.columns}}
    first_conv = getattr(net, "first_conv", None)
    if first_conv is not None:
        train = sequences[(sequences["split"] == "train") & (sequences["label"] == 1)]
        f_pwms, n_sites = filter_pwms(first_conv, X_of(list(train["seq"])), 0.5)
        filters = filter_table(f_pwms, n_sites, 1)
        filter_motifs = ([p.numpy() for p, keep in zip(f_pwms, filters["motif"]) if keep],
                         list(filters.loc[filters["motif"], "name"]))
    else:
        filters = filter_table(torch.zeros(0, 4, 1), torch.zeros(0, dtype=torch.int64), 1)
        filter_motifs = ([], [])
    query = class_motifs[1][0]
    matches = pd.DataFrame([[query, "MA0035.4", "Gata1", 1e-5, 1e-2, 1e-3, 0, 4, "+", 1, 0, 4, 6.5]],
                           columns=MATCH_COLUMNS).assign(source="class_optimization")
    return Interpretation(saliency, result_ism, temporal, class_optimization, class_motifs, filters, filter_motifs,
                          matches, {"tf": TF, "note": "no planted motifs: not a simulated TF"})


def _model_paths(folder: Path) -> ModelFiles:
    """The result files of one architecture in ``folder``."""
    return ModelFiles(**{key: str(folder / name) for key, name in (
        ("metrics", "metrics.json"), ("predictions", "predictions.tsv"), ("history", "training.csv"),
        ("saliency", "saliency.npz"), ("ism", "ism.npz"), ("temporal", "temporal.npz"),
        ("class_optimization", "class_optimization.npz"), ("class_meme", "class.meme"),
        ("filter_meme", "filters.meme"), ("filter_table", "filters.tsv"), ("matches", "matches.tsv"),
        ("ground_truth", "ground_truth.json"))})


def _model_files(folder: Path, arch: str, net: torch.nn.Module, sequences: pd.DataFrame,
                 settings: InterpretSettings, auroc: float) -> ModelFiles:
    """Every result file of one architecture, written by the pipeline's writers."""
    folder.mkdir(parents=True)
    files = _model_paths(folder)
    test = sequences[sequences["split"] == "test"]
    write_table(pd.DataFrame({"id": test["id"], "label": test["label"],
                              "prob": predict_proba(net, X_of(list(test["seq"])))}), files.predictions)
    history = pd.DataFrame([[e, 10 * e, 0.7 - 0.1 * e, 0.7 - 0.05 * e, 0.6 + 0.1 * e, 0.6, 1e-3, 1.0]
                            for e in range(3)],
                           columns=list(HISTORY_COLUMNS))
    write_table(history, files.history, sep=",")
    Path(files.metrics).write_text(json.dumps({"arch": arch, "test_auroc": auroc, "test_auprc": 0.5,
                                               "valid_auroc": 0.7, "epochs": 3, "best_epoch": 2, "n_train": 12,
                                               "n_test": 6, "n_parameters": 9, "seconds": 1.5}))
    write_interpretation(_interpretation(net, sequences, settings), {
        "saliency": files.saliency, "ism": files.ism, "temporal": files.temporal,
        "class_optimization": files.class_optimization, "class_meme": files.class_meme,
        "filter_meme": files.filter_meme, "filters": files.filter_table, "matches": files.matches,
        "ground_truth": files.ground_truth})
    return ModelFiles(**{**vars(files), "ground_truth": None})  # not simulated: `deepmotif dashboard` passes none


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """build_tf_report on two architectures: (its return value, the output files, the inputs' folder)."""
    root = tmp_path_factory.mktemp("tf_report")
    sequences = _sequences()
    write_table(sequences, root / "sequences.tsv")
    interpret = config_section("interpret", {})
    models = {}
    for arch, net, auroc in (("cnn", MotifNet("GATA"), 0.875), ("rnn", tiny_net("rnn"), 0.5)):
        settings = InterpretSettings.from_config(interpret, temporal=arch == "rnn")
        models[arch] = _model_files(root / arch, arch, net, sequences, settings, auroc)
    figures = root / "figures"
    out = TFReportFiles(performance=str(figures / "performance.png"), training=str(figures / "training.png"),
                        saliency=str(figures / "saliency"), temporal=str(figures / "temporal"),
                        ism=str(figures / "ism"), motifs={a: str(figures / "motifs" / a) for a in models},
                        dashboard=str(root / "dashboard.html"), composition=str(figures / "composition.png"),
                        composition_json=str(root / "composition.json"))
    settings = DashboardSettings(n_sequences=N_SHOWN, n_filters=2, n_restarts=2, max_q=0.05, top=10, pass_rate=0.8)
    n = build_tf_report(TF, models, out, settings, description="four <b>bases</b>",
                        sequences=root / "sequences.tsv", interpret_settings={"n_sequences": N_SHOWN})
    return n, out, root


def _index(folder: str) -> pd.DataFrame:
    return pd.read_csv(Path(folder) / "index.tsv", sep="\t", dtype=str, keep_default_na=False)


def test_every_figure_counted_is_a_png_on_disk(report):
    n, out, root = report
    pngs = sorted((root / "figures").rglob("*.png"))
    assert n == len(pngs) > 2
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    assert {Path(out.performance), Path(out.training), Path(out.composition)} <= set(pngs)


def test_sequence_figures_show_the_first_test_positives_of_each_kind(report):
    _, out, root = report
    sequences = pd.read_csv(root / "sequences.tsv", sep="\t", dtype={"id": str})
    first = sequences.query("split == 'test' and label == 1")["id"][:N_SHOWN].tolist()
    assert first == load_arrays(root / "cnn" / "saliency.npz")["ids"][:N_SHOWN].tolist()
    for kind in ("saliency", "temporal", "ism"):
        index = _index(getattr(out, kind))
        assert index["id"].tolist() == first, kind
        assert all((Path(getattr(out, kind)) / f).is_file() for f in index["file"]), kind


def test_motif_figures_per_architecture_include_the_class_optimization_and_the_gata_filter(report):
    _, out, root = report
    cnn, rnn = _index(out.motifs["cnn"]), _index(out.motifs["rnn"])
    for arch, index in (("cnn", cnn), ("rnn", rnn)):
        assert index["source"].iloc[0] == "overview", arch
        shown = index.loc[index["source"] == "class_optimization", "query"].tolist()
        assert shown == read_meme(root / arch / "class.meme")[1], arch  # every window of class.meme
    assert "filter" in set(cnn["source"])  # the cnn's one filter, GATA, has sites
    assert "filter" not in set(rnn["source"])  # the biLSTM has no first convolution


def test_page_shows_the_tf_models_hits_and_composition(report):
    _, out, root = report
    html = Path(out.dashboard).read_text()
    assert "GATA&lt;1&gt;" in html and "GATA<1>" not in html  # escaped
    assert "four &lt;b&gt;bases&lt;/b&gt;" in html
    assert "<td>0.8750</td>" in html and "<td>0.5000</td>" in html  # each model's test AUROC
    assert "Gata1" in html and "MA0035.4" in html  # the JASPAR hit
    assert 'id="ground-truth"' not in html  # not a simulated TF
    assert html.count("data:image/png;base64,") == len(list((root / "figures").rglob("*.png")))  # all inline
    composition = json.loads(Path(out.composition_json).read_text())
    assert composition["tf"] == TF and composition["n_test"] == 6 and composition["n_train"] == 12


def test_predictions_on_other_sequences_are_refused_before_anything_is_drawn(report, tmp_path):
    _, out, root = report
    models = {arch: _model_paths(root / arch) for arch in ("cnn", "rnn")}
    predictions = pd.read_csv(models["rnn"].predictions, sep="\t", dtype={"id": str})
    write_table(predictions.iloc[1:], tmp_path / "predictions.tsv")
    models["rnn"] = ModelFiles(**{**vars(models["rnn"]), "predictions": str(tmp_path / "predictions.tsv")})
    elsewhere = TFReportFiles(performance=str(tmp_path / "performance.png"), training=str(tmp_path / "training.png"),
                              saliency=str(tmp_path / "saliency"), temporal=str(tmp_path / "temporal"),
                              ism=str(tmp_path / "ism"), motifs={a: str(tmp_path / a) for a in models},
                              dashboard=str(tmp_path / "dashboard.html"))
    with pytest.raises(ValueError, match="predictions of 'rnn' are on other test sequences"):
        build_tf_report(TF, models, elsewhere, DashboardSettings(N_SHOWN, 2, 2, 0.05, 10, 0.8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.tsv"]
