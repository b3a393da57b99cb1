"""From narrowPeak + genome FASTA to fixed-length sequences centred on peak summits."""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from deepmotif.data.genome import chrom_sizes, extract_sequences
from deepmotif.errors import InputError

log = logging.getLogger(__name__)


def summit_windows(
    peaks: pd.DataFrame, length: int = 101, max_peaks: int | None = None,
    sizes: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Windows of ``length`` bp centred on each summit, strongest peaks first.

    Parameters
    ----------
    peaks: pandas.DataFrame
        narrowPeak columns (``chrom start end name signalValue peak``); ``peak`` is the summit offset
        from ``start`` (``-1``: use the midpoint).
    length: int, optional
        Window length. Default 101.
    max_peaks: int or None, optional
        Keep the ``max_peaks`` peaks with the highest ``signalValue``. Default all.
    sizes: dict of str to int, optional
        Chromosome lengths; windows that would run off a chromosome end are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``id chrom start end`` (0-based, half-open), in decreasing signal order.
    """
    peaks = peaks.sort_values("signalValue", ascending=False, kind="stable")
    if max_peaks:
        peaks = peaks.head(max_peaks)
    offset = np.where(peaks["peak"] >= 0, peaks["peak"], (peaks["end"] - peaks["start"]) // 2)
    start = peaks["start"].to_numpy() + offset - length // 2
    names = peaks["name"].astype(str).to_numpy()
    ids = np.where((names == ".") | (names == ""), [f"peak{i + 1:06d}" for i in range(len(peaks))], names)
    if len(set(ids)) < len(ids):  # peak names are not unique in some ENCODE files
        ids = np.array([f"{n}_{i + 1}" for i, n in enumerate(ids)])
    windows = pd.DataFrame({"id": ids, "chrom": peaks["chrom"].astype(str).to_numpy(),
                            "start": start, "end": start + length})
    keep = windows["start"] >= 0
    if sizes is not None:
        # unknown chromosomes are kept here and reported by check_chromosomes
        keep &= windows["end"] <= windows["chrom"].map(sizes).fillna(np.inf).to_numpy()
    dropped = int((~keep).sum())
    if dropped:
        log.info("dropped %d windows running off a chromosome end", dropped)
    return windows[keep].reset_index(drop=True)


def check_chromosomes(windows: pd.DataFrame, sizes: dict[str, int], peaks_path: str, fasta: str) -> None:
    """Raise :class:`InputError` if every peak lies on a chromosome the FASTA lacks (wrong genome)."""
    unknown = sorted(set(windows["chrom"]) - set(sizes))
    if unknown and set(windows["chrom"]) <= set(unknown):
        raise InputError(
            f"{peaks_path}: none of the peak chromosomes ({', '.join(unknown[:5])}) are in {fasta} "
            f"(which has {', '.join(list(sizes)[:5])}, ...); check that the peaks and the genome use the "
            "same assembly and naming (chr1 vs 1)")
    if unknown:
        log.warning("%s: %d peak chromosomes missing from %s, their peaks are dropped: %s",
                    peaks_path, len(unknown), fasta, ", ".join(unknown[:10]))


def peak_sequences(
    peaks: pd.DataFrame, fasta: str | os.PathLike, length: int = 101, max_peaks: int | None = None,
    peaks_path: str = "peaks",
) -> pd.DataFrame:
    """Summit-centred sequences of the strongest peaks, without windows off chromosome ends or with ``N``.

    Returns
    -------
    pandas.DataFrame
        Columns ``id chrom start end seq``.
    """
    sizes = chrom_sizes(fasta)
    windows = summit_windows(peaks, length, None, sizes)
    check_chromosomes(windows, sizes, peaks_path, str(fasta))
    windows = windows[windows["chrom"].isin(list(sizes))].reset_index(drop=True)
    windows["seq"] = pd.Series(extract_sequences(windows, fasta), index=windows.index, dtype=object)
    has_n = windows["seq"].str.contains("[^ACGT]", regex=True)
    if has_n.any():
        log.info("dropped %d windows containing N or other non-ACGT bases", int(has_n.sum()))
    windows = windows[~has_n]
    if max_peaks:
        windows = windows.head(max_peaks)
    if len(windows) == 0:
        raise InputError(f"{peaks_path}: no usable peaks left (all off chromosome ends, on unknown "
                         "chromosomes or containing N)")
    return windows.reset_index(drop=True)
