"""Validating readers for the paper's data formats and users' own sequence files.

Sequence readers return a :class:`pandas.DataFrame` with columns ``id seq label`` (``seq`` upper-case
``str``, ``label`` ``int64`` 0/1); :func:`read_narrowpeak`
returns the ten narrowPeak columns. Files may be gzip-compressed (detected by content, not name).
Every problem raises :class:`deepmotif.errors.InputError` naming the file, the line and the fix.
Sequences containing ``N`` are kept (their number is logged); :func:`drop_n` removes them.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from deepmotif.errors import InputError, excerpt, where
from deepmotif.data.io import GZIP_MAGIC, decode_text

log = logging.getLogger(__name__)

DEEPBIND_COLUMNS = ("FoldID", "EventID", "seq", "Bound")
NARROWPEAK_COLUMNS = (
    "chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue", "peak",
)
BAD_BASE = re.compile(r"[^ACGTN]")  # after upper-casing
OTHER_COMPRESSION = {b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip", b"\x28\xb5\x2f\xfd": "zstd"}


# --------------------------------------------------------------------------------------- public API


def read_deepbind_seq(path: str | os.PathLike, length: int | None = 101) -> pd.DataFrame:
    """Read a DeepBind ChIP-seq sequence file (``*_AC.seq.gz`` / ``*_B.seq.gz``).

    Parameters
    ----------
    path: path
        Tab-separated, gzip or plain, header ``FoldID EventID seq Bound`` (column order free).
    length: int or None, optional
        Required sequence length; ``None`` accepts any (equal or not). Default 101.

    Returns
    -------
    pandas.DataFrame
        ``id`` (the ``EventID``), ``seq``, ``label`` (``Bound``), one row per data line.

    Examples
    --------
    >>> df = read_deepbind_seq("CTCF_B.seq.gz")      # doctest: +SKIP
    >>> df.label.value_counts().to_dict()            # doctest: +SKIP
    {1: 500, 0: 500}
    """
    lines = read_lines(path)
    _require_rows(path, lines, "a header line 'FoldID EventID seq Bound' and sequences")
    header = lines[0].split("\t")
    missing = [c for c in ("EventID", "seq", "Bound") if c not in header]
    if missing:
        tabs = "" if "\t" in lines[0] else " (the line has no tab: columns must be tab-separated)"
        raise InputError(
            f"{where(path, 1)}: missing column(s) {', '.join(missing)} in header {excerpt(lines[0])}{tabs}; "
            f"a DeepBind file starts with the tab-separated header {' '.join(DEEPBIND_COLUMNS)}"
        )
    rows, numbers = _split_rows(path, lines[1:], 2, len(header), "\t", "FoldID EventID seq Bound")
    if not rows:
        raise InputError(f"{path}: has a header but no sequences; check the file is complete")
    cols = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    numbers = np.asarray(numbers)
    seqs = _check_seqs(path, pd.Series(cols["seq"], dtype="str"), numbers, length)
    labels = _check_labels(path, pd.Series(cols["Bound"], dtype="str"), numbers, "Bound")
    ids = pd.Series(cols["EventID"], dtype="str").str.strip()
    return _frame(path, ids, seqs, labels, numbers)


def read_demo_fasta(path: str | os.PathLike, length: int | None = 101) -> pd.DataFrame:
    """Read a DeMo-layout FASTA whose headers are the labels (``>1`` bound, ``>0`` unbound).

    Parameters
    ----------
    path: path
        FASTA, gzip or plain; headers ``>1``/``>0`` (a space after ``>`` is fine); sequences may be
        wrapped over several lines.
    length: int or None, optional
        Required sequence length; ``None`` accepts any. Default 101.

    Returns
    -------
    pandas.DataFrame
        ``id`` (``<file stem>_<record number>``, from 1), ``seq``, ``label``.
    """
    headers, header_lines, seqs, seq_lines, lines = _parse_fasta(path)
    numbers = np.asarray(header_lines)
    labels = pd.Series([h.strip() for h in headers], dtype="str")
    bad = ~labels.isin(["0", "1"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{where(path, int(numbers[i]))}: header {excerpt('>' + headers[i])} is not a label; DeMo FASTA headers are "
            f"'>1' (bound) or '>0' (unbound) ({int(bad.sum())} such headers); for named sequences use a "
            f"labelled table (columns id, seq, label)"
        )
    seqs = _check_seqs(path, pd.Series(seqs, dtype="str"), numbers, length, path_lines=(seq_lines, lines))
    stem = _stem(path)
    ids = pd.Series([f"{stem}_{i}" for i in range(1, len(seqs) + 1)], dtype="str")
    return _frame(path, ids, seqs, labels.astype("int64"), numbers)


def read_labelled_table(path: str | os.PathLike, length: int | None = None) -> pd.DataFrame:
    """Read a user's labelled sequence table (TSV or CSV, gzip or plain).

    Parameters
    ----------
    path: path
        Header with columns ``seq`` and ``label`` (0/1), optionally ``id`` and ``split``
        (``train``/``valid``/``test``); other columns are ignored. The separator is a comma for
        ``.csv`` (``.csv.gz``) files and for headers without a tab, a tab otherwise; CSV quoting works.
    length: int or None, optional
        Required sequence length; ``None`` (default) accepts any.

    Returns
    -------
    pandas.DataFrame
        ``id seq label`` (+ ``split`` if present). Missing ids become ``<file stem>_<row>``.
    """
    lines = read_lines(path)
    _require_rows(path, lines, "a header line with columns seq and label")
    name = Path(path).name.lower().removesuffix(".gz")
    sep = "," if name.endswith(".csv") or "\t" not in lines[0] else "\t"
    csv.field_size_limit(max(csv.field_size_limit(), len(max(lines, key=len)) + 1))  # long sequences
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)
    try:
        header = [c.strip() for c in next(reader)]
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        raise InputError(f"{where(path, reader.line_num)}: {e}; check the quoting of this line") from e
    missing = [c for c in ("seq", "label") if c not in header]
    if missing:
        words = lines[0].split()
        if len(header) == 1 and len(words) > 1 and {"seq", "label"} <= set(words):
            raise InputError(
                f"{where(path, 1)}: the header {excerpt(lines[0])} is separated by spaces; separate the "
                f"columns by tabs (or by commas in a .csv file)"
            )
        raise InputError(
            f"{where(path, 1)}: missing column(s) {', '.join(missing)} (header: "
            f"{excerpt(', '.join(header))}); the table needs columns seq and label (0/1), optionally id and "
            f"split, separated by {'commas' if sep == ',' else 'tabs'}"
        )
    records = [(n, row) for n, row in records if any(c.strip() for c in row)]
    if not records:
        raise InputError(f"{path}: has a header but no sequences; check the file is complete")
    numbers = np.asarray([n for n, _ in records])
    for n, row in records:
        if len(row) != len(header):
            raise InputError(
                f"{where(path, n)}: has {len(row)} fields, the header has {len(header)}; check for missing "
                f"or extra {'commas' if sep == ',' else 'tabs'}"
            )
    cols = {c: pd.Series([row[i].strip() for _, row in records], dtype="str") for i, c in enumerate(header)}
    seqs = _check_seqs(path, cols["seq"], numbers, length)
    labels = _check_labels(path, cols["label"], numbers, "label")
    if "id" in cols:
        ids = cols["id"]
    else:
        ids = pd.Series([f"{_stem(path)}_{i}" for i in range(1, len(seqs) + 1)], dtype="str")
    df = _frame(path, ids, seqs, labels, numbers)
    if "split" in cols:
        split = cols["split"]
        bad = ~split.isin(["train", "valid", "test"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{where(path, int(numbers[i]))}: column 'split' is {excerpt(split.iloc[i])}; use train, valid or "
                f"test"
            )
        df["split"] = split.to_numpy()
    return df


def read_narrowpeak(path: str | os.PathLike, resolve_summit: bool = True) -> pd.DataFrame:
    """Read and validate an ENCODE narrowPeak file (BED6+4), gzip or plain.

    Parameters
    ----------
    path: path
        Ten tab-separated columns; ``track``/``browser``/``#`` lines are skipped.
    resolve_summit: bool, optional
        Replace summit offsets of ``-1`` ("no summit called") by the peak midpoint
        ``(end - start) // 2`` and offsets equal to ``end - start`` (one past the peak, found in a
        few rows of ENCODE IDR files) by ``end - start - 1``. Default True.

    Returns
    -------
    pandas.DataFrame
        ``chrom start end name score strand signalValue pValue qValue peak``; coordinates and
        ``peak`` (summit offset from ``start``) are int64, the statistics float64, ``score`` int64
        when all scores are whole numbers.
    """
    lines = read_lines(path)
    rows, numbers = [], []
    for n, line in enumerate(lines, start=1):
        if line.strip() and not line.startswith(("#", "track", "browser")):
            rows.append(line.split("\t"))
            numbers.append(n)
    if not rows:
        raise InputError(f"{path}: contains no peaks; check the file is a complete narrowPeak file")
    numbers = np.asarray(numbers)
    nfields = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    if np.any(nfields != 10):
        i = int(np.flatnonzero(nfields != 10)[0])
        spaces = nfields[i] == 1 and " " in lines[numbers[i] - 1]
        hint = " (columns must be separated by tabs)" if spaces else ""
        raise InputError(
            f"{where(path, int(numbers[i]))}: has {nfields[i]} columns, narrowPeak has 10 "
            f"({' '.join(NARROWPEAK_COLUMNS)}){hint}"
        )
    raw = pd.DataFrame(rows, columns=list(NARROWPEAK_COLUMNS), dtype="str")
    df = pd.DataFrame({"chrom": raw["chrom"], "name": raw["name"], "strand": raw["strand"]})
    for col in ("start", "end", "peak"):
        ok = raw[col].str.fullmatch(r"-?[0-9]+").to_numpy()  # ASCII digits only
        _fail_first(path, numbers, ~ok,
                    lambda i, c=col: f"column '{c}' must be an integer, got {excerpt(raw[c].iloc[i])}"
                                     + header_hint(raw[c].iloc[i]))
        df[col] = raw[col].astype("int64")
    for col in ("score", "signalValue", "pValue", "qValue"):
        values = pd.to_numeric(raw[col], errors="coerce")
        _fail_first(path, numbers, values.isna().to_numpy(),
                    lambda i, c=col: f"column '{c}' must be a number, got {excerpt(raw[c].iloc[i])}")
        df[col] = values.astype("float64")
    if np.all(df["score"] == np.floor(df["score"])):
        df["score"] = df["score"].astype("int64")
    start, end, peak = df["start"].to_numpy(), df["end"].to_numpy(), df["peak"].to_numpy()
    _fail_first(path, numbers, (df["chrom"].str.len() == 0).to_numpy(), lambda i: "empty chromosome name")
    _fail_first(path, numbers, start < 0,
                lambda i: f"start {start[i]} is negative; BED coordinates are 0-based")
    _fail_first(path, numbers, start >= end,
                lambda i: f"start {start[i]} is not before end {end[i]}; a peak needs start < end")
    _fail_first(path, numbers, ~df["strand"].isin(["+", "-", "."]).to_numpy(),
                lambda i: f"strand {excerpt(df['strand'].iloc[i])} must be +, - or .")
    width = end - start
    # ENCODE IDR-thresholded files hold a few peaks with summit == end - start (one past the last
    # base, e.g. ENCFF618VMC line 23050): tolerated and moved onto the last base; beyond is an error
    outside = (peak != -1) & ((peak < 0) | (peak > width))
    _fail_first(path, numbers, outside,
                lambda i: f"summit offset {peak[i]} (column 10) is outside the peak [0, {width[i]}) of "
                          f"{df['chrom'].iloc[i]}:{start[i]}-{end[i]}; it counts from start (-1 = no summit)")
    if resolve_summit:
        missing, at_end = peak == -1, peak == width
        if missing.any():
            df.loc[missing, "peak"] = width[missing] // 2
            log.info("%s: %d peaks without a summit (-1): using their midpoints", path, int(missing.sum()))
        if at_end.any():
            df.loc[at_end, "peak"] = width[at_end] - 1
            log.info("%s: %d peaks with the summit at their end: moved to the last base", path,
                     int(at_end.sum()))
    return df[list(NARROWPEAK_COLUMNS)]


def check_bases(seq: str, path: str | os.PathLike, line: int) -> str:
    """``seq`` (one line or field of a sequence) upper-cased, if it holds only A, C, G, T and N.

    Raises
    ------
    InputError
        Naming the file, the line, the first other character and its position, as the readers of
        training data do (:data:`BAD_BASE`).
    """
    seq = seq.upper()
    bad = BAD_BASE.search(seq)
    if bad:
        raise InputError(f"{where(path, line)}: invalid character {bad.group()!r} at position {bad.start() + 1}; "
                         "sequences may contain only A, C, G, T and N (replace other IUPAC codes by N)")
    return seq


def drop_n(df: pd.DataFrame, max_n: int = 0) -> tuple[pd.DataFrame, int]:
    """Drop sequences with more than ``max_n`` ``N`` bases.

    Parameters
    ----------
    df: pandas.DataFrame
        Any frame with a ``seq`` column (upper-case).
    max_n: int, optional
        Most ``N`` a kept sequence may contain. Default 0 (drop any sequence with an ``N``).

    Returns
    -------
    (pandas.DataFrame, int)
        The kept rows (index reset) and the number dropped.
    """
    keep = df["seq"].str.count("N") <= max_n
    return df.loc[keep].reset_index(drop=True), int((~keep).sum())


def sniff_format(path: str | os.PathLike) -> str:
    """Guess a sequence file's format: ``deepbind``, ``demo``, ``fasta`` or ``table``."""
    lines = read_lines(path, limit=20)
    first = next((line for line in lines if line.strip()), "")  # blank lines before the first record
    if first.startswith(">"):
        return "demo" if first[1:].strip() in ("0", "1") else "fasta"
    if first.split("\t")[:2] == ["FoldID", "EventID"] or {"EventID", "Bound"} <= set(first.split("\t")):
        return "deepbind"
    return "table"


def read_sequences(path: str | os.PathLike, length: int | None = 101, fmt: str = "auto") -> pd.DataFrame:
    """Read a labelled sequence file of any supported format.

    ``fmt`` is ``deepbind``, ``demo``, ``table`` or ``auto`` (default: :func:`sniff_format`).
    """
    readers = {"deepbind": read_deepbind_seq, "demo": read_demo_fasta, "table": read_labelled_table}
    fmt = sniff_format(path) if fmt == "auto" else fmt
    if fmt not in readers:
        raise InputError(
            f"{path}: format {fmt!r} has no labels; use one of {', '.join(readers)} (a plain FASTA needs "
            f"'>1'/'>0' headers or a table with seq and label columns)"
        )
    return readers[fmt](path, length=length)


# ------------------------------------------------------------------------------------------ helpers


def read_lines(path: str | os.PathLike, limit: int | None = None) -> list[str]:
    """Lines of a gzip or plain text file, without line ends (``\\r\\n`` tolerated)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file; check the path")
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    try:
        with open(path, "rb") as f:
            head = f.read(6)
        compressed = head.startswith(GZIP_MAGIC)
        other = next((name for magic, name in OTHER_COMPRESSION.items() if head.startswith(magic)), None)
        if other:
            raise InputError(f"{path}: the file is compressed with {other}, not gzip; decompress it (or "
                             "recompress it with gzip)")
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            data = f.read() if limit is None else b"".join(f.readline() for _ in range(limit))
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: truncated or corrupt gzip file ({e}); download or copy it again") from e
    text = decode_text(data, path)  # UTF-8 with or without BOM, else an error naming the line
    # universal newlines: \r\n (Windows) and a lone \r (classic Mac OS, some Excel exports) end lines too
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _require_rows(path, lines: list[str], what: str) -> None:
    if not any(line.strip() for line in lines):
        raise InputError(f"{path}: is empty; expected {what}")


def _split_rows(path, lines: list[str], first: int, ncol: int, sep: str, columns: str):
    rows, numbers = [], []
    for n, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        fields = line.split(sep)
        if len(fields) != ncol:
            raise InputError(
                f"{where(path, n)}: has {len(fields)} tab-separated fields, expected {ncol} ({columns})"
            )
        rows.append(fields)
        numbers.append(n)
    return rows, numbers


def _parse_fasta(path) -> tuple[list[str], list[int], list[str], list[int], list[str]]:
    """Headers (without '>'), their line numbers, sequences, their first line numbers, all lines."""
    lines = read_lines(path)
    _require_rows(path, lines, "FASTA records ('>header' then sequence lines)")
    headers, header_lines, seqs, seq_lines = [], [], [], []
    parts: list[str] | None = None
    for n, line in enumerate(lines, start=1):
        if line.startswith(">"):
            if parts is not None and not parts:
                raise InputError(f"{where(path, header_lines[-1])}: record {excerpt('>' + headers[-1])} has no sequence")
            if parts:
                seqs.append("".join(parts))
            headers.append(line[1:])
            header_lines.append(n)
            seq_lines.append(n + 1)
            parts = []
        elif line.strip():
            if parts is None:
                raise InputError(f"{where(path, n)}: text before the first '>' header; is this a FASTA file?")
            parts.append(line.strip())
    if not parts:
        raise InputError(f"{where(path, header_lines[-1])}: record {excerpt('>' + headers[-1])} has no sequence")
    seqs.append("".join(parts))
    return headers, header_lines, seqs, seq_lines, lines


def _check_seqs(path, seqs: pd.Series, numbers: np.ndarray, length: int | None, path_lines=None) -> pd.Series:
    """Upper-case, check the alphabet and the length; log the number with N.

    ``path_lines`` = (first sequence line per record, all lines) lets FASTA errors name the exact line.
    """
    seqs = seqs.str.strip().str.upper()
    bad = seqs.str.contains(BAD_BASE.pattern, regex=True).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        match = BAD_BASE.search(seqs.iloc[i])
        line, pos = int(numbers[i]), match.start() + 1
        if path_lines is not None:  # walk the wrapped record to the line holding the character
            line, lines = path_lines[0][i], path_lines[1]
            while pos > len(lines[line - 1].strip()):
                pos -= len(lines[line - 1].strip())
                line += 1
        raise InputError(
            f"{where(path, line)}: invalid character {match.group()!r} at position {pos}; sequences may "
            f"contain only A, C, G, T and N ({int(bad.sum())} sequences affected; replace other IUPAC "
            f"codes by N)"
        )
    lengths = seqs.str.len().to_numpy()
    wrong = lengths != length if length is not None else lengths == 0
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        expected = f"expected {length}" if length is not None else "expected at least 1"
        raise InputError(
            f"{where(path, int(numbers[i]))}: sequence has {lengths[i]} bp, {expected} ({int(wrong.sum())} "
            f"sequences of the wrong length); set the expected length (length=...) if the data are "
            f"meant to be {lengths[i]} bp"
        )
    n_with_n = int(seqs.str.contains("N", regex=False).sum())
    if n_with_n:
        log.info("%s: %d of %d sequences contain N", path, n_with_n, len(seqs))
    return seqs


def _check_labels(path, labels: pd.Series, numbers: np.ndarray, column: str) -> pd.Series:
    labels = labels.str.strip().replace({"0.0": "0", "1.0": "1"})
    bad = ~labels.isin(["0", "1"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{where(path, int(numbers[i]))}: column '{column}' is {excerpt(labels.iloc[i])}; labels must be 0 "
            f"(unbound) or 1 (bound) ({int(bad.sum())} bad labels)"
        )
    return labels.astype("int64")


def _check_unique(path, ids: pd.Series, numbers: np.ndarray) -> None:
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"{where(path, int(numbers[i]))}: duplicate id {excerpt(ids.iloc[i])}; ids must be unique")


def _frame(path, ids: pd.Series, seqs: pd.Series, labels: pd.Series, numbers: np.ndarray) -> pd.DataFrame:
    empty = (ids.str.len() == 0).to_numpy()
    if empty.any():
        line = int(numbers[np.flatnonzero(empty)[0]])
        raise InputError(f"{where(path, line)}: empty id; give every row an id")
    _check_unique(path, ids, numbers)
    df = pd.DataFrame({"id": ids.to_numpy(), "seq": seqs.to_numpy(), "label": labels.to_numpy()})
    n_bound = int(df.label.sum())
    log.info("%s: %d sequences (%d bound, %d unbound)", path, len(df), n_bound, len(df) - n_bound)
    return df


def _fail_first(path, numbers: np.ndarray, bad: np.ndarray, message) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        more = f" ({int(bad.sum())} such lines)" if bad.sum() > 1 else ""
        raise InputError(f"{where(path, int(numbers[i]))}: {message(i)}{more}")


def header_hint(value: str) -> str:
    """A hint when a BED-like file starts with a column-name line (``chrom start end ...``)."""
    if value.strip().lower() in ("start", "end", "chromstart", "chromend", "peak", "summit"):
        return "; the line looks like a header of column names: remove it or start it with '#'"
    return ""


def _stem(path) -> str:
    name = Path(path).name
    for suffix in (".gz", ".fa", ".fasta", ".fna", ".tsv", ".csv", ".txt", ".seq"):
        name = name.removesuffix(suffix)
    return name
