"""Figures of the dashboard drawn fast: a figure laid out once and redrawn per sequence or motif must give
the same PNG as drawing each figure from scratch (deepmotif.report.figures)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from deepmotif.report.figures import (
    DPI,
    ism_figure,
    motif_figure,
    motif_figures,
    saliency_figure,
    sequence_figures,
    temporal_figure,
    write_figure_folder,
)

LENGTH = 40


def _pixels(source) -> np.ndarray:
    """RGB pixels of a PNG file, or of a figure drawn in full by ``savefig``."""
    if not isinstance(source, (str, bytes)) and hasattr(source, "savefig"):
        buffer = io.BytesIO()
        source.savefig(buffer, format="png", dpi=DPI)
        source = buffer.getvalue()
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    return np.asarray(Image.open(data).convert("RGB"))


def _arrays(n: int = 3, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Arrays of ``deepmotif interpret`` for two architectures on the same ``n`` random sequences."""
    rng = np.random.default_rng(seed)
    seqs = np.array(["".join(rng.choice(list("ACGT"), LENGTH)) for _ in range(n)])
    onehot = np.stack([[[b == base for b in s] for base in "ACGT"] for s in seqs]).astype(float)
    out = {}
    for k, arch in enumerate(("cnn", "rnn")):
        scale = 10.0 ** (2 * k - 1)  # scales (colour bars, logo axes) differ between architectures
        out[arch] = {"ids": np.array([f"p{i}" for i in range(n)]), "seqs": seqs,
                     "X_attr": onehot * rng.normal(size=onehot.shape) * scale * np.arange(1, n + 1)[:, None, None],
                     "prob": rng.random(n), "X_ism": rng.normal(size=onehot.shape) * scale,
                     "forward": rng.random((n, LENGTH)), "backward": rng.random((n, LENGTH))}
    return out


SITES = pd.DataFrame({"id": ["p0", "p2"], "start": [5, 20], "end": [12, 30]})


@pytest.mark.parametrize("kind", ["saliency", "temporal", "ism"])
def test_sequence_figures_redrawn_per_sequence_equal_figures_drawn_from_scratch(kind, tmp_path):
    draw = {"saliency": lambda a, i: saliency_figure(a["cnn"]["seqs"][i], f"{i + 1}. p{i}",
                                                     {x: r["X_attr"][i] for x, r in a.items()},
                                                     {x: float(r["prob"][i]) for x, r in a.items()}, spans),
            "temporal": lambda a, i: temporal_figure(a["cnn"]["seqs"][i], f"{i + 1}. p{i}",
                                                     {x: (r["forward"][i], r["backward"][i]) for x, r in a.items()},
                                                     spans),
            "ism": lambda a, i: ism_figure(a["cnn"]["seqs"][i], f"{i + 1}. p{i}",
                                           {x: r["X_ism"][i] for x, r in a.items()}, spans)}[kind]
    arrays = _arrays()
    assert write_figure_folder(tmp_path, sequence_figures(kind, arrays, sites=SITES)) == 3
    pngs = [_pixels(str(tmp_path / f"0{i + 1}_p{i}.png")) for i in range(3)]
    for i, png in enumerate(pngs):
        spans = [tuple(x) for x in SITES.loc[SITES["id"] == f"p{i}", ["start", "end"]].to_numpy()]
        np.testing.assert_array_equal(png, _pixels(draw(arrays, i)))  # the same pixels as a new figure
    assert not np.array_equal(pngs[0], pngs[1])  # and each shows its own sequence


def test_motif_figures_of_one_length_each_show_their_motif(tmp_path):
    rng = np.random.default_rng(1)
    pwms = rng.dirichlet(np.full(4, 0.3), size=(3, 30)).transpose(0, 2, 1)
    class_optimization = {"pwms": pwms, "scores": np.array([0.2, 0.9, 0.5]), "restart": np.array([1, 2]),
                          "start": np.array([3, 5]), "end": np.array([11, 13])}
    windows = [pwms[1, :, 3:11], pwms[2, :, 5:13]]
    filters = [rng.dirichlet(np.full(4, 0.3), size=9).T for _ in range(3)] + [rng.dirichlet(np.ones(4), size=12).T]
    names = ["filter001", "filter002", "filter003", "filter004"]
    figures = motif_figures(class_optimization, (windows, ["opt2.w1", "opt3.w1"]), (filters, names),
                            n_filters=4, n_restarts=2)
    assert write_figure_folder(tmp_path, figures) == 1 + 2 + 4
    for pwm, name in [*zip(windows, ["opt2.w1", "opt3.w1"]), *zip(filters, names)]:
        np.testing.assert_array_equal(_pixels(str(tmp_path / f"{name}.png")), _pixels(motif_figure(pwm, name)))


def _loaded_after(code: str, module: str) -> bool:
    """Whether ``module`` is in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    script = f"import sys\n{code}\nprint({module!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return result.stdout.strip() == "True"


def test_dashboard_figures_do_not_import_pyplot():
    # pyplot's import is a cost of every dashboard job; the figures are made without it
    code = ("import deepmotif.report.tf_report, deepmotif.report.figures, deepmotif.report.modisco_figures, "
            "deepmotif.report.dashboard; from deepmotif.report.figures import saliency_figure; "
            "saliency_figure('ACGT', 't', {'cnn': __import__('numpy').ones((4, 4))})")
    assert not _loaded_after(code, "matplotlib.pyplot")


def test_reading_results_does_not_import_torch():
    # torch's import costs ~1.5 s CPU in every dashboard job; the modules that read results need none
    code = ("import deepmotif.report.tf_report, deepmotif.report.modisco_figures, deepmotif.apply.variants, "
            "deepmotif.apply.predict, deepmotif.interpret.modisco, deepmotif.interpret.motifs, "
            "deepmotif.simulation.groundtruth, deepmotif.interpret.arrays; from deepmotif.interpret import trim_pwm")
    assert not _loaded_after(code, "torch")
    assert _loaded_after("from deepmotif.interpret import ism", "torch")  # the check can see torch


def test_interpret_exports_are_the_functions():
    # the package's names are imported lazily; `ism` must be the function, not a submodule of that name
    import deepmotif.interpret.interpretation  # noqa: F401  (imports the mutagenesis module first)
    from deepmotif.interpret import ism, saliency_map, temporal_scores

    assert all(callable(f) and not isinstance(f, type(sys)) for f in (ism, saliency_map, temporal_scores))


# --- the dashboard page, from hand-made files ------------------------------------------------------------

def _png(path) -> str:
    from PIL import Image

    Image.new("RGB", (2, 2), "white").save(path)
    return str(path)


def test_render_dashboard_from_hand_made_files(tmp_path):
    from deepmotif.report.dashboard import MotifPanel, render_dashboard

    saliency = tmp_path / "saliency"
    saliency.mkdir()
    _png(saliency / "01_a.png")
    (saliency / "index.tsv").write_text("name\trank\tid\tfile\n01_a\t1\tseq<1>\t01_a.png\n")
    motifs = tmp_path / "motifs"
    motifs.mkdir()
    _png(motifs / "class_optimization.png")
    (motifs / "index.tsv").write_text("query\tsource\tfile\tnote\n")
    metrics = {"cnn": {"test_auroc": 0.91234, "test_auprc": 0.8, "valid_auroc": 0.9, "epochs": 7, "best_epoch": 5,
                       "n_parameters": 1234, "n_train": 100, "n_test": 20, "seconds": 3.21}}
    html = render_dashboard("A<&>B", metrics, _png(tmp_path / "roc.png"), _png(tmp_path / "train.png"), saliency,
                            [MotifPanel("cnn", str(motifs))], max_q=0.01, top=10, pass_rate=0.8,
                            description="<i>desc</i>", settings={"saliency": "grad_x_input", "n_sequences": 1})
    assert "<h1>A&lt;&amp;&gt;B</h1>" in html and "&lt;i&gt;desc&lt;/i&gt;" in html  # escaped
    assert "<td>0.9123</td>" in html and "<td>1234</td>" in html and "<td>3.2</td>" in html
    assert 'href="#ground-truth"' not in html and 'href="#modisco"' not in html  # no such results: no sections
    assert html.count("data:image/png;base64,") >= 3  # the figures are inside the page (opens from file://)
    assert "seq&lt;1&gt;" in html and 'saliency=&#34;grad_x_input&#34;' in html
