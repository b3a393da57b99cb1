"""Figures of the dashboard drawn fast: a figure laid out once and redrawn per sequence or motif must give
the same PNG as drawing each figure from scratch (deepmotif.report.figures)."""

from __future__ import annotations

import io

import matplotlib

import numpy as np
import pandas as pd
import pytest
from _interpret_fixtures import X_of
from conftest import loaded_after
from PIL import Image

from deepmotif.report.figures import (
    DPI,
    class_optimization_figure,
    ism_figure,
    motif_figure,
    motif_figures,
    saliency_figure,
    sequence_figures,
    temporal_figure,
    write_figure_folder,
)
from deepmotif.report.plots import PALETTE

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


# --- each figure ---------------------------------------------------------------------------------------

def test_saliency_figure_heatmap_and_logo_per_architecture():
    seq = "GATTACA"
    attrs = {"cnn": np.random.default_rng(0).normal(size=(4, 7)), "rnn": np.zeros((4, 7))}
    fig = saliency_figure(seq, "1. p1", attrs, {"cnn": 0.9, "rnn": 0.2}, spans=[(1, 3)])
    heat_cnn, logo_cnn, heat_rnn, logo_rnn = fig.axes[:4]
    np.testing.assert_array_equal(heat_cnn.images[0].get_array(), attrs["cnn"])
    assert heat_cnn.get_title(loc="left") == "cnn  (P(binding) = 0.900)"
    assert [t.get_text() for t in heat_cnn.get_yticklabels()] == list("ACGT")
    assert len(logo_cnn.collections[0].get_paths()) == 7  # one letter per position: the base present
    assert len(logo_rnn.collections[0].get_paths()) == 0  # zero saliency draws nothing
    assert len(logo_cnn.patches) == 1                    # the planted motif, shaded
    assert "planted motif" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="saliency of cnn has 7 positions, the sequence 3"):
        saliency_figure("ACG", "x", {"cnn": attrs["cnn"]})


def test_temporal_and_ism_figures():
    seq = "GATTACA"
    fig = temporal_figure(seq, "t", {"rnn": (np.linspace(0, 1, 7), np.linspace(1, 0, 7))}, spans=[(2, 4)])
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2, 7) and image[0, -1] == 1 and image[1, 0] == 1
    letters = fig.axes[0].collections[-1]  # the sequence under the last heatmap, one coloured letter per column
    assert [matplotlib.colors.to_hex(c) for c in letters.get_facecolor()] == [PALETTE[b].lower() for b in seq]
    assert len(fig.axes[0].lines) == 2  # the planted motif between two dashed lines
    X_ism = np.random.default_rng(1).normal(size=(4, 7))
    fig = ism_figure(seq, "i", {"cnn": X_ism, "rnn": -X_ism})
    assert len(fig.axes[0].collections[0].get_offsets()) == 7  # one dot per reference base
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), -X_ism)


def test_sequence_figures_compare_architectures_on_the_same_sequences():
    arrays = {"cnn": {"ids": np.array(["a", "b", "c"]), "seqs": np.array(["ACGT"] * 3), "X_ism": np.zeros((3, 4, 4))},
              "rnn": {"ids": np.array(["a", "b", "c"]), "seqs": np.array(["ACGT"] * 3), "X_ism": np.ones((3, 4, 4))}}
    figures = list(sequence_figures("ism", arrays, n=2))
    assert [meta for meta, _ in figures] == [{"name": "01_a", "rank": 1, "id": "a"}, {"name": "02_b", "rank": 2, "id": "b"}]
    arrays["rnn"]["ids"] = np.array(["a", "x", "c"])
    with pytest.raises(ValueError, match="other sequences"):
        list(sequence_figures("ism", arrays))


def test_class_optimization_and_motif_figures():
    pwms = np.full((3, 4, 30), 0.25)
    pwms[1, :, 10:14] = X_of(["GATA"])[0].numpy()
    scores = np.array([0.2, 0.9, 0.5])
    windows = pd.DataFrame({"restart": [1], "window": [0], "start": [8], "end": [16]})
    fig = class_optimization_figure(pwms, scores, windows, n_show=2)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["restart 2: P(binding) = 0.900",
                                                            "restart 3: P(binding) = 0.500"]  # best first
    assert len(fig.axes[0].collections[0].get_paths()) == 4 and len(fig.axes[0].patches) == 1
    arrays = {"pwms": pwms, "scores": scores, "restart": np.array([1]), "start": np.array([8]), "end": np.array([16])}
    filters = ([np.full((4, 5), 0.25)] * 3, ["filter001", "filter002", "filter003"])
    matches = pd.DataFrame({"query": ["filter003", "filter001"], "rank": [1, 1], "p_value": [1e-6, 1e-2]})
    metas = [meta for meta, _ in motif_figures(arrays, ([pwms[1, :, 8:16]], ["opt2.w1"]), filters,
                                               {"filter003": 40}, matches, n_filters=2, n_restarts=2)]
    assert [m["name"] for m in metas] == ["class_optimization", "opt2.w1", "filter003", "filter001"]
    assert metas[1]["note"] == "restart 2, positions 9-16" and metas[2]["note"] == "40 sites"


def _zlib_level(path) -> int:
    """The compression level class of a PNG's first IDAT stream (zlib header FLEVEL: 0 fastest ... 3 best)."""
    data = open(path, "rb").read()
    return data[data.index(b"IDAT") + 5] >> 6


def test_pngs_are_compressed_fast_with_the_same_pixels(tmp_path):
    # zlib level 1: a third less CPU than level 6 for the dashboard's ~140 figures; only the encoding changes
    from deepmotif.report.figures import PNG_COMPRESS_LEVEL, save_figure

    assert PNG_COMPRESS_LEVEL == 1
    arrays = _arrays(1)
    write_figure_folder(tmp_path / "frames", sequence_figures("ism", arrays))  # a frame's own PNG writer
    framed = tmp_path / "frames" / "01_p0.png"
    save_figure(class_optimization_figure(np.full((2, 4, 12), 0.25), np.array([0.9, 0.8]),
                                          pd.DataFrame({"restart": [0], "start": [2], "end": [8]})),
                tmp_path / "plain.png")  # matplotlib's savefig
    assert _zlib_level(framed) == 0 and _zlib_level(tmp_path / "plain.png") == 0
    reference = tmp_path / "default.png"
    Image.open(framed).save(reference, format="png")  # PIL's default level
    assert _zlib_level(reference) == 2
    np.testing.assert_array_equal(_pixels(str(framed)), _pixels(str(reference)))
