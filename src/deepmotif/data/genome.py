"""Genome FASTA files: download + decompression with a streaming faidx index, writing, random access.

Random access (chromosome sizes, sequences of windows) goes through pyfaidx over the ``.fai`` index;
:func:`download_genome` builds that index while it decompresses (one pass over a 3-GB genome instead
of a second, pure-Python one), in the samtools format pyfaidx, bedtools and samtools read.
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from deepmotif.data.http import DownloadError, download
from deepmotif.errors import InputError, where
from deepmotif.data.io import GZIP_MAGIC, atomic_path

log = logging.getLogger(__name__)


def download_genome(
    url: str,
    dest_fa: str | os.PathLike,
    md5: str | None = None,
    keep_download: bool = False,
    **kwargs,
) -> Path:
    """Download a (gzipped) genome FASTA, decompress it to ``dest_fa`` and write ``dest_fa.fai``.

    Parameters
    ----------
    url: str
        E.g. ``https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz``; a plain FASTA,
        ``file://`` URL or local path works too.
    dest_fa: path
        Uncompressed FASTA to write; ``<dest_fa>.fai`` (samtools faidx format) is written beside it.
    md5: str or None, optional
        md5 of the file as served (compressed).
    keep_download: bool, optional
        Keep the downloaded file as ``<dest_fa>.download`` (default: delete it after decompressing).
    **kwargs
        ``retries backoff timeout progress`` as in :func:`download`.

    Returns
    -------
    pathlib.Path
        ``dest_fa``.
    """
    dest_fa = Path(dest_fa)
    raw = dest_fa.with_name(dest_fa.name + ".download")
    fai = dest_fa.with_name(dest_fa.name + ".fai")
    done = False
    try:  # the download inside: a SIGTERM right after it completes removes it too
        download(url, raw, md5=md5, **kwargs)
        # the FASTA is renamed into place before its index (inner context first): an interruption between
        # the two leaves a FASTA without .fai (rebuilt when opened), never a .fai without its FASTA
        with atomic_path(fai) as tmp_fai, atomic_path(dest_fa) as tmp_fa:
            index = _decompress_and_index(raw, tmp_fa, source=url)
            _write_fai(index, tmp_fai)
        done = True
    finally:
        # corrupt, not FASTA or interrupted (SIGTERM): the download goes too, nothing GB-sized stays
        if not (done and keep_download):
            raw.unlink(missing_ok=True)
    log.info("genome %s: %d sequences, %d bp -> %s", url, len(index), sum(r[1] for r in index), dest_fa)
    return dest_fa


def write_fai(fasta: str | os.PathLike) -> Path:
    """Write ``<fasta>.fai`` (samtools faidx format) for an uncompressed FASTA file; return its path.

    The file is indexed first and the index written only then, so a FASTA that cannot be indexed
    (duplicate record names, uneven lines, an empty record) leaves no ``.fai`` beside it.
    """
    fasta = Path(fasta)
    fai = fasta.with_name(fasta.name + ".fai")
    with open(fasta, "rb") as f:
        index = _index_stream(f, None, str(fasta))
    with atomic_path(fai) as tmp:
        _write_fai(index, tmp)
    return fai


def _decompress_and_index(raw: Path, dest: Path, source: str) -> list[tuple]:
    with open(raw, "rb") as f:
        compressed = f.read(2) == GZIP_MAGIC
    try:
        with (gzip.open(raw, "rb") if compressed else open(raw, "rb")) as f, open(dest, "wb") as out:
            return _index_stream(f, out, source)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DownloadError(f"{source}: truncated or corrupt gzip file ({e}); download it again") from e


def _write_fai(index: list[tuple], path: Path) -> None:
    with open(path, "w") as f:
        for row in index:
            f.write("\t".join(map(str, row)) + "\n")


def _index_stream(f, out, source: str, block: int = 8 << 20) -> list[tuple]:
    """Copy ``f`` to ``out`` (if given) in blocks while building a faidx index of it."""
    indexer = _FaiIndexer(source)
    carry = b""
    while chunk := f.read(block):
        if out is not None:
            out.write(chunk)
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        indexer.feed(data[:cut])
        carry = data[cut:]
    if carry:
        indexer.feed(carry, final=True)
    return indexer.finish()


class _FaiIndexer:
    """Incremental samtools-faidx indexer over blocks of whole lines (numpy per block).

    Rows are ``name length offset linebases linewidth``. Within a record every line but the last
    must have the same length; anything else cannot be indexed and raises :class:`InputError`.
    """

    UNEVEN = ("lines of sequence {!r} have different lengths; faidx needs all lines but the last of a "
              "record to be equally long (re-wrap it, e.g. seqkit seq -w 60)")

    def __init__(self, source: str):
        self.source = source
        self.offset = 0  # bytes consumed so far
        self.lines = 0  # lines consumed so far
        self.index: list[tuple] = []
        self.names: set[str] = set()
        self.record: list | None = None  # [name, length, offset, linebases, linewidth, ended]
        self.record_line = 0  # line number of the open record's header

    def feed(self, data: bytes, final: bool = False) -> None:
        if not data:
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10) + 1
        if final and (len(ends) == 0 or ends[-1] != len(arr)):
            ends = np.append(ends, len(arr))
        starts = np.concatenate(([0], ends[:-1]))
        headers = np.flatnonzero(arr[starts] == ord(">"))
        bounds = np.concatenate((headers, [len(starts)]))
        self._sequence_lines(arr, starts[: bounds[0]], ends[: bounds[0]], 0)
        for h, nxt in zip(bounds[:-1], bounds[1:]):
            self._header(data[starts[h] : ends[h]], h, int(ends[h]))
            self._sequence_lines(arr, starts[h + 1 : nxt], ends[h + 1 : nxt], h + 1)
        self.offset += len(data)
        self.lines += len(starts)

    def _header(self, line: bytes, i: int, end: int) -> None:
        self._close()
        if b"\r" in line.rstrip(b"\r\n"):
            self._fail(i, "the file's lines end in CR only (classic Mac OS); convert them to LF, e.g. "
                          "tr '\\r' '\\n' < in.fa > out.fa")
        words = line[1:].split()
        if not words:
            self._fail(i, "empty FASTA header '>'")
        name = words[0].decode("utf-8", "replace")
        if name in self.names:
            self._fail(i, f"duplicate sequence name {name!r}")
        self.names.add(name)
        self.record = [name, 0, self.offset + end, 0, 0, False]
        self.record_line = self.lines + i + 1

    def _sequence_lines(self, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, first: int) -> None:
        """Account for sequence lines ``starts[i]:ends[i]`` of ``arr``; ``first`` = block line number."""
        if len(starts) == 0:
            return
        widths = ends - starts
        has_nl = arr[ends - 1] == 10
        has_cr = has_nl & (widths >= 2) & (arr[np.maximum(ends - 2, 0)] == 13)
        bases = widths - has_nl - has_cr
        rec = self.record
        if rec is None:
            if np.any(bases > 0):
                j = int(np.flatnonzero(bases > 0)[0])
                self._fail(first + j, "sequence before the first '>' header; is this a FASTA file?")
            return
        if rec[3] == 0 and not rec[5]:
            nonblank = np.flatnonzero(bases > 0)
            if len(nonblank) == 0:
                rec[5] = True
                return
            j = int(nonblank[0])
            if j > 0:
                self._fail(first + j, f"blank line inside sequence {rec[0]!r}")
            rec[3], rec[4] = int(bases[0]), int(widths[0])
        if rec[5]:
            odd = np.flatnonzero(bases > 0)
            if len(odd):
                self._fail(first + int(odd[0]), self.UNEVEN.format(rec[0]))
            return
        odd = np.flatnonzero((bases != rec[3]) | (widths != rec[4]))
        if len(odd):
            k = int(odd[0])
            after = np.flatnonzero(bases[k + 1 :] > 0)
            if bases[k] > rec[3] or len(after):
                j = k if bases[k] > rec[3] else k + 1 + int(after[0])
                self._fail(first + j, self.UNEVEN.format(rec[0]))
            rec[5] = True
        rec[1] += int(bases.sum())

    def _close(self) -> None:
        if self.record is not None:
            name, length, offset, linebases, linewidth, _ = self.record
            if length == 0:
                raise InputError(f"{self.source} line {self.record_line}: sequence {name!r} is empty (0 bp); "
                                 f"remove the record (e.g. seqkit seq -m 1 in.fa > out.fa)")
            self.index.append((name, length, offset, linebases, linewidth))
            self.record = None

    def finish(self) -> list[tuple]:
        self._close()
        if not self.index:
            raise InputError(f"{self.source}: no FASTA records ('>name' lines); is this a FASTA file?")
        return self.index

    def _fail(self, i: int, message: str) -> None:
        raise InputError(f"{self.source} line {self.lines + i + 1}: {message}")


def write_fasta(path: str | os.PathLike, records: Mapping[str, str], width: int = 60) -> None:
    """Write ``records`` (name -> sequence) as FASTA with ``width`` bases per line, and its ``.fai``.

    The index lets bedtools and pyfaidx read the file without indexing it again.
    """
    path = Path(path)
    index_lines = []
    with atomic_path(path) as tmp, open(tmp, "w") as out:
        offset = 0
        for name, seq in records.items():
            header = f">{name}\n"
            out.write(header)
            offset += len(header)
            index_lines.append(f"{name}\t{len(seq)}\t{offset}\t{width}\t{width + 1}\n")
            for i in range(0, len(seq), width):
                line = seq[i:i + width] + "\n"
                out.write(line)
                offset += len(line)
    with atomic_path(f"{path}.fai") as tmp:
        Path(tmp).write_text("".join(index_lines))


def open_indexed(fasta: str | os.PathLike):
    """A :class:`pyfaidx.Fasta` over ``fasta`` whose ``.fai`` matches it (built or rebuilt if not).

    pyfaidx trusts an index that is newer than the FASTA; one left from before the file was re-wrapped
    or edited would cut windows with newlines inside. :func:`index_mismatch` checks the index against
    the file (record starts and ends, line layout, size); a missing or stale index is rebuilt by
    :func:`write_fai`, which refuses duplicate record names, uneven lines and empty records before
    writing anything.
    """
    import pyfaidx

    from deepmotif.data.io import is_gzip

    fasta = Path(fasta)
    if not fasta.is_file():
        raise InputError(f"{fasta}: genome FASTA not found" if not fasta.exists() else
                         f"{fasta}: is a directory, expected a genome FASTA file")
    fai = fasta.with_name(fasta.name + ".fai")
    if not is_gzip(fasta):  # bgzip-compressed genomes: pyfaidx's own index (.fai + .gzi)
        reason = "missing" if not fai.exists() else index_mismatch(fasta, fai)
        if reason:
            if fai.exists():
                log.warning("%s does not match %s (%s); rebuilding it", fai, fasta, reason)
            try:
                write_fai(fasta)
            except PermissionError:
                raise InputError(f"{fai}: {reason}, and it cannot be written beside the genome (permission "
                                 "denied); index a copy of the FASTA in a writable folder (samtools faidx)") from None
    try:
        return pyfaidx.Fasta(str(fasta), as_raw=True, sequence_always_upper=True, build_index=True, rebuild=False)
    except (pyfaidx.FastaIndexingError, pyfaidx.FastaNotFoundError, OSError, ValueError) as e:
        raise InputError(f"{fasta}: cannot index the genome FASTA ({e}); check that it is an uncompressed "
                         "FASTA file (decompress .fa.gz first, or use bgzip)") from e


def read_fai(fai: str | os.PathLike) -> list[tuple[str, int, int, int, int]]:
    """Rows ``name length offset linebases linewidth`` of a samtools ``.fai`` index."""
    rows = []
    for n, line in enumerate(Path(fai).read_text(errors="replace").splitlines(), start=1):
        fields = line.split("\t")
        try:
            rows.append((fields[0], *map(int, fields[1:5])))
        except (ValueError, IndexError):
            raise InputError(f"{where(fai, n)}: not a faidx index line (name length offset linebases "
                             "linewidth); remove the file, deepmotif rebuilds it") from None
    return rows


def index_mismatch(fasta: str | os.PathLike, fai: str | os.PathLike) -> str | None:
    """Why the ``.fai`` index does not describe ``fasta`` (None if it does).

    Checks what a changed FASTA breaks, reading a few bytes per record (times are no guide: a stale
    index can be newer than a re-wrapped file): each record's header precedes its first base; its
    first line ends where ``linebases`` says;
    the next header (or the end of the file) follows where ``length`` and the line layout put its end;
    names are unique.
    """
    fasta, fai = Path(fasta), Path(fai)
    try:
        rows = read_fai(fai)
    except InputError as err:
        return str(err)
    names = [row[0] for row in rows]
    if not rows or len(set(names)) < len(names):
        return "no records" if not rows else "repeated record names"
    size = fasta.stat().st_size
    with open(fasta, "rb") as f:
        def at(pos: int, n: int) -> bytes:
            f.seek(pos)
            return f.read(n)

        expected_start = 0
        for name, length, offset, linebases, linewidth in rows:
            if length < 1 or linebases < 1 or linewidth <= linebases or offset > size:
                return f"impossible layout for {name!r}"
            head = f">{name}".encode()
            header = at(expected_start, offset - expected_start).lstrip(b"\r\n")  # blank lines, one header
            if not (header.startswith(head) and header[len(head):len(head) + 1] in (b" ", b"\t", b"\r", b"\n")
                    and header.endswith(b"\n") and header.count(b"\n") == 1):
                return f"record {name!r} does not start where the index says"
            ending = b"\r\n"[-(linewidth - linebases):]
            if length > linebases and at(offset + linebases, len(ending)) != ending:
                return f"lines of {name!r} are not {linebases} bp long"
            full, rest = divmod(length, linebases)
            end = offset + full * linewidth + (rest + len(ending) if rest else 0)
            if end > size + len(ending) or end - len(ending) > size:
                return f"record {name!r} runs past the end of the file"
            if end > size:
                end = size  # last line without a line end
            expected_start = end
        if at(expected_start, size - expected_start).strip(b"\r\n"):
            return "the file holds more than the index describes"
    return None


def chrom_sizes(fasta: str | os.PathLike) -> dict[str, int]:
    """Chromosome lengths of a genome FASTA, from its ``.fai`` (built with pyfaidx if missing)."""
    with open_indexed(fasta) as fa:
        return {name: int(record.rlen) for name, record in fa.faidx.index.items()}


def extract_sequences(windows: pd.DataFrame, fasta: str | os.PathLike) -> list[str]:
    """Sequences of ``windows`` (``chrom start end``, 0-based half-open) of an indexed FASTA (pyfaidx).

    Returns
    -------
    list of str
        Upper-case sequences, one per window, in order.

    Raises
    ------
    InputError
        A window on a chromosome the FASTA lacks or running off its end.
    """
    if len(windows) == 0:
        return []
    with open_indexed(fasta) as fa:
        sizes = {name: int(record.rlen) for name, record in fa.faidx.index.items()}
        seqs = []
        for chrom, start, end in zip(windows["chrom"].astype(str), windows["start"], windows["end"]):
            if chrom not in sizes or start < 0 or end > sizes[chrom]:
                raise InputError(f"{fasta}: window {chrom}:{start}-{end} is not inside the genome "
                                 f"({chrom} {'is missing' if chrom not in sizes else f'has {sizes[chrom]} bp'}); "
                                 "are the FASTA and its .fai index current and of the peaks' assembly?")
            seqs.append(fa.faidx.fetch(chrom, int(start) + 1, int(end)))
    return seqs
