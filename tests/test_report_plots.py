"""The plots of deepmotif.report.plots: sequence logos (against logomaker), ROC/PR curves, the AUROC
comparison across TFs and ``deepmotif plot-summary``."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from _interpret_fixtures import X_of

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from deepmotif.report.plots import PALETTE, plot_auc_box, plot_auc_scatter, plot_logo, plot_roc_pr  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _letter_boxes(ax) -> list[tuple[float, float, float, float]]:
    """(x0, x1, y0, y1) of every letter of a logo drawn by plot_logo, rounded."""
    corners = [(path.vertices.min(axis=0), path.vertices.max(axis=0)) for path in ax.collections[0].get_paths()]
    return sorted((round(lo[0], 6), round(hi[0], 6), round(lo[1], 6), round(hi[1], 6)) for lo, hi in corners)


def test_plot_logo_stacks_letters_as_logomaker():
    import logomaker

    attr = np.array([[0.5, -0.2, 0.0], [-0.3, -0.1, 0.7], [0.1, 0.4, 0.0], [0.2, 0.0, -0.6]])
    ax = plot_logo(attr, kind="attribution")
    reference = logomaker.Logo(pd.DataFrame(attr.T, columns=list("ACGT")), ax=plt.subplots()[1])
    expected = sorted((round(g.p - g.width / 2, 6), round(g.p + g.width / 2, 6), round(g.floor, 6) + 0.0,
                       round(g.ceiling, 6) + 0.0) for g in reference.glyph_df.to_numpy().ravel() if g.ceiling > g.floor)
    assert _letter_boxes(ax) == expected
    assert ax.get_ylim()[0] < -0.6 and ax.get_ylim()[1] > 0.8


def test_plot_logo_letters_colours_and_kinds():
    pwm = np.concatenate([X_of(["GA"])[0].numpy(), np.full((4, 1), 0.25)], axis=1)  # 2 one-hot + uniform
    ax = plot_logo(pwm, kind="probability")
    assert len(ax.collections[0].get_paths()) == 2 + 4
    assert ax.get_ylim() == (0, 1)
    ax = plot_logo(pwm, kind="information")
    assert len(ax.collections[0].get_paths()) == 2  # the uniform position has no information, hence no letters
    assert _letter_boxes(ax)[0][3] == pytest.approx(2.0)  # a one-hot position is 2 bits tall
    assert ax.get_ylabel() == "bits" and ax.get_xlabel() == "position"
    colours = [matplotlib.colors.to_hex(c) for c in ax.collections[0].get_facecolor()]
    assert colours == [PALETTE["G"].lower(), PALETTE["A"].lower()]
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_logo(pwm, kind="bits")
    with pytest.raises(ValueError, match=r"shape \(4, length\)"):
        plot_logo(pwm.T)


def test_plot_roc_pr():
    y = np.array([0, 0, 1, 1, 0, 1])
    axes = plot_roc_pr(y, {"cnn": y + 0.1, "rnn": np.array([0.9, 0.1, 0.2, 0.8, 0.3, 0.4])})
    assert len(axes) == 2
    assert len(axes[0].lines) == len(axes[1].lines) == 3  # two models and the chance line
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[0] == "cnn (AUROC 1.000)"
    assert axes[0].get_xlabel() == "false positive rate" and axes[1].get_ylabel() == "precision"


def auc_table() -> pd.DataFrame:
    """cnn_rnn beats cnn on A and C, loses on B; summary rows as `deepmotif summarize` writes them."""
    rows = [("A", "cnn", 0.90), ("A", "cnn_rnn", 0.95), ("B", "cnn", 0.80), ("B", "cnn_rnn", 0.70),
            ("C", "cnn", 0.85), ("C", "cnn_rnn", 0.90), ("mean", "cnn", 0.85), ("mean", "cnn_rnn", 0.85)]
    table = pd.DataFrame(rows, columns=["tf", "arch", "test_auroc"])
    return table.assign(test_auprc=table["test_auroc"])


def test_auc_scatter_and_box():
    ax = plot_auc_scatter(auc_table())
    assert ax.get_title() == "cnn_rnn better on 2 of 3 TFs"
    assert sorted(map(tuple, ax.collections[0].get_offsets().tolist())) == [(0.8, 0.7), (0.85, 0.9), (0.9, 0.95)]
    assert ax.get_xlabel() == "cnn test AUROC" and ax.get_ylabel() == "cnn_rnn test AUROC"
    ax = plot_auc_box(auc_table())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cnn", "cnn_rnn"]
    with pytest.raises(ValueError, match=r"architecture\(s\) \['rnn'\] not in the table"):
        plot_auc_scatter(auc_table(), y="rnn")


def test_auc_scatter_one_architecture_draws_no_comparison():
    table = auc_table()
    ax = plot_auc_scatter(table[table["arch"] == "cnn"], "cnn", "cnn")
    assert ax.get_title() == "only cnn trained: no architecture comparison"
    assert "better" not in ax.get_title() and not ax.get_lines()  # no diagonal, no "cnn better on 0 of 3"
    assert ax.collections[0].get_offsets()[:, 1].tolist() == [0.90, 0.80, 0.85]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]


def test_plot_summary_command(tmp_path, capsys):
    from deepmotif.cli import main

    auc_table().to_csv(tmp_path / "auc.tsv", sep="\t", index=False)
    out = [str(tmp_path / "scatter.png"), str(tmp_path / "box.png")]
    assert main(["plot-summary", str(tmp_path / "auc.tsv"), "--scatter", out[0], "--box", out[1],
                 "--x=cnn", "--y=cnn_rnn"]) == 0
    assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in out)
    assert main(["plot-summary", str(tmp_path / "auc.tsv"), "--scatter", out[0], "--box", out[1],
                 "--x=cnn", "--y=rnn"]) == 2
    assert "no architecture 'rnn' (it has cnn, cnn_rnn)" in capsys.readouterr().err
