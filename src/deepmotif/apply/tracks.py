"""Prediction and attribution tracks along the genome: ``deepmotif tracks`` (bigWig, one value per base).

For a set of regions of a genome, windows of the model's input length ``L`` are tiled over each region
at a stride (the last window flush with the region's end, :func:`deepmotif.apply.predict.window_starts`),
scored by the model and explained, and two bigWig files are written:

* the **logit** per base: the mean of the logits of every window covering the base; each window's
  logit is the mean of its two strands' (:func:`deepmotif.apply.predict.strand_scores`, the one
  implementation of model application that ``predict`` and ``score-variants`` use);
* the **attribution of the reference base**: the signed hypothetical contribution of the base present
  (:func:`deepmotif.interpret.modisco.hypothetical_contributions`, gradient × input or tangermeme's
  DeepLIFT/SHAP, the same attributions TF-MoDISco runs on), averaged over the two strands (the models
  are trained with reverse-complement augmentation) and over the windows covering the base.

Regions: a BED file checked against the genome's index (an unknown chromosome, a row past a
chromosome end or shorter than ``L`` is an error naming the line), or the strongest test peaks of a
TF (summit ± ``width / 2``, clipped to the chromosome ends). Overlapping and touching regions are
merged, so every base has one value. Regions are processed one at a time, in genome order, and their
windows in blocks: memory depends on the longest region, not on their number. Both files are written
under temporary names and renamed at the end, so a failure leaves no partial track.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deepmotif.errors import InputError, where

if TYPE_CHECKING:
    import torch
    from torch import nn

    from deepmotif.apply.predict import LoadedModel

log = logging.getLogger(__name__)

METHODS = ("grad_x_input", "deep_lift_shap")
REGION_COLUMNS = ["chrom", "start", "end"]


# --- regions -----------------------------------------------------------------------------------------

def read_regions(path: str | os.PathLike, sizes: dict[str, int], length: int) -> pd.DataFrame:
    """The intervals of a BED file, checked against the genome, merged and in genome order.

    Parameters
    ----------
    path: path
        BED (3+ columns, gzip or plain).
    sizes: dict of str to int
        Chromosome lengths of the genome, in the genome's order (:func:`deepmotif.data.genome.chrom_sizes`).
    length: int
        The model's input length ``L``: every interval must be at least this long.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end``, merged (:func:`merge_regions`).

    Raises
    ------
    InputError
        Naming the file and line: a chromosome the genome lacks, an interval running past a
        chromosome end, an interval shorter than ``L``.
    """
    from deepmotif.data.intervals import read_bed
    from deepmotif.apply.predict import chrom_hint

    bed = read_bed(path, lines=True)
    known = bed["chrom"].isin(list(sizes)).to_numpy()
    if not known.all():
        row = bed.iloc[int(np.flatnonzero(~known)[0])]
        raise InputError(f"{where(path, int(row['line']))}: chromosome {row['chrom']!r} is not in the genome "
                         f"({len(sizes)} sequences, e.g. {', '.join(list(sizes)[:3])})"
                         + chrom_hint(str(row["chrom"]), sizes) + f" ({int((~known).sum())} such lines)")
    size = bed["chrom"].map(sizes).to_numpy()
    past = bed["end"].to_numpy() > size
    if past.any():
        i = int(np.flatnonzero(past)[0])
        row = bed.iloc[i]
        raise InputError(f"{where(path, int(row['line']))}: interval {row['chrom']}:{row['start']}-{row['end']} runs "
                         f"past the end of {row['chrom']} ({int(size[i])} bp); is the BED of this genome's "
                         f"assembly? ({int(past.sum())} such lines)")
    short = (bed["end"] - bed["start"]).to_numpy() < length
    if short.any():
        row = bed.iloc[int(np.flatnonzero(short)[0])]
        raise InputError(f"{where(path, int(row['line']))}: interval {row['chrom']}:{row['start']}-{row['end']} has "
                         f"{row['end'] - row['start']} bp, shorter than the model's {length}-bp input; widen it to "
                         f"at least {length} bp ({int(short.sum())} such lines)")
    return merge_regions(bed, sizes)


def merge_regions(regions: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    """Merge overlapping and touching intervals and sort them in the order of ``sizes`` (the genome's).

    Parameters
    ----------
    regions: pandas.DataFrame
        ``chrom start end`` (0-based, half-open) on chromosomes of ``sizes``.
    sizes: dict of str to int
        Chromosome lengths in the genome's order: a bigWig holds its chromosomes in that order.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end``, disjoint, sorted.

    Examples
    --------
    >>> merge_regions(pd.DataFrame({"chrom": ["b", "a", "a"], "start": [0, 5, 0], "end": [9, 12, 5]}),
    ...               {"a": 20, "b": 20}).values.tolist()
    [['a', 0, 12], ['b', 0, 9]]
    """
    if len(regions) == 0:
        return pd.DataFrame({"chrom": pd.Series(dtype=str), "start": pd.Series(dtype="int64"),
                             "end": pd.Series(dtype="int64")})
    rank = {chrom: i for i, chrom in enumerate(sizes)}
    code = regions["chrom"].map(rank).to_numpy()
    order = np.lexsort((regions["start"].to_numpy(), code))
    code, start = code[order], regions["start"].to_numpy()[order]
    end = regions["end"].to_numpy()[order]
    reach = np.empty_like(end)  # furthest end so far on the chromosome
    new = np.ones(len(order), dtype=bool)
    for i in range(len(order)):
        if i and code[i] == code[i - 1] and start[i] <= reach[i - 1]:
            new[i] = False
            reach[i] = max(reach[i - 1], end[i])
        else:
            reach[i] = end[i]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(order) - 1)
    names = list(sizes)
    return pd.DataFrame({"chrom": [names[c] for c in code[first]], "start": start[first].astype("int64"),
                         "end": reach[last].astype("int64")})


def peak_regions(peaks: pd.DataFrame, sizes: dict[str, int], chroms: Sequence[str] = (), width: int = 500,
                 max_regions: int = 0) -> pd.DataFrame:
    """Regions of ``width`` bp centred on the summits of the strongest peaks, clipped to the chromosome ends.

    Parameters
    ----------
    peaks: pandas.DataFrame
        narrowPeak columns (:func:`deepmotif.data.readers.read_narrowpeak`).
    sizes: dict of str to int
        Chromosome lengths, in the genome's order.
    chroms: sequence of str, optional
        Keep the peaks on these chromosomes (a TF's test chromosomes); empty: all. Default ().
    width: int, optional
        Region length around each summit. Default 500.
    max_regions: int, optional
        Keep the strongest N peaks (by signalValue); 0: all. Default 0.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end``, merged and sorted (:func:`merge_regions`).
    """
    from deepmotif.data.peaks import summit_windows

    if chroms:
        peaks = peaks[peaks["chrom"].astype(str).isin(list(chroms))]
    peaks = peaks[peaks["chrom"].astype(str).isin(list(sizes))]
    windows = summit_windows(peaks, 0, max_peaks=max_regions or None)  # 0 bp: the summits themselves
    summit = windows["start"].to_numpy()
    windows["start"] = np.maximum(summit - width // 2, 0)
    windows["end"] = np.minimum(summit - width // 2 + width, windows["chrom"].map(sizes).to_numpy())
    return merge_regions(windows[REGION_COLUMNS], sizes)


def regions_long_enough(regions: pd.DataFrame, length: int) -> pd.DataFrame:
    """The regions of at least ``length`` bp (clipping at a chromosome end can make one shorter), logged."""
    keep = (regions["end"] - regions["start"]) >= length
    if not keep.all():
        log.info("dropped %d regions shorter than %d bp after clipping", int((~keep).sum()), length)
    return regions[keep].reset_index(drop=True)


def write_regions(regions: pd.DataFrame, path: str | os.PathLike) -> None:
    """``chrom start end`` as BED, atomically."""
    from deepmotif.data.intervals import write_peaks

    check_output(path, "regions BED")
    write_peaks(regions[REGION_COLUMNS], path)


# --- attribution and scores of windows ---------------------------------------------------------------

def reference_attribution(net: nn.Module, X: torch.Tensor, method: str = "grad_x_input", rc: bool = True,
                          n_shuffles: int = 10, seed: int = 0, batch_size: int = 128
                          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Signed attribution of the base present at every position, both strands averaged; with
    ``grad_x_input`` also each window's logit, from the same passes.

    Gradient × input runs the network forward on every window (and its reverse complement) before
    differentiating it: the logits of those passes are recorded (a forward hook on ``net``) instead of
    running the windows through the network a second time. They are the eval-mode logits
    :func:`deepmotif.apply.predict.strand_scores` computes, up to float rounding (other batches).

    Parameters
    ----------
    net: torch.nn.Module
    X: torch.Tensor, shape=(n, 4, length)
        One-hot windows.
    method: str, optional
        ``grad_x_input`` or ``deep_lift_shap`` (:func:`~deepmotif.interpret.modisco.hypothetical_contributions`).
        Default "grad_x_input".
    rc: bool, optional
        Average with the attribution of the reverse complement, mapped back to the forward strand.
        Default True.
    n_shuffles, seed: int, optional
        References of ``deep_lift_shap``.
    batch_size: int, optional
        Windows (``grad_x_input``) or window-reference pairs (``deep_lift_shap``) per pass. Default 128.

    Returns
    -------
    attribution: numpy.ndarray, shape=(n, length), float32
    logit: numpy.ndarray, shape=(n,), float64, or None
        Mean of the strands' logits (the forward strand's with ``rc`` False); None for ``deep_lift_shap``,
        whose passes run on the references.
    """
    if method not in METHODS:
        raise InputError(f"attribution method must be one of {', '.join(METHODS)}, got {method!r}")
    forward, forward_logit = _strand_attribution(net, X, method, n_shuffles, seed, batch_size)
    if not rc:
        return forward.astype(np.float32), forward_logit
    X_rc = X.flip(1, 2)
    reverse, reverse_logit = _strand_attribution(net, X_rc, method, n_shuffles, seed, batch_size)
    logit = None if forward_logit is None or reverse_logit is None else (forward_logit + reverse_logit) / 2
    return ((forward + reverse[:, ::-1]) / 2).astype(np.float32), logit


def _strand_attribution(net: nn.Module, X: torch.Tensor, method: str, n_shuffles: int, seed: int,
                        batch_size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Attribution of the bases of ``X`` (one strand) and, for ``grad_x_input``, the logits of its passes."""
    from deepmotif.interpret.modisco import hypothetical_contributions

    outputs: list = []
    hook = net.register_forward_hook(lambda module, args, out: outputs.append(out.detach().float().cpu()))
    try:
        X_hyp = hypothetical_contributions(net, X, method, n_shuffles, batch_size=batch_size, seed=seed)
    finally:
        hook.remove()
    attribution = (X_hyp * X).sum(dim=1).numpy()
    if method != "grad_x_input" or sum(len(out) for out in outputs) != len(X):
        return attribution, None  # not one pass per window: score the windows apart
    return attribution, np.concatenate([out.numpy() for out in outputs]).astype(np.float64)


@dataclass
class RegionTracks:
    """The tracks of one region: ``logit`` and ``attribution`` per base of ``chrom:start-end``."""

    chrom: str
    start: int
    end: int
    logit: np.ndarray
    attribution: np.ndarray | None


def region_tracks(model: LoadedModel, chrom: str, start: int, seq: str, **kwargs) -> RegionTracks:
    """Logit and reference-base attribution per base of one region (:func:`group_tracks` of one)."""
    return group_tracks(model, [(chrom, start, seq)], **kwargs)[0]


def group_tracks(model: LoadedModel, pieces: Sequence[tuple[str, int, str]], stride: int = 20,
                 attribution: str | None = "grad_x_input", rc: bool = True, block: int = 1024,
                 batch_size: int = 256, n_shuffles: int = 10, seed: int = 0, device: str | None = None
                 ) -> list[RegionTracks]:
    """Logit and reference-base attribution per base of regions, each the mean over the windows covering it.

    The windows of all ``pieces`` are scored together, ``block`` at a time (a few short regions make
    small batches alone); no window crosses from one region into the next.

    Parameters
    ----------
    model: deepmotif.apply.predict.LoadedModel
    pieces: sequence of (str, int, str)
        ``(chrom, start, seq)`` of each region (0-based start; ``seq`` at least ``model.length`` bp).
    stride: int, optional
        Bases between window starts. Default 20.
    attribution: str or None, optional
        Method of :func:`reference_attribution`; None: no attribution track. Default "grad_x_input".
    rc: bool, optional
        Average both strands (logits and attributions). Default True.
    block: int, optional
        Windows one-hot encoded and processed at a time (memory bound). Default 1024.
    batch_size, n_shuffles, seed, device:
        Of :func:`deepmotif.apply.predict.strand_scores` and :func:`reference_attribution`.

    Returns
    -------
    list of RegionTracks
        One per piece, in order.
    """
    import torch

    from deepmotif.apply.predict import resolve_device, strand_scores, window_starts
    from deepmotif.data.encoding import one_hot

    length = model.length
    sizes = np.array([len(seq) for _, _, seq in pieces])
    offset = np.concatenate(([0], np.cumsum(sizes)))  # where each piece starts in the joined coordinates
    text = "".join(seq for _, _, seq in pieces)
    starts = np.concatenate([window_starts(size, length, stride) + o for size, o in zip(sizes, offset)])
    total = int(offset[-1])
    logit_sum, coverage = np.zeros(total + 1), np.zeros(total + 1)
    attr_sum = np.zeros(total) if attribution else None
    columns = np.arange(length)
    model.net.to(resolve_device(device))
    for lo in range(0, len(starts), block):
        part = starts[lo:lo + block]
        X = torch.from_numpy(one_hot([text[s:s + length] for s in part], length))
        logits = None
        if attr_sum is not None:  # gradient x input: the logits come from its own forward passes
            X_attr, logits = reference_attribution(model.net, X, attribution, rc, n_shuffles, seed, batch_size)
            np.add.at(attr_sum, (part[:, None] + columns).ravel(), X_attr.ravel())
        if logits is None:
            logits, _ = strand_scores(model.net, X, rc, batch_size, device)
        np.add.at(logit_sum, part, logits)          # difference arrays: + at the start, - after the end
        np.add.at(logit_sum, part + length, -logits)
        np.add.at(coverage, part, 1.0)
        np.add.at(coverage, part + length, -1.0)
    covered = np.cumsum(coverage)[:total]
    logit = (np.cumsum(logit_sum)[:total] / covered).astype(np.float32)
    attr = (attr_sum / covered).astype(np.float32) if attr_sum is not None else None
    return [RegionTracks(chrom, start, start + int(size), logit[a:b], None if attr is None else attr[a:b])
            for (chrom, start, _), size, a, b in zip(pieces, sizes, offset[:-1], offset[1:])]


def iter_region_tracks(model: LoadedModel, regions: pd.DataFrame, genome, block: int = 1024, **kwargs
                       ) -> Iterator[RegionTracks]:
    """The tracks of each region in turn (:func:`group_tracks` of consecutive regions with about ``block``
    windows together), sequences read from ``genome`` (pyfaidx) group by group."""
    stride, length = kwargs.get("stride", 20), model.length
    group, n_windows, done = [], 0, 0
    for chrom, start, end in regions[REGION_COLUMNS].itertuples(index=False):
        group.append((chrom, int(start), genome[chrom][int(start):int(end)]))
        n_windows += (int(end) - int(start) - length) // stride + 2
        if n_windows >= block:
            yield from group_tracks(model, group, block=block, **kwargs)
            done += len(group)
            log.info("%d of %d regions", done, len(regions))
            group, n_windows = [], 0
    if group:
        yield from group_tracks(model, group, block=block, **kwargs)


# --- bigWig ------------------------------------------------------------------------------------------

def check_output(path: str | os.PathLike, what: str = "bigWig output") -> None:
    """Raise :class:`InputError` if ``path`` is an existing folder or its folder cannot be made."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: the {what} is a folder; give a file name (e.g. {path / 'logit.bw'})")
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(f"{path}: {path.parent} is a file, not a folder")


def open_bigwig(stack: contextlib.ExitStack, path: str | os.PathLike, sizes: dict[str, int]):
    """A pyBigWig file open for writing under a temporary name that ``stack`` renames onto ``path`` when
    it closes without an error (and removes after one); closed before the rename.

    Entries must come in the order of ``sizes`` and of increasing start (as :func:`merge_regions` sorts).
    """
    import pyBigWig

    from deepmotif.data.io import atomic_path

    check_output(path)
    tmp = stack.enter_context(atomic_path(path))
    bw = pyBigWig.open(str(tmp), "w")
    stack.callback(bw.close)  # unwound first: the file is complete before atomic_path renames it
    bw.addHeader(list(sizes.items()), maxZooms=10)
    return bw


def write_tracks(model: LoadedModel, regions: pd.DataFrame, genome_path: str | os.PathLike,
                 logit_out: str | os.PathLike, attribution_out: str | os.PathLike | None = None,
                 attribution: str = "grad_x_input", **kwargs) -> dict[str, float]:
    """Compute the tracks of every region and write the bigWig files (both or neither).

    Parameters
    ----------
    model: deepmotif.apply.predict.LoadedModel
    regions: pandas.DataFrame
        ``chrom start end``, merged and in genome order (:func:`read_regions`, :func:`peak_regions`).
    genome_path: path
        Genome FASTA (indexed; its ``.fai`` gives the chromosome sizes of the bigWig header).
    logit_out, attribution_out: path
        bigWig files; ``attribution_out`` None: no attribution track.
    attribution: str, optional
        Method of :func:`reference_attribution`. Default "grad_x_input".
    **kwargs
        ``stride rc block batch_size n_shuffles seed device`` of :func:`region_tracks`.

    Returns
    -------
    dict
        ``regions bases windows`` counted, ``logit_min logit_max``.
    """
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.apply.predict import open_genome

    for path in (logit_out, attribution_out):
        if path is not None:
            check_output(path)
    stride = kwargs.get("stride", 20)
    if not 1 <= stride <= model.length:
        raise InputError(f"--stride must be between 1 and the model's input length ({model.length} bp) so that "
                         f"windows cover every base, got {stride}")
    if len(regions) == 0:
        raise InputError("no region to make tracks of (the BED is empty, or every region is shorter than "
                         f"the model's {model.length} bp)")
    sizes = chrom_sizes(genome_path)
    genome = open_genome(genome_path)
    stats = {"regions": 0, "bases": 0, "logit_min": np.inf, "logit_max": -np.inf}
    method = attribution if attribution_out is not None else None
    with contextlib.ExitStack() as stack:
        logit_bw = open_bigwig(stack, logit_out, sizes)
        attr_bw = open_bigwig(stack, attribution_out, sizes) if attribution_out is not None else None
        for track in iter_region_tracks(model, regions, genome, attribution=method, **kwargs):
            logit_bw.addEntries(track.chrom, track.start, values=track.logit.astype(np.float64), span=1, step=1)
            if attr_bw is not None:
                attr_bw.addEntries(track.chrom, track.start, values=track.attribution.astype(np.float64),
                                   span=1, step=1)
            stats["regions"] += 1
            stats["bases"] += track.end - track.start
            stats["logit_min"] = min(stats["logit_min"], float(track.logit.min()))
            stats["logit_max"] = max(stats["logit_max"], float(track.logit.max()))
    return stats


def read_track(path: str | os.PathLike, chrom: str, start: int, end: int) -> np.ndarray:
    """Values per base of ``chrom:start-end`` of a bigWig file (NaN where it has none)."""
    import pyBigWig

    with_file = pyBigWig.open(str(path))
    try:
        return np.asarray(with_file.values(chrom, int(start), int(end), numpy=True), dtype=np.float32)
    finally:
        with_file.close()
