"""Figures of the dashboard drawn fast: a figure laid out once and redrawn per sequence or motif must give
the same PNG as drawing each figure from scratch (deepmotif.report.figures)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import loaded_after
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


def test_dashboard_figures_do_not_import_pyplot():
    # pyplot's import is a cost of every dashboard job; the figures are made without it
    code = ("import deepmotif.report.tf_report, deepmotif.report.figures, deepmotif.report.modisco_figures, "
            "deepmotif.report.dashboard; from deepmotif.report.figures import saliency_figure; "
            "saliency_figure('ACGT', 't', {'cnn': __import__('numpy').ones((4, 4))})")
    assert not loaded_after(code, "matplotlib.pyplot")
