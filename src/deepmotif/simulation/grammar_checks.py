"""Ground-truth checks of a learned motif *grammar*, and attribution metrics that chance does not reach.

The grammar TFs of :mod:`deepmotif.simulation.grammar` carry motif A, then motif B ``spacing`` bp to its
right, on one strand (the element itself on either strand). Two questions about the interpretations:

* class optimization (:func:`arrangement_share`): which share of the optimized inputs carries both
  motifs *in the planted arrangement* (order, orientation, spacing ± ``tolerance``), not only both?
* temporal output scores (:func:`temporal_grammar_check`): does the score switch on only once the
  second motif is read (reading left to right, and right to left), or already after the first?

And one about attributions of any simulated TF (:func:`attribution_vs_mask`): the share of the ``top``
most salient positions inside a planted motif, and the AUROC of per-position attribution against the
planted mask, each with its chance level (the motif's share of the window, and 0.5) beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepmotif.simulation.genome import log_odds
from deepmotif.simulation.groundtruth import check_scores

PSEUDOCOUNT = 1e-3  # of the learned matrices and class-optimized inputs, which may hold zeros


def motif_scores(P: np.ndarray, pwm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected log-odds score of ``pwm`` at every start of every input, on both strands.

    Parameters
    ----------
    P: numpy.ndarray, shape=(n, 4, length)
        Inputs as probabilities per position (one-hot sequences or class-optimized inputs).
    pwm: numpy.ndarray, shape=(4, k)
        The motif's probability matrix.

    Returns
    -------
    plus, minus: numpy.ndarray, shape=(n, length - k + 1)
        ``plus[r, i]`` = sum over j, b of ``P[r, b, i + j] * log_odds(pwm)[b, j]``; ``minus`` the same
        with the motif's reverse complement (a site on the minus strand starting at ``i``).
    """
    P = np.asarray(P, dtype=np.float64)
    W = log_odds(pwm, PSEUDOCOUNT)
    k = W.shape[1]
    if P.ndim != 3 or P.shape[1] != 4 or P.shape[2] < k:
        raise ValueError(f"P must have shape (n, 4, length >= {k}), got {P.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(P, k, axis=2)  # (n, 4, L-k+1, k)
    plus = np.einsum("nbik,bk->ni", windows, W)
    minus = np.einsum("nbik,bk->ni", windows, W[::-1, ::-1])
    return plus, minus


def motif_hits(P: np.ndarray, pwm: np.ndarray, min_score_fraction: float = 0.7) -> list[list[tuple[int, str]]]:
    """Sites ``(start, strand)`` per input whose score is at least ``min_score_fraction`` of the
    motif's best possible score (its consensus)."""
    W = log_odds(pwm, PSEUDOCOUNT)
    cutoff = min_score_fraction * W.max(axis=0).sum()
    plus, minus = motif_scores(P, pwm)
    return [[(int(i), "+") for i in np.flatnonzero(p >= cutoff)] + [(int(i), "-") for i in np.flatnonzero(m >= cutoff)]
            for p, m in zip(plus, minus)]


def arrangement_share(
    P: np.ndarray,
    pwm_a: np.ndarray,
    pwm_b: np.ndarray,
    spacing: int,
    tolerance: int = 1,
    min_score_fraction: float = 0.7,
    consensus: bool = True,
) -> pd.DataFrame:
    """Whether each (class-optimized) input carries motifs A and B in the planted arrangement.

    Planted arrangement: A on strand ``s`` at ``i``, B on ``s`` at ``i + k_A + spacing`` for ``s = +``;
    for ``s = -`` (the element reverse-complemented) B on ``-`` at ``j`` and A on ``-`` at
    ``j + k_B + spacing``. A gap within ``spacing ± tolerance`` counts.

    Parameters
    ----------
    P: numpy.ndarray, shape=(n, 4, length)
        Optimized inputs (columns summing to 1), or one-hot sequences.
    pwm_a, pwm_b: numpy.ndarray, shape=(4, k)
        The planted matrices, A first.
    spacing: int
        Planted gap in bp.
    tolerance: int, optional
        bp a gap may differ from ``spacing``. Default 1.
    min_score_fraction: float, optional
        A site scores at least this fraction of the motif's consensus score. Default 0.7.
    consensus: bool, optional
        Scan each input's consensus (the most probable base per position, as its logo reads) instead
        of the expected score under its probabilities, which mismatching mass at every position
        drags down. Default True.

    Returns
    -------
    pandas.DataFrame
        One row per input: ``index has_a has_b both arranged gaps`` (``gaps``: the gaps in bp of every
        same-strand A-B pair in planted order, comma-separated, for inspection).
    """
    k_a, k_b = np.asarray(pwm_a).shape[1], np.asarray(pwm_b).shape[1]
    P = np.asarray(P, dtype=np.float64)
    if consensus:
        P = np.eye(4)[P.argmax(axis=1)].transpose(0, 2, 1) if P.size else P
    hits_a = motif_hits(P, pwm_a, min_score_fraction)
    hits_b = motif_hits(P, pwm_b, min_score_fraction)
    rows = []
    for r, (a, b) in enumerate(zip(hits_a, hits_b)):
        gaps = [bs - (as_ + k_a) for as_, sa in a for bs, sb in b if sa == sb == "+"]
        gaps += [as_ - (bs + k_b) for as_, sa in a for bs, sb in b if sa == sb == "-"]
        arranged = any(abs(g - spacing) <= tolerance for g in gaps)
        rows.append((r, bool(a), bool(b), bool(a) and bool(b), arranged, ",".join(map(str, sorted(gaps)))))
    return pd.DataFrame(rows, columns=["index", "has_a", "has_b", "both", "arranged", "gaps"])


def _two_sites(ids: Sequence[str], sites: pd.DataFrame) -> pd.DataFrame:
    """``id s1 e1 s2 e2``: the leftmost and the rightmost planted site of each id with two or more."""
    sites = sites[sites["id"].isin(set(ids))].sort_values(["id", "start"], kind="stable")
    first = sites.groupby("id", sort=False).first()
    last = sites.groupby("id", sort=False).last()
    n = sites.groupby("id", sort=False).size()
    out = pd.DataFrame({"s1": first["start"], "e1": first["end"], "s2": last["start"], "e2": last["end"]})
    return out[(n >= 2) & (out["e1"] <= out["s2"])].astype(int)


def temporal_grammar_check(
    forward: np.ndarray,
    backward: np.ndarray,
    ids: Sequence[str],
    sites: pd.DataFrame,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Whether temporal output scores switch on only after the second of two motifs is read.

    With the first motif at ``[s1, e1)`` and the second at ``[s2, e2)`` (left to right):
    ``forward_ok``: every prefix ending before ``s2`` scores below ``threshold`` and the prefix through
    ``e2 - 1`` at least ``threshold``. ``backward_ok``: every suffix starting at or after ``e1`` scores
    below and the suffix from ``s1`` at least ``threshold``. ``forward_first`` (``backward_first``):
    the score is already on once the first motif read is complete, i.e. one motif sufficed.

    Parameters
    ----------
    forward, backward: numpy.ndarray, shape=(n, length)
        From :func:`~deepmotif.interpret.temporal.temporal_scores` (prefix / suffix probabilities).
    ids: sequence of str
        Sequence ids of the rows.
    sites: pandas.DataFrame
        ``id start end`` of the planted motifs, window coordinates (e.g. ``planted.tsv`` of the grammar
        data, or :func:`~deepmotif.simulation.groundtruth.planted_sites`); ids with fewer than two
        non-overlapping sites are skipped.
    threshold: float, optional
        Probability counted as bound. Default 0.5.

    Returns
    -------
    pandas.DataFrame
        ``id s1 e1 s2 e2 forward_first forward_ok backward_first backward_ok switch switch_offset``:
        ``switch`` is the first prefix end with ``forward >= threshold`` (-1: never) and
        ``switch_offset = switch - (e2 - 1)`` (negative: on before the second motif was complete).
    """
    forward, backward = check_scores(forward, ids, "forward", 2), check_scores(backward, ids, "backward", 2)
    if forward.shape != backward.shape:
        raise ValueError(f"forward and backward must have the same shape, got {forward.shape} and {backward.shape}")
    row = {sid: i for i, sid in enumerate(ids)}
    rows = []
    for sid, (s1, e1, s2, e2) in _two_sites(ids, sites).iterrows():
        f, b = forward[row[sid]], backward[row[sid]]
        on = np.flatnonzero(f >= threshold)
        switch = int(on[0]) if len(on) else -1
        rows.append((sid, s1, e1, s2, e2,
                     bool(f[e1 - 1] >= threshold), bool(f[:s2].max(initial=0.0) < threshold <= f[e2 - 1]),
                     bool(b[s2] >= threshold), bool(b[e1:].max(initial=0.0) < threshold <= b[s1]),
                     switch, switch - (e2 - 1) if switch >= 0 else np.nan))
    return pd.DataFrame(rows, columns=["id", "s1", "e1", "s2", "e2", "forward_first", "forward_ok",
                                       "backward_first", "backward_ok", "switch", "switch_offset"])


def _rank_auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """AUROC of ``score`` separating ``positive`` from the rest (ties count half)."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def attribution_vs_mask(X_attr: np.ndarray, mask: np.ndarray, top: int = 10) -> pd.DataFrame:
    """How well per-position attribution picks out the planted motifs, with chance beside it.

    A position's score is the sum of ``X_attr`` over bases (for gradient × input: the present base's).

    Parameters
    ----------
    X_attr: numpy.ndarray, shape=(n, 4, length)
        Attributions.
    mask: numpy.ndarray of bool, shape=(n, length)
        True inside a planted motif.
    top: int, optional
        Most salient positions taken per sequence. Default 10.

    Returns
    -------
    pandas.DataFrame
        One row per sequence with both motif and non-motif positions: ``row top_precision
        chance_precision auroc chance_auroc``. ``top_precision``: share of the ``top`` positions inside
        a motif (chance: the motif's share of the window); ``auroc``: per-position score against the
        mask (chance 0.5).
    """
    X_attr, mask = np.asarray(X_attr, dtype=np.float64), np.asarray(mask, dtype=bool)
    if X_attr.ndim != 3 or mask.shape != (X_attr.shape[0], X_attr.shape[2]):
        raise ValueError(f"X_attr must be (n, 4, length) and mask (n, length), got {X_attr.shape} and {mask.shape}")
    length = X_attr.shape[2]
    if not 1 <= top <= length:
        raise ValueError(f"top must be in [1, {length}], got {top}")
    score = X_attr.sum(axis=1)
    order = np.argsort(-score, axis=1, kind="stable")[:, :top]
    precision = np.take_along_axis(mask, order, axis=1).mean(axis=1)
    rows = [(r, precision[r], mask[r].mean(), _rank_auroc(score[r], mask[r]), 0.5)
            for r in range(len(mask)) if 0 < mask[r].sum() < length]
    return pd.DataFrame(rows, columns=["row", "top_precision", "chance_precision", "auroc", "chance_auroc"])


def headline_metrics(per_sequence: pd.DataFrame) -> dict[str, float]:
    """Means of :func:`attribution_vs_mask` over sequences: each metric with its chance level."""
    if per_sequence.empty:
        return {"n": 0, "top_precision": np.nan, "top_precision_chance": np.nan, "attribution_auroc": np.nan,
                "attribution_auroc_chance": 0.5}
    return {"n": len(per_sequence), "top_precision": float(per_sequence["top_precision"].mean()),
            "top_precision_chance": float(per_sequence["chance_precision"].mean()),
            "attribution_auroc": float(per_sequence["auroc"].mean()), "attribution_auroc_chance": 0.5}
