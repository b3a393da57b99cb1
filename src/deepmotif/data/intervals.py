"""Genomic intervals: BED files, users' own peak files (BED or narrowPeak) and blacklist filtering."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator

import numpy as np
import pandas as pd

from deepmotif.data.readers import NARROWPEAK_COLUMNS, header_hint, read_lines, read_narrowpeak
from deepmotif.errors import InputError, excerpt, where
from deepmotif.data.io import atomic_path, process_alive

log = logging.getLogger(__name__)

SKIP = ("#", "track", "browser")


def _data_lines(path) -> list[tuple[int, list[str]]]:
    return [(n, line.split("\t")) for n, line in enumerate(read_lines(path), start=1)
            if line.strip() and not line.startswith(SKIP)]


def read_bed(path: str | os.PathLike, allow_empty: bool = False, lines: bool = False) -> pd.DataFrame:
    """Read a BED file (3 or more tab-separated columns), gzip or plain.

    Parameters
    ----------
    path: path
        ``chrom start end [name [score [strand ...]]]``, 0-based half-open; ``#``/``track``/``browser``
        lines are skipped.
    allow_empty: bool, optional
        Return an empty frame for a file without intervals instead of raising. Default False.
    lines: bool, optional
        Add a column ``line``: the line of the file each interval comes from (for error messages).
        Default False.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end`` (int64 coordinates) plus ``name score strand`` when the file has them
        (``score`` float64), plus ``line`` when asked.
    """
    rows = _data_lines(path)
    if not rows:
        if allow_empty:
            return pd.DataFrame({"chrom": pd.Series(dtype=str), "start": pd.Series(dtype="int64"),
                                 "end": pd.Series(dtype="int64")})
        raise InputError(f"{path}: contains no intervals; expected tab-separated lines chrom start end")
    ncol = min(len(fields) for _, fields in rows)
    if ncol < 3:
        n, fields = next((n, f) for n, f in rows if len(f) < 3)
        spaces = " (columns must be separated by tabs)" if len(fields) == 1 and " " in fields[0] else ""
        raise InputError(f"{where(path, n)}: has {len(fields)} columns, a BED line needs at least 3 "
                         f"(chrom start end){spaces}")
    keep = min(ncol, 6)
    names = ["chrom", "start", "end", "name", "score", "strand"][:keep]
    df = pd.DataFrame([fields[:keep] for _, fields in rows], columns=names, dtype="str")
    numbers = np.asarray([n for n, _ in rows])
    for col in ("start", "end"):
        bad = ~df[col].str.fullmatch(r"[0-9]+").to_numpy()  # ASCII: int() reads other scripts' digits
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{where(path, int(numbers[i]))}: column {col!r} must be a non-negative "
                             f"integer, got {excerpt(df[col].iloc[i])} ({int(bad.sum())} such lines)"
                             f"{header_hint(df[col].iloc[i])}")
        df[col] = df[col].astype("int64")
    bad = (df["start"] >= df["end"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{where(path, int(numbers[i]))}: start {df['start'].iloc[i]} is not before end "
                         f"{df['end'].iloc[i]}; a BED interval needs start < end (0-based, half-open)")
    if "score" in df:
        score = pd.to_numeric(df["score"].replace(".", "0"), errors="coerce")
        if score.isna().any():
            i = int(np.flatnonzero(score.isna().to_numpy())[0])
            raise InputError(f"{where(path, int(numbers[i]))}: column 'score' must be a number, got "
                             f"{excerpt(df['score'].iloc[i])}")
        df["score"] = score.astype("float64")
    if lines:
        df["line"] = numbers
    return df


def read_peaks(path: str | os.PathLike) -> pd.DataFrame:
    """Read peaks from a narrowPeak file or a BED file (3 or more columns; the first 6 are used).

    BED peaks get their midpoint as summit and their score (0 without one) as ``signalValue``, so
    :func:`deepmotif.data.peaks.summit_windows` keeps the file order among equal scores.

    Returns
    -------
    pandas.DataFrame
        The ten narrowPeak columns (see :func:`deepmotif.data.readers.read_narrowpeak`).
    """
    rows = _data_lines(path)
    if rows and len(rows[0][1]) == 10:
        return read_narrowpeak(path)
    bed = read_bed(path)  # BED3-6, or the first 6 columns of broadPeak, BED12, ...
    out = pd.DataFrame({"chrom": bed["chrom"], "start": bed["start"], "end": bed["end"]})
    out["name"] = bed["name"] if "name" in bed else "."
    out["score"] = bed["score"] if "score" in bed else 0.0
    out["strand"] = bed["strand"] if "strand" in bed else "."
    out["signalValue"] = out["score"]
    out["pValue"] = out["qValue"] = -1.0
    out["peak"] = (out["end"] - out["start"]) // 2
    log.info("%s: %d BED intervals, summits at their midpoints", path, len(out))
    return out[list(NARROWPEAK_COLUMNS)]


def overlaps(bed: pd.DataFrame, regions: pd.DataFrame) -> np.ndarray:
    """Boolean mask: which intervals of ``bed`` overlap any interval of ``regions`` by >= 1 bp.

    ``bedtools intersect -u`` (touching half-open intervals do not overlap).
    """
    import pybedtools

    hit = np.zeros(len(bed), dtype=bool)
    if len(bed) == 0 or len(regions) == 0:
        return hit
    query = pd.DataFrame({"chrom": bed["chrom"].astype(str).to_numpy(), "start": bed["start"].to_numpy(),
                          "end": bed["end"].to_numpy(), "name": np.arange(len(bed))})
    with bedtools_tempdir():
        found = pybedtools.BedTool.from_dataframe(query).intersect(
            pybedtools.BedTool.from_dataframe(regions[["chrom", "start", "end"]]), u=True)
        rows = [int(interval.name) for interval in found]
    hit[rows] = True
    return hit


def filter_blacklist(peaks: pd.DataFrame, blacklist: pd.DataFrame, peaks_path: str = "peaks") -> pd.DataFrame:
    """Drop the peaks that overlap a blacklisted region (ENCODE exclusion list).

    Returns
    -------
    pandas.DataFrame
        The remaining peaks, in order.
    """
    hit = overlaps(peaks, blacklist)
    log.info("%s: %d of %d peaks overlap the blacklist and are dropped", peaks_path, int(hit.sum()), len(peaks))
    if hit.all():
        raise InputError(f"{peaks_path}: every peak overlaps the blacklist; check that the blacklist is for "
                         "the same assembly as the peaks")
    return peaks[~hit].reset_index(drop=True)


def write_peaks(peaks: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write peaks (narrowPeak or BED columns, no header) atomically; gzip when ``path`` ends in ``.gz``.

    The gzip stream carries no time stamp and no file name, so equal peaks give equal bytes.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        if str(path).endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
                out.write(peaks.to_csv(sep="\t", header=False, index=False).encode())
        else:
            raw.write(peaks.to_csv(sep="\t", header=False, index=False).encode())


_TEMPDIR_PREFIX = "deepmotif-bedtools."


@contextlib.contextmanager
def bedtools_tempdir() -> Iterator[str]:
    """Run pybedtools calls with their temporary files in a folder of their own, removed at the end.

    pybedtools writes every intermediate result to ``/tmp/pybedtools.*.tmp`` and removes them in
    :func:`pybedtools.cleanup`, which a killed process (SIGKILL from Slurm or Snakemake) never reaches.
    Here the files go to ``<tmp>/deepmotif-bedtools.<pid>.<random>``; on entry, folders left by
    processes that no longer exist are removed, so a killed job's leftovers go with the next call.

    Yields
    ------
    str
        The folder.
    """
    import pybedtools

    base = tempfile.gettempdir()
    _remove_stale_tempdirs(base)
    folder = tempfile.mkdtemp(prefix=f"{_TEMPDIR_PREFIX}{os.getpid()}.", dir=base)
    previous = pybedtools.get_tempdir()
    pybedtools.set_tempdir(folder)
    try:
        yield folder
    finally:
        pybedtools.cleanup()
        pybedtools.set_tempdir(previous)
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_tempdirs(base: str) -> None:
    """Remove ``deepmotif-bedtools.<pid>.*`` folders in ``base`` whose process is gone."""
    pattern = re.compile(re.escape(_TEMPDIR_PREFIX) + r"(\d+)\.")
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            match = pattern.match(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and not process_alive(int(match.group(1))):
                log.info("removing %s, left by a killed process", entry.path)
                shutil.rmtree(entry.path, ignore_errors=True)
