"""The cooperativity figure: interaction of two motifs against their gap, one line per arrangement.

Reads the table of :func:`deepmotif.interpret.cooperativity.cooperativity`; draws no model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from deepmotif.report.figures import new_figure, set_margins

# one colour per arrangement (interaction), greys for the single motifs' effects
COLOURS = {"A+ B+": "#1d3557", "B+ A+": "#e63946", "A+ B-": "#2a9d8f", "A- B+": "#f4a261"}


def plot_cooperativity(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Interaction (logit) against gap, one line per arrangement with its null band and its spread.

    Lines: the mean interaction over backgrounds, ± one standard deviation shaded; dotted: the 95 %
    prediction interval of the shuffled-B null; filled markers: ``significant`` arrangements.

    Parameters
    ----------
    table: pandas.DataFrame
        :data:`deepmotif.interpret.cooperativity.COLUMNS`.
    ax: matplotlib.axes.Axes or None, optional
        Drawn on a new figure when None. Default None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        ax = new_figure((6.0, 3.0)).subplots()
    for label, rows in table.groupby("arrangement", sort=False):
        rows = rows.sort_values("spacing")
        x, y, sd = rows["spacing"].to_numpy(), rows["interaction"].to_numpy(), rows["interaction_sd"].to_numpy()
        colour = COLOURS.get(label, "#555555")
        ax.plot(x, y, color=colour, lw=1.5, label=label)
        ax.fill_between(x, y - sd, y + sd, color=colour, alpha=0.12, lw=0)
        ax.plot(x, rows["null_low"], color=colour, lw=0.7, ls=":")
        ax.plot(x, rows["null_high"], color=colour, lw=0.7, ls=":")
        hit = rows["significant"].to_numpy(dtype=bool)
        ax.scatter(x[hit], y[hit], color=colour, s=18, zorder=3)
    ax.axhline(0, color="#999999", lw=0.6)
    ax.set_xlabel("gap between the motifs (bp)")
    ax.set_ylabel("interaction (logit)")
    ax.legend(fontsize=7, ncol=2, frameon=False, title="arrangement", title_fontsize=7)
    return ax


def plot_single_effects(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The reference: effects of A alone, B alone and A+B (logit minus background) against gap (in ``A+ B+``)."""
    if ax is None:
        ax = new_figure((6.0, 2.0)).subplots()
    rows = table[table["arrangement"] == table["arrangement"].iloc[0]].sort_values("spacing")
    x = rows["spacing"].to_numpy()
    names = {"effect_a": f"A: {rows['motif_a'].iloc[0]}", "effect_b": f"B: {rows['motif_b'].iloc[0]}",
             "effect_ab": "A+B"}
    lines = (("effect_a", "#555555", "-"), ("effect_b", "#999999", "-"), ("effect_ab", "#1d3557", "--"))
    for key, colour, style in lines:
        y, sd = rows[key].to_numpy(), rows[f"{key}_sd"].to_numpy()
        ax.plot(x, y, color=colour, ls=style, lw=1.2, label=names[key])
        ax.fill_between(x, y - sd, y + sd, color=colour, alpha=0.12, lw=0)
    ax.axhline(0, color="#999999", lw=0.6)
    ax.set_xlabel("gap between the motifs (bp)")
    ax.set_ylabel("effect (logit)")
    ax.legend(fontsize=7, frameon=False, ncol=3)
    return ax


def cooperativity_figure(table: pd.DataFrame, title: str = "") -> Figure:
    """Interaction against gap (top) above the single motifs' effects (bottom), one model."""
    fig = new_figure((6.5, 4.6))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    set_margins(fig, left=0.75, right=0.15, top=0.35, bottom=0.5, between=0.25)
    if table.empty:
        top.text(0.5, 0.5, "no cooperativity table", ha="center", va="center")
        return fig
    plot_cooperativity(table, ax=top)
    plot_single_effects(table, ax=bottom)
    top.set_xlabel("")
    top.set_xticks(np.arange(0, int(table["spacing"].max()) + 1, 5))
    if title:
        top.set_title(title, fontsize=8)
    return fig
