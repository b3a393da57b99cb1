"""Motif instances at genome coordinates: ``deepmotif instances`` (Fi-NeMo hit calling on attribution tracks).

TF-MoDISco finds the patterns a model uses, not every place it uses them. Here every instance is
called, as Fi-NeMo does (the ``finemo`` package, Kundaje lab): the attribution of the reference base
along each region (the bigWig of ``deepmotif tracks``) is fitted as a sparse, non-negative sum of the
patterns' contribution weight matrices (CWMs) placed on the sequence, and each non-zero coefficient
whose local correlation with the CWM passes ``lambda`` is a hit. A hit of a MoDISco pattern is kept as
an instance when its attribution reaches ``min_attribution`` of the pattern's typical seqlet's (the
sum of the CWM): chance matches of a motif in a peak's flanks get some attribution from the windows
where they are the best the model sees, less than a site the model scores as a peak.

Patterns come from a TF-MoDISco result (``modisco.h5``: the CWMs of its patterns, positive and negative, trimmed by
Fi-NeMo's rule, both strands; JASPAR names from ``modisco_patterns.tsv``, and a composite pattern
whose halves each match a JASPAR matrix is split into one pattern per half) or from JASPAR matrices
given by id (their probability matrices weighted by information content, as a CWM would be).

Regions longer than ``tile`` bp are cut into tiles that overlap by the widest pattern, so an instance
lies whole in some tile; tiles are padded with zeros to one length and handed to Fi-NeMo ``batch`` at a
time, so memory does not grow with the number of regions; Fi-NeMo optimises ``fit_batch`` of them side by
side, for at most ``max_steps`` steps each. Output: BED (sorted) with columns
:data:`BED_COLUMNS`: ``score`` is Fi-NeMo's coefficient on the scale of the attributions,
``attribution`` the sum of the attribution track over the instance.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deepmotif.errors import InputError

log = logging.getLogger(__name__)

BED_COLUMNS = ["chrom", "start", "end", "pattern", "score", "strand", "attribution", "jaspar"]
HIT_COLUMNS = ["chrom", "start", "end", "row", "score", "similarity", "attribution"]


@dataclass
class Patterns:
    """CWMs to call, one row per pattern and strand.

    Attributes
    ----------
    names: list of str
        Pattern name of each row (the same for its two strands).
    strands: list of str
        ``+`` or ``-``.
    jaspar: list of str
        JASPAR name of each row's pattern ('' when it matches none).
    cwms: numpy.ndarray, shape=(m, 4, width), float32
        Each row's CWM (unit norm).
    masks: numpy.ndarray, shape=(m, width), int8
        Columns of each CWM that count (the trimmed motif).
    expected: numpy.ndarray, shape=(m,)
        Attribution of a typical instance: the sum of a MoDISco CWM (the mean of its seqlets) over the
        trimmed columns; NaN for JASPAR matrices.
    """

    names: list[str]
    strands: list[str]
    jaspar: list[str]
    cwms: np.ndarray
    masks: np.ndarray
    expected: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def span(self, row: int) -> tuple[int, int]:
        """``[start, end)`` of the trimmed motif inside row ``row``'s CWM."""
        cols = np.flatnonzero(self.masks[row])
        return int(cols[0]), int(cols[-1]) + 1


def _both_strands(names: Sequence[str], jaspar: Sequence[str], cwms: Sequence[np.ndarray],
                  masks: Sequence[np.ndarray], expected: bool) -> Patterns:
    """Patterns of forward CWMs ``(4, w_i)`` and masks, padded to one width, each with its reverse complement;
    ``expected``: the CWMs are MoDISco's (their masked sum is a typical instance's attribution)."""
    width = max(c.shape[1] for c in cwms)
    rows: list[tuple] = []
    for name, label, cwm, mask in zip(names, jaspar, cwms, masks):
        typical = float((cwm * np.asarray(mask)[None, :]).sum()) if expected else np.nan
        cwm = np.pad(cwm / np.sqrt((cwm ** 2).sum()), ((0, 0), (0, width - cwm.shape[1])))
        mask = np.pad(np.asarray(mask, dtype=np.int8), (0, width - len(mask)))
        rows.append((name, "+", label, cwm, mask, typical))
        rows.append((name, "-", label, cwm[::-1, ::-1], mask[::-1], typical))
    return Patterns([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                    np.ascontiguousarray(np.stack([r[3] for r in rows]), dtype=np.float32),
                    np.stack([r[4] for r in rows]).astype(np.int8), np.array([r[5] for r in rows]))


def trim_mask(cwm: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """Fi-NeMo's trimming: the columns from the first to the last whose total |contribution| reaches
    ``threshold`` times the largest, as a 0/1 mask of shape ``(width,)``."""
    from deepmotif.runtime.lazy import import_skipping_package_init

    trim_motif = import_skipping_package_init("finemo.data_io").trim_motif

    start, end = trim_motif(np.asarray(cwm, dtype=np.float64), threshold)
    mask = np.zeros(cwm.shape[1], dtype=np.int8)
    mask[start:end] = 1
    return mask


def modisco_patterns(h5: str | os.PathLike, table: str | os.PathLike | None = None, trim: float = 0.3,
                     split_composites: bool = True) -> Patterns:
    """The patterns of a TF-MoDISco result as CWMs to call, positive and negative.

    A negative pattern (bases that lower the logit; the RNN's CTCF attributions come out with this sign)
    is called like a positive one: its CWM and the track are both negative there. A (part of a) pattern
    whose CWM sums to the other sign than its pattern's (the half of a composite the model does not use)
    is left out, logged.

    Parameters
    ----------
    h5: path
        ``modisco.h5`` (modisco-lite).
    table: path or None, optional
        ``modisco_patterns.tsv`` (``pattern match_name sub_matches``): JASPAR names of the patterns and
        of the halves of composites. Default None: no names, no splitting.
    trim: float, optional
        Fi-NeMo's trimming threshold (fraction of the largest column). Default 0.3.
    split_composites: bool, optional
        A pattern with two or more significantly matched halves (``sub_matches``) is called as one
        pattern per half, named ``pattern[start:end]``. Default True.

    Returns
    -------
    Patterns
        Possibly empty (TF-MoDISco found no pattern).
    """
    import h5py

    if not Path(h5).is_file():
        raise InputError(f"{h5}: TF-MoDISco result not found")
    info = pd.DataFrame(columns=["pattern", "match_name", "sub_matches"])
    if table is not None:
        info = pd.read_csv(table, sep="\t", dtype=str, keep_default_na=False)
    names, jaspar, cwms, masks = [], [], [], []
    with h5py.File(h5, "r") as f:
        for group_name, sign in (("pos_patterns", 1), ("neg_patterns", -1)):
            group = f.get(group_name, {})
            for key in sorted(group, key=lambda k: int(k.rsplit("_", 1)[-1])):
                name = f"{group_name}.{key}"
                cwm = np.asarray(group[key]["contrib_scores"][:], dtype=np.float64).T
                row = info[info["pattern"] == name]
                subs = _sub_matches(row["sub_matches"].iloc[0]) if len(row) and "sub_matches" in row else []
                parts = ([(f"{name}[{a}:{b}]", cwm[:, a:b], label) for a, b, label in subs]
                         if split_composites and len(subs) >= 2
                         else [(name, cwm, row["match_name"].iloc[0] if len(row) else "")])
                for part_name, part, label in parts:
                    mask = trim_mask(part, trim)
                    if sign * (part * mask).sum() <= 0:
                        log.info("%s: %s (%s) carries no %s attribution; not called", h5, part_name,
                                 label or "no JASPAR match", "positive" if sign > 0 else "negative")
                        continue
                    names.append(part_name)
                    jaspar.append(label)
                    cwms.append(part)
                    masks.append(mask)
    if not names:
        log.warning("%s: TF-MoDISco found no pattern to call", h5)
        return Patterns([], [], [], np.zeros((0, 4, 1), dtype=np.float32), np.zeros((0, 1), dtype=np.int8),
                        np.zeros(0))
    return _both_strands(names, jaspar, cwms, masks, expected=True)


def _sub_matches(text: str) -> list[tuple[int, int, str]]:
    """``start-end:NAME(ID);...`` of ``modisco_patterns.tsv`` as ``(start, end, NAME)``."""
    out = []
    for item in filter(None, str(text).split(";")):
        span, _, label = item.partition(":")
        start, _, end = span.partition("-")
        out.append((int(start), int(end), label.split("(")[0]))
    return out


def jaspar_patterns(ids: Sequence[str], release: str = "JASPAR2024", collection: str = "CORE",
                    tax_group: str | None = "vertebrates") -> Patterns:
    """JASPAR matrices by id as CWMs: each probability times the information of its column.

    Raises
    ------
    InputError
        An id the release does not have (the error names the closest versions).
    """
    from deepmotif.interpret.motifs import information_content, jaspar_motifs

    db = jaspar_motifs(release, collection, tax_group)
    names, jaspar, cwms, masks = [], [], [], []
    for motif_id in ids:
        if motif_id not in db.ids:
            near = [i for i in db.ids if i.split(".")[0] == motif_id.split(".")[0]]
            raise InputError(f"JASPAR id {motif_id!r} is not in {release} {collection} {tax_group or ''}"
                             + (f"; it has {', '.join(near)}" if near else ""))
        i = db.ids.index(motif_id)
        ppm = np.asarray(db.pwms[i], dtype=np.float64)
        names.append(motif_id)
        jaspar.append(db.names[i])
        cwms.append(ppm * information_content(ppm))
        masks.append(np.ones(ppm.shape[1], dtype=np.int8))
    if not names:
        raise InputError("no pattern to call: give a TF-MoDISco result or JASPAR ids")
    return _both_strands(names, jaspar, cwms, masks, expected=False)


def combine(*groups: Patterns) -> Patterns:
    """Patterns of several sources in one set (CWMs padded to the widest; empty sets skipped)."""
    groups = tuple(g for g in groups if len(g)) or groups[:1]
    width = max(g.cwms.shape[2] for g in groups)
    pad = [((0, 0), (0, 0), (0, width - g.cwms.shape[2])) for g in groups]
    return Patterns(sum((g.names for g in groups), []), sum((g.strands for g in groups), []),
                    sum((g.jaspar for g in groups), []),
                    np.concatenate([np.pad(g.cwms, p) for g, p in zip(groups, pad)]),
                    np.concatenate([np.pad(g.masks, p[1:]) for g, p in zip(groups, pad)]),
                    np.concatenate([g.expected for g in groups]))


# --- tiles and calling -------------------------------------------------------------------------------

def tile_starts(size: int, tile: int, overlap: int) -> np.ndarray:
    """Starts of tiles of at most ``tile`` bp over ``size`` bp, consecutive tiles overlapping by ``overlap``.

    Examples
    --------
    >>> tile_starts(250, 100, 20).tolist()
    [0, 80, 160]
    >>> tile_starts(90, 100, 20).tolist()
    [0]
    """
    if size <= tile:
        return np.array([0])
    step = tile - overlap
    starts = np.arange(0, size - overlap, step)
    return starts[starts + overlap < size] if len(starts) > 1 else starts


def iter_tiles(regions: pd.DataFrame, genome, attribution_bw: str | os.PathLike, tile: int, overlap: int
               ) -> Iterator[tuple[str, int, str, np.ndarray]]:
    """``(chrom, start, seq, attribution)`` of each tile of each region (attribution from the bigWig)."""
    import pyBigWig

    bw = pyBigWig.open(str(attribution_bw))
    try:
        bw_chroms = bw.chroms()
        for chrom, start, end in regions[["chrom", "start", "end"]].itertuples(index=False):
            if chrom not in bw_chroms:
                raise InputError(f"{attribution_bw}: has no chromosome {chrom!r}; is it the attribution track "
                                 "of these regions (deepmotif tracks)?")
            for offset in tile_starts(int(end - start), tile, overlap):
                a = int(start + offset)
                b = min(a + tile, int(end))
                values = np.nan_to_num(np.asarray(bw.values(chrom, a, b, numpy=True), dtype=np.float32))
                yield chrom, a, genome[chrom][a:b], values
    finally:
        bw.close()


def fit_tiles(tiles: Sequence[tuple[str, int, str, np.ndarray]], patterns: Patterns, lambdas: np.ndarray,
              device: str | None = None, max_steps: int = 1000, fit_batch: int = 20, **finemo_kwargs
              ) -> pd.DataFrame:
    """Fi-NeMo's ``fit_contribs`` on one batch of tiles (padded with zeros to the longest); hits in genome
    coordinates (the trimmed motif's span).

    Parameters
    ----------
    max_steps: int, optional
        Fi-NeMo's optimisation steps per tile at most (``max_steps``); a tile that has not converged by then
        keeps its last fit (Fi-NeMo warns). Default 1000.
    fit_batch: int, optional
        Tiles Fi-NeMo optimises side by side (its ``batch_size``, at most ``len(tiles)``): each step
        computes all of them, converged or not, so one slow tile costs its steps times this. Default 20.
    **finemo_kwargs
        Other keywords of ``finemo.hitcaller.fit_contribs``.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end row score similarity attribution`` (``row``: the pattern row; ``attribution``:
        the sum of the track over the instance).
    """
    import torch

    from deepmotif.data.encoding import one_hot
    from deepmotif.runtime.lazy import import_skipping_package_init

    fit_contribs = import_skipping_package_init("finemo.hitcaller").fit_contribs

    tile = max(len(seq) for _, _, seq, _ in tiles)
    seqs = one_hot([seq.ljust(tile, "N") for _, _, seq, _ in tiles], tile).astype(np.int8)
    contribs = np.zeros((len(tiles), 4, tile), dtype=np.float32)
    for i, (_, _, seq, values) in enumerate(tiles):
        contribs[i, :, :len(values)] = values
    contribs *= seqs  # projected: the reference base's attribution in its row
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No GPU available", RuntimeWarning)
        warnings.filterwarnings("ignore", "Region .* has not converged", RuntimeWarning)  # logged below
        hits, qc = fit_contribs(patterns.cwms, contribs, seqs, patterns.masks.astype(np.float32),
                                use_hypothetical=False, lambdas=lambdas.astype(np.float32),
                                device=torch.device(device or "cpu"), max_steps=max_steps,
                                batch_size=min(fit_batch, len(tiles)), **finemo_kwargs)
    hits = pd.DataFrame({c: hits[c].to_numpy() for c in hits.columns})  # polars' to_pandas wants pyarrow
    qc = pd.DataFrame({c: qc[c].to_numpy() for c in qc.columns})
    scale = pd.Series(qc["global_scale"].to_numpy(), index=qc["peak_id"].to_numpy())
    capped = qc.loc[qc["num_steps"] > max_steps, "peak_id"].astype(int)
    if len(capped):
        log.info("%d of %d tiles not converged within max_steps=%d (their last fit kept): %s", len(capped),
                 len(tiles), max_steps, ", ".join(f"{tiles[i][0]}:{tiles[i][1]}" for i in capped[:10]))
    if hits.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    spans = np.array([patterns.span(r) for r in range(len(patterns))])
    row = hits["motif_id"].to_numpy().astype(int)
    tile_id = hits["peak_id"].to_numpy().astype(int)
    local = hits["hit_start"].to_numpy().astype(int) + spans[row, 0]
    width = spans[row, 1] - spans[row, 0]
    origin = np.array([tiles[i][1] for i in tile_id])
    attribution = [float(tiles[i][3][a:a + w].sum()) for i, a, w in zip(tile_id, local, width)]
    return pd.DataFrame({"chrom": [tiles[i][0] for i in tile_id], "start": origin + local,
                         "end": origin + local + width, "row": row,
                         "score": hits["hit_coefficient"].to_numpy() * scale.loc[tile_id].to_numpy() ** 2,
                         "similarity": hits["hit_similarity"].to_numpy(), "attribution": attribution})


def call_instances(regions: pd.DataFrame, genome_path: str | os.PathLike, attribution_bw: str | os.PathLike,
                   patterns: Patterns, lam: float = 0.7, min_attribution: float = 0.3, tile: int = 1000,
                   max_steps: int = 1000, fit_batch: int = 20, batch: int = 500, device: str | None = None,
                   **finemo_kwargs) -> pd.DataFrame:
    """Instances of ``patterns`` in ``regions`` (Fi-NeMo on the attribution track ``attribution_bw``).

    Parameters
    ----------
    regions: pandas.DataFrame
        ``chrom start end`` (merged, as for the tracks).
    genome_path: path
        Genome FASTA.
    attribution_bw: path
        Reference-base attribution per base (``deepmotif tracks``).
    patterns: Patterns
    lam: float, optional
        Fi-NeMo's ``lambda``: the L1 penalty and the minimum correlation of an instance with its CWM
        (0.7, Fi-NeMo's default). Default 0.7.
    min_attribution: float, optional
        An instance of a MoDISco pattern needs at least this fraction of the pattern's typical attribution
        (:attr:`Patterns.expected`); 0: no such filter (JASPAR matrices have none). Default 0.3.
    tile: int, optional
        Longest stretch fitted at once; longer regions are cut into overlapping tiles. Default 1000.
    max_steps: int, optional
        Fi-NeMo's optimisation steps per tile at most (:func:`fit_tiles`). Default 1000.
    fit_batch: int, optional
        Tiles Fi-NeMo optimises side by side (:func:`fit_tiles`). Default 20.
    batch: int, optional
        Tiles per Fi-NeMo call (memory bound). Default 500.
    device: str or None, optional
        Torch device (None: the CPU).
    **finemo_kwargs
        Other keywords of ``finemo.hitcaller.fit_contribs``.

    Returns
    -------
    pandas.DataFrame
        :data:`BED_COLUMNS`, sorted by chromosome (the genome's order) and start; overlapping hits of a
        pattern reduced to the best (:func:`drop_overlapping`).
    """
    from deepmotif.apply.predict import open_genome

    if not Path(attribution_bw).is_file():
        raise InputError(f"{attribution_bw}: attribution track not found (make it with deepmotif tracks)")
    genome = open_genome(genome_path)
    if len(patterns) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("chrom", "pattern", "strand", "jaspar") else float)
                             for c in BED_COLUMNS})
    width = patterns.cwms.shape[2]
    if tile < 2 * width:
        raise InputError(f"tile ({tile} bp) must be at least twice the widest pattern ({width} bp)")
    lambdas = np.full(len(patterns), lam, dtype=np.float32)
    found, pending = [], []
    for piece in iter_tiles(regions, genome, attribution_bw, tile, width):
        if len(piece[2]) < width:
            continue
        pending.append(piece)
        if len(pending) == batch:
            found.append(fit_tiles(pending, patterns, lambdas, device, max_steps, fit_batch, **finemo_kwargs))
            pending = []
    if pending:
        found.append(fit_tiles(pending, patterns, lambdas, device, max_steps, fit_batch, **finemo_kwargs))
    hits = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=HIT_COLUMNS)
    # the share of the pattern's typical attribution (of either sign; NaN for JASPAR matrices: kept)
    weak = hits["attribution"].to_numpy(dtype=float) / patterns.expected[hits["row"].astype(int)] < min_attribution
    if weak.any():
        log.info("%d of %d hits below %.2f of their pattern's typical attribution dropped", int(weak.sum()),
                 len(hits), min_attribution)
        hits = hits[~weak]
    hits = drop_overlapping(hits, [patterns.names[r] for r in hits["row"].astype(int)])
    rows = hits["row"].to_numpy().astype(int)
    out = pd.DataFrame({"chrom": hits["chrom"].astype(str), "start": hits["start"].astype("int64"),
                        "end": hits["end"].astype("int64"),
                        "pattern": [patterns.names[r] for r in rows],
                        "score": hits["score"].astype(float).round(6),
                        "strand": [patterns.strands[r] for r in rows],
                        "attribution": hits["attribution"].astype(float),
                        "jaspar": [patterns.jaspar[r] or "." for r in rows]})
    out["attribution"] = out["attribution"].round(6)
    order = {c: i for i, c in enumerate(genome.keys())}
    out = out.assign(_c=out["chrom"].map(order)).sort_values(["_c", "start", "end", "pattern"], kind="stable")
    return out.drop(columns="_c").reset_index(drop=True)


def drop_overlapping(hits: pd.DataFrame, names: Sequence[str], max_overlap: float = 0.5) -> pd.DataFrame:
    """The hits left when each overlaps no better-scoring hit of the same pattern (either strand) by more
    than ``max_overlap`` of its width: one instance per site, also of a palindrome (both strands) or one
    seen in two overlapping tiles.
    """
    hits = hits.assign(_name=list(names)).sort_values("score", ascending=False, kind="stable")
    kept: dict[tuple[str, str], list[tuple[int, int]]] = {}
    keep = []
    for chrom, start, end, name in hits[["chrom", "start", "end", "_name"]].itertuples(index=False):
        spans = kept.setdefault((chrom, name), [])
        clash = any(min(end, b) - max(start, a) > max_overlap * (end - start) for a, b in spans)
        keep.append(not clash)
        if not clash:
            spans.append((start, end))
    return hits[np.asarray(keep, dtype=bool)].drop(columns="_name").reset_index(drop=True)


def write_instances(instances: pd.DataFrame, path: str | os.PathLike) -> None:
    """The instances as BED (no header; :data:`BED_COLUMNS`), written atomically."""
    from deepmotif.apply.tracks import check_output
    from deepmotif.data.io import atomic_path

    check_output(path, "instances BED")
    with atomic_path(path) as tmp:
        instances[BED_COLUMNS].to_csv(tmp, sep="\t", header=False, index=False)


def read_instances(path: str | os.PathLike) -> pd.DataFrame:
    """A BED of :func:`write_instances`."""
    return pd.read_csv(path, sep="\t", header=None, names=BED_COLUMNS, dtype={"chrom": str, "jaspar": str},
                       keep_default_na=False)


# --- ground truth ------------------------------------------------------------------------------------

def _inside(chrom: pd.Series, start: pd.Series, end: pd.Series, regions: pd.DataFrame) -> np.ndarray:
    """Which intervals lie whole inside one of ``regions``."""
    inside = np.zeros(len(chrom), dtype=bool)
    for c, s, e in regions[["chrom", "start", "end"]].itertuples(index=False):
        inside |= ((chrom == c) & (start >= s) & (end <= e)).to_numpy()
    return inside


def planted_recovery(instances: pd.DataFrame, planted: pd.DataFrame, regions: pd.DataFrame,
                     min_overlap: float = 0.5) -> pd.DataFrame:
    """Precision and recall of the instances against the planted motif sites, inside ``regions``.

    Only the sites and instances lying whole inside ``regions`` count. An instance and a site agree
    when they overlap by at least ``min_overlap`` of the shorter of the two. Precision: the share of
    instances that agree with some planted site; recall: the share of planted sites that some instance
    agrees with; in all and per planted matrix.

    Returns
    -------
    pandas.DataFrame
        ``motif n_sites n_found recall n_instances n_true precision``; ``motif`` ``all`` first, then per
        planted matrix (``motif_name``), precision there over the instances whose JASPAR name is it.
    """
    sites = planted[_inside(planted["chrom"], planted["start"], planted["end"], regions)].reset_index(drop=True)
    instances = instances[_inside(instances["chrom"], instances["start"], instances["end"], regions)]
    agree = np.zeros((len(instances), len(sites)), dtype=bool)
    for j, site in enumerate(sites.itertuples(index=False)):
        same = (instances["chrom"] == site.chrom).to_numpy()
        overlap = (np.minimum(instances["end"].to_numpy(), site.end)
                   - np.maximum(instances["start"].to_numpy(), site.start))
        shorter = np.minimum(instances["end"].to_numpy() - instances["start"].to_numpy(), site.end - site.start)
        agree[:, j] = same & (overlap >= min_overlap * shorter)
    rows = [_recovery_row("all", agree, np.ones(len(instances), bool), np.ones(len(sites), bool))]
    for name in sorted(sites["motif_name"].unique()):
        mine = (instances["jaspar"].astype(str).str.upper() == str(name).upper()).to_numpy()
        rows.append(_recovery_row(name, agree, mine, (sites["motif_name"] == name).to_numpy()))
    return pd.DataFrame(rows)


def _recovery_row(name: str, agree: np.ndarray, instances: np.ndarray, sites: np.ndarray) -> dict:
    n_sites, n_instances = int(sites.sum()), int(instances.sum())
    found = int(agree[:, sites].any(axis=0).sum()) if n_sites else 0
    true = int(agree[instances].any(axis=1).sum()) if n_instances else 0
    return {"motif": name, "n_sites": n_sites, "n_found": found,
            "recall": found / n_sites if n_sites else np.nan, "n_instances": n_instances, "n_true": true,
            "precision": true / n_instances if n_instances else np.nan}


def instance_ground_truth(instances: pd.DataFrame, planted: str | os.PathLike, positives: str | os.PathLike | None,
                          regions: pd.DataFrame, tf: str = "", arch: str = "") -> pd.DataFrame:
    """:func:`planted_recovery` in the peaks' model-length windows (``positives.tsv``: the sequences the
    model was tested on) lying inside ``regions``, and in the whole regions (their flanks hold chance
    matches of the motif, which the model reads too).

    Returns
    -------
    pandas.DataFrame
        ``tf arch scope motif n_sites n_found recall n_instances n_true precision``; ``scope`` is
        ``windows`` or ``regions``.
    """
    sites = pd.read_csv(planted, sep="\t", dtype={"chrom": str})
    tables = []
    if positives is not None:
        windows = pd.read_csv(positives, sep="\t", dtype={"chrom": str}, usecols=["chrom", "start", "end"])
        windows = windows[_inside(windows["chrom"], windows["start"], windows["end"], regions)]
        tables.append(planted_recovery(instances, sites, windows).assign(scope="windows"))
    tables.append(planted_recovery(instances, sites, regions).assign(scope="regions"))
    table = pd.concat(tables, ignore_index=True).assign(tf=tf, arch=arch)
    return table[["tf", "arch", "scope", *[c for c in table.columns if c not in ("tf", "arch", "scope")]]]
