"""Checks of the interpretations against the motifs planted in simulated data.

Three questions, one function each, all in window coordinates (:func:`planted_sites`):

* saliency (:func:`saliency_overlap`): do the ``top`` most salient positions of a correctly classified
  positive fall on a planted motif? Because a 19-bp motif covers a fifth of a 101-bp window, ten
  random positions already touch it with probability ~0.9, so the chance levels are reported beside
  the hit rate, together with the *precision* (fraction of the top positions inside a motif).
* class optimization and filters (:func:`jaspar_recovery`): is the planted JASPAR matrix (any
  version) the top Tomtom hit of some learned motif with q below a threshold?
* TF-MoDISco (:func:`modisco_check`): is each planted matrix the top Tomtom hit (q below a threshold)
  of a MoDISco pattern or of a sub-window of one, and is the planted spacing of a composite the mode
  of the distances between the two recovered motifs in the same sequences?
* temporal output scores (:func:`temporal_check`): is the forward score below ``threshold`` on the
  prefix that ends just before the planted element and above it once the element has been read
  (and the backward score the same from the right)? Also where the largest single step is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from math import comb

import numpy as np
import pandas as pd

from deepmotif.interpret.motifs import base_id

SITE_COLUMNS = ["id", "motif_id", "motif_name", "start", "end", "strand"]


def check_scores(M: np.ndarray, ids: Sequence[str], name: str, ndim: int) -> np.ndarray:
    """``M`` as float64 after checking it has ``ndim`` dimensions and one row per id; else ValueError."""
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != ndim or len(M) != len(ids):
        shape = ", ".join([f"n={len(ids)}", *["..."] * (ndim - 1)])
        raise ValueError(f"{name} must have shape ({shape}) (one row per id), got {M.shape}")
    return M


def planted_sites(positives: pd.DataFrame, planted: pd.DataFrame) -> pd.DataFrame:
    """Planted motifs in the coordinates of the extracted windows.

    Parameters
    ----------
    positives: pandas.DataFrame
        ``results/{tf}/data/positives.tsv``: ``id chrom start end`` (the window of each peak).
    planted: pandas.DataFrame
        ``resources/simulated/{tf}/planted.tsv``: ``peak chrom start end strand motif_id motif_name``.

    Returns
    -------
    pandas.DataFrame
        :data:`SITE_COLUMNS`; ``[start, end)`` relative to the window start, clipped to the window;
        motifs entirely outside their window are dropped.
    """
    windows = positives[["id", "chrom", "start", "end"]].rename(
        columns={"start": "w_start", "end": "w_end", "chrom": "w_chrom"})
    sites = planted.merge(windows, left_on="peak", right_on="id", how="inner")
    sites = sites[sites["chrom"] == sites["w_chrom"]]
    length = sites["w_end"] - sites["w_start"]
    start = (sites["start"] - sites["w_start"]).clip(lower=0)
    end = np.minimum(sites["end"] - sites["w_start"], length)
    out = pd.DataFrame({"id": sites["id"].astype(str), "motif_id": sites["motif_id"],
                        "motif_name": sites["motif_name"], "start": start, "end": end,
                        "strand": sites["strand"]})
    return out[out["end"] > out["start"]].reset_index(drop=True)


def site_mask(ids: Sequence[str], sites: pd.DataFrame, length: int) -> np.ndarray:
    """Boolean ``(n, length)``: True inside any site (``id start end``) of the sequence, clipped to the window."""
    row = {sid: i for i, sid in enumerate(ids)}
    mask = np.zeros((len(ids), length), dtype=bool)
    for sid, start, end in sites[["id", "start", "end"]].itertuples(index=False):
        if sid in row:
            mask[row[sid], max(int(start), 0):min(int(end), length)] = True
    return mask


def saliency_overlap(
    X_attr: np.ndarray,
    ids: Sequence[str],
    sites: pd.DataFrame,
    top: int = 10,
) -> pd.DataFrame:
    """Whether the most salient positions of each sequence fall on its planted motifs.

    Parameters
    ----------
    X_attr: numpy.ndarray, shape=(n, 4, length)
        Attributions (e.g. gradient times input); a position's score is the sum over bases, so the
        base present counts, and the ``top`` largest scores are taken.
    ids: sequence of str
        Sequence ids, matching ``sites["id"]``.
    sites: pandas.DataFrame
        From :func:`planted_sites`.
    top: int, optional
        Positions taken per sequence. Default 10.

    Returns
    -------
    pandas.DataFrame
        One row per sequence that has a planted site: ``id hit precision chance_hit
        chance_precision``. ``hit``: some top position is in a motif; ``precision``: the fraction of
        them that is; the chance levels are those of ``top`` positions drawn at random.
    """
    X_attr = check_scores(X_attr, ids, "X_attr", 3)
    length = X_attr.shape[-1]
    if not 1 <= top <= length:
        raise ValueError(f"top must be in [1, {length}], got {top}")
    mask = site_mask(ids, sites, length)
    score = X_attr.sum(axis=1)
    order = np.argsort(-score, axis=1, kind="stable")[:, :top]
    in_site = np.take_along_axis(mask, order, axis=1)
    covered = mask.sum(axis=1)
    chance_hit = np.array([1 - comb(length - int(m), top) / comb(length, top) for m in covered])
    out = pd.DataFrame({"id": list(ids), "hit": in_site.any(axis=1), "precision": in_site.mean(axis=1),
                        "chance_hit": chance_hit, "chance_precision": covered / length})
    return out[covered > 0].reset_index(drop=True)


def temporal_check(
    forward: np.ndarray,
    backward: np.ndarray,
    ids: Sequence[str],
    sites: pd.DataFrame,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Whether temporal output scores switch on while the planted element is read.

    The element spans from the first planted motif's start ``s`` to the last one's end ``e`` (a
    composite counts as one element). ``forward_ok``: ``forward[s - 1] < threshold <= forward[e - 1]``
    (low on the prefix before the element, high once it is complete); ``backward_ok``:
    ``backward[e] < threshold <= backward[s]``. Sequences whose element touches a window end are
    skipped (no prefix before it).

    Parameters
    ----------
    forward, backward: numpy.ndarray, shape=(n, length)
        From :func:`~deepmotif.interpret.temporal.temporal_scores`.
    ids: sequence of str
    sites: pandas.DataFrame
        From :func:`planted_sites`.
    threshold: float, optional
        Probability counted as "bound". Default 0.5.

    Returns
    -------
    pandas.DataFrame
        ``id start end forward_before forward_after forward_ok backward_before backward_after
        backward_ok jump jump_offset``: ``jump`` is the position of the largest one-step increase of
        the forward score and ``jump_offset = jump - (end - 1)`` (negative: before the element ends).
    """
    forward = check_scores(forward, ids, "forward", 2)
    backward = check_scores(backward, ids, "backward", 2)
    length = forward.shape[1]
    row = {sid: i for i, sid in enumerate(ids)}
    elements = sites[sites["id"].isin(row)].groupby("id", sort=False).agg(start=("start", "min"),
                                                                          end=("end", "max"))
    rows = []
    for sid, (s, e) in elements.iterrows():
        if s < 1 or e > length - 1:
            continue
        f, b = forward[row[sid]], backward[row[sid]]
        jump = int(np.argmax(np.diff(f, prepend=f[0])))
        rows.append((sid, s, e, f[s - 1], f[e - 1], f[s - 1] < threshold <= f[e - 1],
                     b[e], b[s], b[e] < threshold <= b[s], jump, jump - (e - 1)))
    return pd.DataFrame(rows, columns=["id", "start", "end", "forward_before", "forward_after", "forward_ok",
                                       "backward_before", "backward_after", "backward_ok", "jump",
                                       "jump_offset"])


def family(name: str) -> set[str]:
    """Name stems of a TF (or dimer) name for family comparisons: ``Gata3`` → {``GATA``},
    ``TAL1::TCF3`` → {``TAL``, ``TCF``}."""
    return {re.sub(r"[0-9]+[A-Z]?$", "", part.strip().upper()) or part.strip().upper()
            for part in str(name).split("::")}


def same_family(name: str, other: str) -> bool:
    """Whether two TF names share a stem (GATA1 and GATA2 do; CTCF and CTCFL do not)."""
    return bool(family(name) & family(other))


def jaspar_recovery(
    matches: pd.DataFrame,
    planted: pd.DataFrame,
    max_q: float = 0.01,
) -> pd.DataFrame:
    """For each planted matrix: is it the top Tomtom hit of a learned motif with q < ``max_q``?

    Parameters
    ----------
    matches: pandas.DataFrame
        Hits as from :func:`~deepmotif.interpret.motifs.match_jaspar` (``query target_id
        target_name q_value rank``).
    planted: pandas.DataFrame
        With columns ``motif_id motif_name`` (e.g. ``planted.tsv``); versions are ignored.
    max_q: float, optional
        Default 0.01.

    Returns
    -------
    pandas.DataFrame
        One row per planted matrix: ``motif_id motif_name recovered query target_id q_value
        family_recovered family_query family_target``. ``recovered``: some query's top hit is the
        matrix (any version) with ``q_value < max_q``, and ``query``/``target_id``/``q_value`` give the
        best such query; ``family_*`` do the same for any top hit of the TF's family.
    """
    planted = planted[["motif_id", "motif_name"]].drop_duplicates("motif_id")
    top = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)].sort_values("p_value", kind="stable")
    rows = []
    for motif_id, motif_name in planted.itertuples(index=False):
        same = top[top["target_id"].map(base_id) == base_id(motif_id)]
        fam = top[top["target_name"].map(lambda t: same_family(t, motif_name))]
        best = same.iloc[0] if len(same) else None
        best_fam = fam.iloc[0] if len(fam) else None
        rows.append((motif_id, motif_name, best is not None,
                     best["query"] if best is not None else "", best["target_id"] if best is not None else "",
                     best["q_value"] if best is not None else np.nan, best_fam is not None,
                     best_fam["query"] if best_fam is not None else "",
                     best_fam["target_name"] if best_fam is not None else ""))
    return pd.DataFrame(rows, columns=["motif_id", "motif_name", "recovered", "query", "target_id", "q_value",
                                       "family_recovered", "family_query", "family_target"])


def _mode(values: np.ndarray) -> float:
    """The most frequent value (the smallest of ties), NaN when empty."""
    if len(values) == 0:
        return np.nan
    uniq, counts = np.unique(values, return_counts=True)
    return float(uniq[np.argmax(counts)])


def modisco_check(
    matches: pd.DataFrame,
    centres: pd.DataFrame,
    ids: Sequence[str],
    sites: pd.DataFrame,
    planted: pd.DataFrame,
    max_q: float = 0.01,
    tolerance: float = 1.0,
) -> dict:
    """The planted motifs among TF-MoDISco's patterns, and the planted spacing among their distances.

    Parameters
    ----------
    matches: pandas.DataFrame
        Tomtom hits of the pattern windows (:func:`deepmotif.interpret.modisco.discover`'s
        ``matches``: whole patterns and sub-windows of merged ones).
    centres: pandas.DataFrame
        ``query example centre``: where each window lies in each sequence (row ``example`` of ``ids``).
    ids: sequence of str
        Ids of the sequences MoDISco saw, in row order. A pattern with sub-window queries
        (``name[start:end]``) is placed by them, not by its whole.
    sites: pandas.DataFrame
        :func:`planted_sites`.
    planted: pandas.DataFrame
        ``motif_id motif_name`` of the planted matrices.
    max_q: float, optional
        q-value a top hit must stay below. Default 0.01.
    tolerance: float, optional
        bp the learned spacing may differ from the planted one. Default 1.

    Returns
    -------
    dict
        ``modisco_recovered`` (planted matrices that are a query's top hit with q < ``max_q``),
        ``modisco_family_recovered``, ``modisco_queries`` (``query:target`` of the recovered),
        ``modisco_best_q``; for a composite (two planted matrices) also ``planted_spacing`` (mode of
        the distance between the two motifs' centres over the sequences), ``modisco_spacing_mode``
        (the same between the windows that recovered them, NaN unless both are recovered),
        ``modisco_spacing_n`` (pairs seen) and ``modisco_spacing_ok``.
    """
    recovery = jaspar_recovery(matches, planted, max_q)
    top = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)]
    hits = recovery[recovery["recovered"]]
    row = {"modisco_recovered": int(recovery["recovered"].sum()),
           "modisco_family_recovered": int(recovery["family_recovered"].sum()),
           "modisco_queries": ",".join(f"{q}:{t}" for q, t in zip(hits["query"], hits["target_id"])),
           "modisco_best_q": hits["q_value"].min() if len(hits) else np.nan}
    motifs = list(recovery["motif_id"])
    if len(motifs) != 2:
        return row
    seen = sites[sites["id"].isin(set(map(str, ids)))].assign(centre=lambda d: (d["start"] + d["end"] - 1) / 2)
    by_motif = seen.pivot_table(index="id", columns=seen["motif_id"].map(base_id), values="centre", aggfunc="first")
    a, b = (base_id(m) for m in motifs)
    planted_d = (by_motif[b] - by_motif[a]).abs().dropna().to_numpy() if {a, b} <= set(by_motif.columns) else []
    row["planted_spacing"] = _mode(np.asarray(planted_d))
    # a pattern matched as a whole and by its sub-windows ``name[start:end]`` is placed by the sub-windows
    merged = {q.split("[")[0] for q in centres["query"].unique() if "[" in q}
    centres = centres[~centres["query"].isin(merged)]
    where = {}
    for motif in (a, b):
        queries = set(top.loc[top["target_id"].map(base_id) == motif, "query"])
        where[motif] = centres[centres["query"].isin(queries)]
    pairs = where[a].merge(where[b], on="example", suffixes=("_a", "_b"))
    pairs = pairs[pairs["query_a"] != pairs["query_b"]]
    learned = (pairs["centre_b"] - pairs["centre_a"]).abs().to_numpy()
    row["modisco_spacing_mode"] = _mode(learned)
    row["modisco_spacing_n"] = int(len(learned))
    row["modisco_spacing_ok"] = bool(abs(row["modisco_spacing_mode"] - row["planted_spacing"]) <= tolerance)
    return row


def summarize(
    arch: str,
    saliency: pd.DataFrame,
    temporal: pd.DataFrame | None = None,
    recovery: pd.DataFrame | None = None,
) -> dict:
    """One row of the ground-truth table of an architecture from the per-sequence results.

    ``saliency`` should hold the correctly classified positives only (see :func:`saliency_overlap`).
    Missing parts (no temporal scores, no learned motifs) give empty values.
    """
    row = {"arch": arch, "n_positives": len(saliency),
           "saliency_hit_rate": saliency["hit"].mean() if len(saliency) else np.nan,
           "saliency_hit_chance": saliency["chance_hit"].mean() if len(saliency) else np.nan,
           "saliency_precision": saliency["precision"].mean() if len(saliency) else np.nan,
           "saliency_precision_chance": saliency["chance_precision"].mean() if len(saliency) else np.nan}
    if temporal is not None:
        row.update({"temporal_n": len(temporal),
                    "temporal_forward_rate": temporal["forward_ok"].mean() if len(temporal) else np.nan,
                    "temporal_backward_rate": temporal["backward_ok"].mean() if len(temporal) else np.nan,
                    "temporal_jump_offset": temporal["jump_offset"].median() if len(temporal) else np.nan})
    if recovery is not None:
        hits = recovery[recovery["recovered"]]
        row.update({"jaspar_planted": ",".join(recovery["motif_id"]),
                    "jaspar_recovered": int(recovery["recovered"].sum()),
                    "jaspar_family_recovered": int(recovery["family_recovered"].sum()),
                    "jaspar_queries": ",".join(f"{q}:{t}" for q, t in zip(hits["query"], hits["target_id"])),
                    "jaspar_best_q": hits["q_value"].min() if len(hits) else np.nan})
    return row


def check_interpretation(
    saliency: Mapping[str, np.ndarray],
    temporal: Mapping[str, np.ndarray] | None,
    matches: pd.DataFrame | None,
    positives: pd.DataFrame,
    planted: pd.DataFrame,
    top: int,
    max_q: float,
    arch: str = "",
    modisco: Mapping | None = None,
) -> dict:
    """The ground-truth row of one model: its interpretations against the motifs planted in simulated data.

    Only the correctly classified positives (P(binding) > 0.5) count: a model's explanation of a
    sequence it misclassifies says nothing about what it learned.

    Parameters
    ----------
    saliency: mapping
        ``ids X_attr prob method`` (the arrays of ``saliency.npz``).
    temporal: mapping or None
        ``ids forward backward`` (``temporal.npz``), or None when not computed.
    matches: pandas.DataFrame or None
        JASPAR hits of the learned motifs (``jaspar_matches.tsv``), or None.
    positives, planted: pandas.DataFrame
        ``positives.tsv`` (the windows) and ``planted.tsv`` of the simulation.
    top: int
        Most salient positions taken per sequence.
    max_q: float
        q-value a JASPAR top hit must stay below.
    arch: str, optional
    modisco: mapping, optional
        ``matches centres ids`` of :func:`deepmotif.interpret.modisco.discover` (and the ids it saw),
        checked by :func:`modisco_check`; None when MoDISco did not run.

    Returns
    -------
    dict
        :func:`summarize`, ``n_test_positives`` (scored), ``saliency_method``, the headline attribution
        metrics with their chance levels (``attribution_top_precision`` and ``attribution_auroc``,
        :func:`~deepmotif.simulation.grammar_checks.headline_metrics`) and the :func:`modisco_check`.
    """
    from deepmotif.simulation.grammar_checks import attribution_vs_mask, headline_metrics

    sites = planted_sites(positives, planted)
    correct = np.asarray(saliency["prob"]) > 0.5
    ids = np.asarray(saliency["ids"])
    overlap = saliency_overlap(np.asarray(saliency["X_attr"])[correct], ids[correct], sites, top)
    switches = None
    if temporal is not None:
        prob = dict(zip(ids, saliency["prob"]))
        keep = np.array([prob.get(i, 0.0) > 0.5 for i in temporal["ids"]], dtype=bool)
        switches = temporal_check(np.asarray(temporal["forward"])[keep], np.asarray(temporal["backward"])[keep],
                                  np.asarray(temporal["ids"])[keep], sites)
    recovery = jaspar_recovery(matches, planted, max_q) if matches is not None else None
    X_correct = np.asarray(saliency["X_attr"])[correct]
    headline = headline_metrics(attribution_vs_mask(X_correct, site_mask(ids[correct], sites, X_correct.shape[-1]),
                                                    top))
    row = {**summarize(arch, overlap, switches, recovery), "n_test_positives": int(len(correct)),
           "saliency_method": str(saliency["method"]),
           "attribution_top_precision": headline["top_precision"],
           "attribution_top_precision_chance": headline["top_precision_chance"],
           "attribution_auroc": headline["attribution_auroc"],
           "attribution_auroc_chance": headline["attribution_auroc_chance"]}
    if modisco is not None:
        row["modisco_patterns"] = len(modisco["table"])
        row.update(modisco_check(modisco["matches"], modisco["centres"], modisco["ids"], sites, planted, max_q))
    return row
