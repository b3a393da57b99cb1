"""Did a model learn the ChIPped TF's known motif? A calibrated JASPAR check for real and simulated TFs.

Steps, one function each:

1. :func:`expected_matrices`: the TF's JASPAR matrices: the sheet's ``motifs`` ids (simulated TFs: the
   planted ones), or else the matrices whose name equals the TF's (:func:`tf_name`: ``GABPA`` from the
   DeepBind name ``GABPA_GM12878_GABP_HudsonAlpha``), with JASPAR's ``tf_family``/``tf_class``
   (:func:`jaspar_annotations`).
2. :func:`decoy_motifs`: column-shuffled copies of the JASPAR matrices (same number, same columns, so the
   same information content and GC), the null of the calibration: a learned motif that matches a decoy
   matches nothing real. :func:`~deepmotif.interpret.motifs.match_jaspar` with ``decoys`` gives each query
   its best decoy p-value and q-value beside its real hits.
3. :func:`calls`: the learned motifs whose top hit counts: q < ``max_q``, at least ``min_information`` bits
   in the trimmed motif, and no decoy matched at q < ``max_q`` (a motif that matches a meaningless matrix
   is unspecific).
4. :func:`verdicts`: per source of learned motifs (``filter``, ``class_optimization``, ``modisco``):
   ``exact`` (a call's target is one of the TF's matrices, any version), ``family`` (same JASPAR
   ``tf_family``), ``none``, or ``no known matrix``; and :func:`false_match_rate`: how often the same
   learned motifs match a decoy at q < ``max_q`` (the empirical false-match rate) and the decoy-estimated
   FDR of the calls.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from deepmotif.interpret.motifs import Motifs, base_id

SOURCES = ("filter", "class_optimization", "modisco")
NO_MATRIX = "no known matrix"
VERDICT_ORDER = {"exact": 0, "family": 1, "none": 2, NO_MATRIX: 3}
ANNOTATION_COLUMNS = ["motif_id", "name", "family", "class"]
EXPECTED_COLUMNS = ["motif_id", "name", "family", "class", "origin"]
VERDICT_COLUMNS = ["source", "verdict", "expected", "origin", "query", "target_id", "target_name", "q_value",
                   "p_value", "rank", "n_queries", "n_calls", "unexpected"]
DECOY_PREFIX = "decoy:"


@functools.lru_cache(maxsize=8)
def jaspar_annotations(
    release: str = "JASPAR2024", collection: str = "CORE", tax_group: str | None = "vertebrates"
) -> pd.DataFrame:
    """JASPAR's metadata of the latest version of each matrix (pyjaspar, offline).

    Returns
    -------
    pandas.DataFrame
        :data:`ANNOTATION_COLUMNS`: ``family`` and ``class`` are JASPAR's ``tf_family`` and ``tf_class``,
        several joined by ``;`` (a dimer has one per partner), empty when JASPAR has none.
    """
    from deepmotif.interpret.motifs import jaspar_selection

    _, arrays = jaspar_selection(release, collection, tax_group)  # cached per user with the matrices
    columns = [arrays[k].tolist() for k in ("ids", "names", "families", "classes")]
    return pd.DataFrame(dict(zip(ANNOTATION_COLUMNS, columns)), columns=ANNOTATION_COLUMNS)


def tf_name(tf: str) -> str:
    """The TF's gene name in a dataset id: its first ``_``-separated token (DeepBind and ENCODE names).

    Examples
    --------
    >>> tf_name("GABPA_GM12878_GABP_HudsonAlpha")
    'GABPA'
    >>> tf_name("CTCF")
    'CTCF'
    """
    return re.split(r"[_\s]", str(tf).strip())[0]


def expected_matrices(tf: str, motif_ids: Sequence[str], annotations: pd.DataFrame) -> pd.DataFrame:
    """The JASPAR matrices a model of ``tf`` should learn.

    Parameters
    ----------
    tf: str
        Dataset id (the sheet's ``tf``).
    motif_ids: sequence of str
        The sheet's ``motifs`` (planted matrices of a simulated TF); empty: look the TF's name up.
    annotations: pandas.DataFrame
        :func:`jaspar_annotations`.

    Returns
    -------
    pandas.DataFrame
        :data:`EXPECTED_COLUMNS`; ``origin`` is ``sheet`` or ``name lookup: <name>`` (matrices whose
        name equals :func:`tf_name` of ``tf``, case ignored). Sheet ids
        keep their version; their name and family come from the database's version of the same matrix
        (empty if the database lacks it). A name lookup takes the matrices named exactly like the TF, and
        only when there are none the dimers with the TF as a partner. No rows: the TF has no known matrix.
    """
    if len(motif_ids):
        by_base = {base_id(r["motif_id"]): r for r in annotations.to_dict("records")}
        empty = {"name": "", "family": "", "class": ""}
        rows = [(motif_id, *(by_base.get(base_id(motif_id), empty)[k] for k in ("name", "family", "class")), "sheet")
                for motif_id in motif_ids]
        return pd.DataFrame(rows, columns=EXPECTED_COLUMNS)
    name = tf_name(tf).upper()
    found = annotations[annotations["name"].str.upper() == name]
    if found.empty:  # only in dimers (a partner's family would widen the TF's)
        parts = annotations["name"].map(lambda n: {p.strip().upper() for p in str(n).split("::")})
        found = annotations[parts.map(lambda p: name in p)]
    return pd.DataFrame({"motif_id": found["motif_id"], "name": found["name"], "family": found["family"],
                         "class": found["class"], "origin": f"name lookup: {tf_name(tf)}"},
                        columns=EXPECTED_COLUMNS).reset_index(drop=True)


def decoy_motifs(targets: Motifs, seed: int = 0) -> Motifs:
    """Column-shuffled copies of ``targets``: one decoy per matrix, the same columns in a random order.

    A decoy keeps its matrix's width, information content and base composition but no real binding
    preference, so learned motifs that match decoys measure how often Tomtom matches by chance. Ids and
    names are the originals' with a ``decoy:`` prefix.
    """
    rng = np.random.default_rng(seed)
    pwms = []
    for pwm in targets.pwms:
        decoy = np.ascontiguousarray(np.asarray(pwm)[:, rng.permutation(pwm.shape[1])])
        decoy.setflags(write=False)
        pwms.append(decoy)
    return Motifs(tuple(DECOY_PREFIX + i for i in targets.ids), tuple(DECOY_PREFIX + n for n in targets.names),
                  tuple(pwms))


def calls(matches: pd.DataFrame, max_q: float, min_information: float = 0.0) -> pd.DataFrame:
    """The learned motifs whose top JASPAR hit counts as a match, with that hit.

    A query's rank-1 hit counts when ``q_value < max_q``, the query has at least ``min_information`` bits
    (``information``, when the column is there) and it matches no decoy at ``q < max_q``
    (``decoy_q_value``, when the column is there): a learned motif that also matches a column-shuffled
    matrix is unspecific (poly-C, GC-rich or low-complexity), whatever its real hit.

    Parameters
    ----------
    matches: pandas.DataFrame
        :func:`~deepmotif.interpret.motifs.match_jaspar` output (with ``source`` for :func:`verdicts`).
    max_q: float
    min_information: float, optional
        Bits the trimmed learned motif needs. Default 0 (no threshold).

    Returns
    -------
    pandas.DataFrame
        The rank-1 rows that count, best p-value first.
    """
    if matches is None or matches.empty:
        return pd.DataFrame(columns=list(matches.columns) if matches is not None else [])
    top = matches[(matches["rank"] == 1) & (matches["q_value"] < max_q)]
    if "information" in top:
        top = top[top["information"] >= min_information]
    if "decoy_q_value" in top:
        top = top[~(top["decoy_q_value"] < max_q)]  # NaN (no decoy Tomtom) keeps the hit
    return top.sort_values("p_value", kind="stable")


def _family_set(text: str) -> set[str]:
    return {f for f in str(text).split(";") if f and f != "nan"}


def verdicts(
    matches: pd.DataFrame,
    expected: pd.DataFrame,
    annotations: pd.DataFrame,
    max_q: float,
    min_information: float = 0.0,
    sources: Sequence[str] = SOURCES,
) -> pd.DataFrame:
    """Per source of learned motifs: is the TF's matrix the top hit (``exact``), or its JASPAR family among
    the top hits (``family``)?

    ``exact``: the top hit of a learned motif that counts (:func:`calls`) is one of the TF's matrices (any
    version). ``family``: one of the significant hits (q < ``max_q``, any of the ``top_k`` ranks that
    :func:`~deepmotif.interpret.motifs.match_jaspar` kept) of such a motif is the TF's matrix or shares a
    JASPAR ``tf_family`` with it (a GABPA pattern whose top hit is ZBTB11, an ETS-like zinc finger, and
    whose next hits are ETS factors has learned the ETS family).

    Parameters
    ----------
    matches: pandas.DataFrame
        Hits of all learned motifs of a model, with a ``source`` column (``filter``,
        ``class_optimization``, ``modisco``).
    expected: pandas.DataFrame
        :func:`expected_matrices`.
    annotations: pandas.DataFrame
        :func:`jaspar_annotations` (the family of every target).
    max_q, min_information: float
        Of :func:`calls`.
    sources: sequence of str, optional
        One row per source, whether or not it has learned motifs. Default :data:`SOURCES`.

    Returns
    -------
    pandas.DataFrame
        :data:`VERDICT_COLUMNS`. ``verdict``: ``exact``, ``family``, ``none`` or ``no known matrix``;
        ``query target_id target_name q_value p_value rank``: the hit giving the verdict (for ``none``
        the best call of any target, if any); ``n_queries``: learned motifs matched; ``n_calls``: of them
        with a counting top hit; ``unexpected``: top hits of counting motifs none of whose significant hits
        is the TF's matrix or of its family (``target_id:name``, comma-joined).
    """
    family_of = {base_id(i): _family_set(f) for i, f in zip(annotations["motif_id"], annotations["family"])}
    want_ids = {base_id(i) for i in expected["motif_id"]}
    want_family = set().union(*(_family_set(f) for f in expected["family"])) if len(expected) else set()
    expected_text = ",".join(expected["motif_id"])
    origin = ",".join(dict.fromkeys(expected["origin"])) if len(expected) else ""
    called = calls(matches, max_q, min_information)
    # the significant hits of every rank (top_k of match_jaspar) of the learned motifs whose top hit counts
    ranked = (matches[matches["query"].isin(set(called["query"])) & (matches["q_value"] < max_q)]
              .sort_values(["rank", "p_value"], kind="stable") if len(called) else called)

    def in_family(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame):
            return frame
        ids = frame["target_id"].map(base_id)
        return frame[ids.isin(want_ids) | ids.map(lambda t: bool(family_of.get(t, set()) & want_family))]

    rows = []
    for source in sources:
        queried = matches[matches["source"] == source] if len(matches) else matches
        mine = called[called["source"] == source] if len(called) else called
        exact = mine[mine["target_id"].map(base_id).isin(want_ids)] if len(mine) else mine
        fam = in_family(ranked[ranked["source"] == source] if len(ranked) else ranked)
        if not len(expected):
            verdict, best = NO_MATRIX, mine
        elif len(exact):
            verdict, best = "exact", exact
        elif len(fam):
            verdict, best = "family", fam
        else:
            verdict, best = "none", mine
        # a call is unexpected when none of its significant hits is the TF's matrix or of its family (a window
        # whose top hit is TFAP2A and fifth CTCF is a CTCF-like motif, not an AP-2 one)
        related = set(in_family(ranked)["query"]) if len(ranked) else set()
        other = mine[~mine["query"].isin(related)] if len(mine) else mine
        unexpected = ",".join(dict.fromkeys(f"{t}:{n}" for t, n in zip(other.get("target_id", []),
                                                                      other.get("target_name", []))))
        b = best.iloc[0] if len(best) else None
        rows.append((source, verdict, expected_text, origin, b["query"] if b is not None else "",
                     b["target_id"] if b is not None else "", b["target_name"] if b is not None else "",
                     float(b["q_value"]) if b is not None else np.nan, float(b["p_value"]) if b is not None else np.nan,
                     int(b["rank"]) if b is not None else 0,
                     int(queried["query"].nunique()) if len(queried) else 0, int(mine["query"].nunique()) if len(mine)
                     else 0, unexpected))
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def false_match_rate(matches: pd.DataFrame, max_q: float, min_information: float = 0.0) -> dict:
    """The empirical chance of a JASPAR match, from the same learned motifs against decoy matrices.

    Parameters
    ----------
    matches: pandas.DataFrame
        :func:`~deepmotif.interpret.motifs.match_jaspar` run with ``decoys`` (columns ``decoy_q_value``,
        ``information``).
    max_q, min_information: float
        Of :func:`calls`; learned motifs below ``min_information`` bits are left out of both counts.

    Returns
    -------
    dict
        ``n_queries`` (learned motifs with enough information), ``n_decoy`` (of them matching a decoy at
        q < ``max_q``), ``false_match_rate`` (``n_decoy / n_queries``), ``n_real`` (with a real top hit at
        q < ``max_q``) and ``decoy_fdr`` (``n_decoy / n_real``, capped at 1: the share of real matches to
        expect by chance); NaN where a count is 0.
    """
    if matches is None or matches.empty or "decoy_q_value" not in matches:
        return {"n_queries": 0, "n_decoy": 0, "false_match_rate": np.nan, "n_real": 0, "decoy_fdr": np.nan}
    top = matches[matches["rank"] == 1]
    if "information" in top:
        top = top[top["information"] >= min_information]
    n, n_decoy, n_real = len(top), int((top["decoy_q_value"] < max_q).sum()), int((top["q_value"] < max_q).sum())
    return {"n_queries": int(n), "n_decoy": n_decoy, "false_match_rate": n_decoy / n if n else np.nan,
            "n_real": n_real, "decoy_fdr": min(1.0, n_decoy / n_real) if n_real else np.nan}


def family_share(expected: pd.DataFrame, annotations: pd.DataFrame) -> float:
    """Share of the database's matrices that are the TF's or of its family: the chance that a call drawn
    at random says ``exact`` or ``family`` (large for big families such as C2H2 zinc fingers)."""
    if not len(expected) or not len(annotations):
        return np.nan
    want_ids = {base_id(i) for i in expected["motif_id"]}
    want_family = set().union(*(_family_set(f) for f in expected["family"]))
    hit = [base_id(i) in want_ids or bool(_family_set(f) & want_family)
           for i, f in zip(annotations["motif_id"], annotations["family"])]
    return float(np.mean(hit))


def known_motif_check(
    matches: pd.DataFrame,
    tf: str,
    motif_ids: Sequence[str],
    annotations: pd.DataFrame,
    max_q: float,
    min_information: float = 0.0,
    sources: Sequence[str] = SOURCES,
    pwms: Mapping[str, np.ndarray] | None = None,
    targets: Motifs | None = None,
) -> dict:
    """The ``known_motifs`` entry of ``ground_truth.json`` for one model: expected matrices, verdicts,
    calibration.

    Parameters
    ----------
    matches: pandas.DataFrame
        Hits of every learned motif of the model, with ``source`` (see :func:`verdicts`).
    tf: str
    motif_ids: sequence of str
        The sheet's (or the planted) JASPAR ids; empty: look the TF's name up.
    annotations: pandas.DataFrame
        :func:`jaspar_annotations`.
    max_q, min_information: float
        Of :func:`calls`.
    sources: sequence of str, optional
    pwms: mapping of str to numpy.ndarray, optional
        The learned motifs by query name, shape ``(4, k)``: the best one is stored (trimmed as matched).
    targets: Motifs, optional
        The database matched: the best call's JASPAR matrix is stored.

    Returns
    -------
    dict
        ``expected`` (records of :func:`expected_matrices`), ``origin``, ``verdicts`` (records of
        :func:`verdicts`), ``best`` (the verdict row of the best source: exact before family before
        none; with ``pwms``/``targets`` also ``pwm`` and ``target_pwm`` as nested lists and the match's
        ``orientation``), ``family_share`` (:func:`family_share`), the :func:`false_match_rate` counts,
        ``max_q`` and ``min_information``.
    """
    expected = expected_matrices(tf, list(motif_ids), annotations)
    table = verdicts(matches, expected, annotations, max_q, min_information, sources)
    ranked = table.assign(_o=table["verdict"].map(VERDICT_ORDER), _q=table["q_value"].fillna(np.inf))
    best = ranked.sort_values(["_o", "_q"], kind="stable").drop(columns=["_o", "_q"]).iloc[0].to_dict()
    hit = matches[(matches["query"] == best["query"]) & (matches["target_id"] == best["target_id"])] if best["query"] \
        else matches.iloc[:0]
    if len(hit):
        hit = hit.iloc[0]
        best["orientation"] = hit["orientation"]
        if pwms is not None and hit["query"] in pwms:
            pwm = np.asarray(pwms[hit["query"]], dtype=np.float64)[:, int(hit["query_start"]):int(hit["query_end"])]
            best["pwm"] = np.round(pwm, 4).tolist()
        if targets is not None and hit["target_id"] in targets.ids:
            best["target_pwm"] = np.round(targets.pwms[targets.ids.index(hit["target_id"])], 4).tolist()
    return {"expected": expected.to_dict("records"),
            "origin": ",".join(dict.fromkeys(expected["origin"])) if len(expected) else NO_MATRIX,
            "verdicts": table.to_dict("records"), "best": best,
            "family_share": family_share(expected, annotations),
            **false_match_rate(matches, max_q, min_information), "max_q": max_q,
            "min_information": min_information}


def match_text(verdict: Mapping) -> str:
    """The JASPAR hit behind a verdict row (:func:`verdicts`) as shown in tables: ``name (id) q=…``, with
    ``hit r`` when it is not the learned motif's top hit; "" without a hit.

    Examples
    --------
    >>> match_text({"target_name": "CTCF", "target_id": "MA0139.2", "rank": 2, "q_value": 1.23e-05})
    'CTCF (MA0139.2, hit 2) q=1.2e-05'
    """
    if not verdict.get("target_id"):
        return ""
    rank = f", hit {verdict['rank']}" if verdict.get("rank", 1) > 1 else ""
    return f"{verdict['target_name']} ({verdict['target_id']}{rank}) q={verdict['q_value']:.2g}"


def summary_row(tf: str, arch: str, check: dict) -> dict:
    """One row of ``results/summary/known_motifs.tsv`` from :func:`known_motif_check`: the verdict of
    each source (``filter``, ``class_optimization``, ``modisco``) and of the model, and the calibration."""
    row = {"tf": tf, "arch": arch,
           "expected": ",".join(e["motif_id"] for e in check["expected"]) or NO_MATRIX,
           "origin": check["origin"], "verdict": check["best"]["verdict"]}
    for v in check["verdicts"]:
        row[f"{v['source']}_verdict"] = v["verdict"]
        row[f"{v['source']}_match"] = match_text(v)
        row[f"{v['source']}_calls"] = v["n_calls"]
        row[f"{v['source']}_queries"] = v["n_queries"]
    row.update({"best_query": check["best"]["query"], "best_target": check["best"]["target_name"],
                "best_target_id": check["best"]["target_id"], "best_q": check["best"]["q_value"],
                "unexpected": ",".join(dict.fromkeys(u for v in check["verdicts"] for u in v["unexpected"].split(",")
                                                     if u)),
                "family_share": check["family_share"], "n_queries": check["n_queries"], "n_decoy": check["n_decoy"],
                "false_match_rate": check["false_match_rate"], "n_real": check["n_real"],
                "decoy_fdr": check["decoy_fdr"]})
    return row
