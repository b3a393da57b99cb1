"""Robust downloads: retries, resume, checksums, atomic renames; ENCODE peaks and UCSC genomes.

Everything here uses the standard library (``urllib``) only. A download streams into ``<dest>.part``
beside the destination and is renamed onto ``dest`` only after its size, checksum and (optional)
content check pass, so a failed or interrupted download never leaves a file at ``dest``. Connection
errors, time-outs, HTTP 5xx/429 and short bodies are retried with exponential back-off and resume
from the ``.part`` file with an HTTP ``Range`` request when the server answers ``206``; HTTP 4xx
(404, 403, ...) fail at once. ``file://`` URLs and plain paths are read (copied) the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from deepmotif import __version__
from deepmotif.errors import InputError
from deepmotif.io import atomic_path

log = logging.getLogger(__name__)

ENCODE_URL = "https://www.encodeproject.org"
ENCODE_ACCESSION = re.compile(r"ENCFF[0-9A-Z]{6}")
USER_AGENT = f"deepmotif/{__version__} python-urllib"
CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
# hgNN (UCSC) and GRCxNN (Ensembl/NCBI, used by the ENCODE portal) name the same assemblies
ASSEMBLY_ALIASES = {"hg38": "grch38", "hg19": "grch37", "mm10": "grcm38", "mm39": "grcm39", "mm9": "ncbim37"}


class DownloadError(InputError):
    """A download that failed for good; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Transient(Exception):
    """A failure worth retrying (connection, time-out, 5xx, short body)."""


class _Restart(Exception):
    """The ``.part`` file cannot be resumed; start again from zero without counting an attempt."""


def download(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60,
    progress: bool | None = None,
    *,
    sha256: str | None = None,
    check: Callable[[Path], object] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, with retries, resume and checksum verification.

    Parameters
    ----------
    url: str
        ``http(s)://``, ``ftp://`` or ``file://`` URL, or a plain local path.
    dest: path
        Destination file. Only a complete, verified file is ever renamed onto it.
    md5, sha256: str or None, optional
        Expected hex digest(s) of the file as served. A mismatch raises :class:`DownloadError`.
    retries: int, optional
        Extra attempts after a transient failure (connection error, time-out, HTTP 5xx/429, body
        shorter than its ``Content-Length``). HTTP 4xx are never retried. Default 4.
    backoff: float, optional
        Seconds before the first retry; doubles each time (capped at 60 s). Default 1.0.
    timeout: float, optional
        Socket time-out in seconds. Default 60.
    progress: bool or None, optional
        Show a tqdm bar; ``None`` (default) shows it only when stderr is a terminal and logs plain
        lines otherwise.
    check: callable or None, optional
        Called with the path of the complete download before the rename; it raises
        :class:`InputError` to reject the content (the partial file is then deleted).

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DownloadError
        HTTP 4xx, checksum mismatch, Git LFS pointer instead of the file, or retries exhausted (the
        ``.part`` file is then kept and the next call resumes it).

    Examples
    --------
    >>> download("https://example.org/peaks.bed.gz", "peaks.bed.gz", md5="...")  # doctest: +SKIP
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    scheme = urllib.parse.urlsplit(str(url)).scheme.lower()
    local = scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter is no scheme
    show = sys.stderr.isatty() if progress is None else progress
    log.info("downloading %s -> %s", url, dest)

    restarted = False
    while True:
        if local:
            resumed = _copy_local(url, part)
        else:
            resumed = _fetch_retrying(url, part, retries, backoff, timeout, show)
        try:
            _verify(url, part, md5, sha256)
        except DownloadError:
            part.unlink(missing_ok=True)
            if restarted or not resumed:
                raise
            # the resumed .part may have come from another version of the file: once more from zero
            log.warning("checksum mismatch after resuming %s; downloading it again from zero", url)
            restarted = True
            continue
        break
    if check is not None:
        try:
            check(part)
        except Exception:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, dest)
    log.info("downloaded %s (%s)", dest, _human(dest.stat().st_size))
    return dest


def _fetch_retrying(url: str, part: Path, retries: int, backoff: float, timeout: float, show: bool) -> bool:
    """Fetch ``url`` into ``part`` with retries; return True if any attempt resumed a partial file."""
    attempt, resumed = 0, False
    while True:
        try:
            resumed |= _fetch_once(url, part, timeout, show)
            return resumed
        except _Restart as e:
            log.warning("%s; restarting %s from zero", e, url)
            part.unlink(missing_ok=True)
        except _Transient as e:
            attempt += 1
            if attempt > retries:
                raise DownloadError(
                    f"could not download {url} after {attempt} attempts (last error: {e}); check the "
                    f"network connection, proxy settings (https_proxy) and the URL; the partial download "
                    f"{part} is kept and a rerun resumes it"
                ) from e
            wait = min(backoff * 2 ** (attempt - 1), 60.0)
            log.warning("download of %s failed (%s); retry %d/%d in %.1f s", url, e, attempt, retries, wait)
            time.sleep(wait)


def _fetch_once(url: str, part: Path, timeout: float, show: bool) -> bool:
    """One HTTP(S)/FTP attempt, resuming ``part`` when it exists; raise _Transient to retry.

    Returns True if the attempt appended to an existing partial file (HTTP 206).
    """
    offset = part.stat().st_size if part.exists() else 0
    resumable = urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")
    if offset and not resumable:
        offset = 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and offset:
            raise _Restart(f"the server refused to resume at byte {offset} of {part}") from e
        if e.code >= 500 or e.code in (408, 429):
            raise _Transient(f"HTTP {e.code} {e.reason}") from e
        raise _http_error(url, e.code, e.reason) from e
    except (OSError, http.client.HTTPException) as e:  # URLError, refused, reset, time-out, DNS
        raise _Transient(_reason(e)) from e

    with response:
        status = getattr(response, "status", 200)
        length = response.headers.get("Content-Length")
        if offset and status == 206:
            start, total = _content_range(response.headers.get("Content-Range", ""))
            if start != offset:
                raise _Restart(f"the server resumed at byte {start}, not {offset}")
            mode = "ab"
            log.info("resuming %s at %s", url, _human(offset))
        else:
            if offset:
                log.info("the server does not support resuming %s; restarting from zero", url)
            offset, mode, total = 0, "wb", None
        if total is None and length is not None and length.isdigit():
            total = offset + int(length)
        received = _stream(response, part, mode, offset, total, url, show)
    if total is not None and received != total:
        raise _Transient(f"connection closed after {received} of {total} bytes")
    return mode == "ab"


def _stream(response, part: Path, mode: str, offset: int, total: int | None, url: str, show: bool) -> int:
    """Copy the response body to ``part``; return the size of ``part`` afterwards."""
    bar = _Progress(url, total, offset, show)
    received = offset
    try:
        with open(part, mode) as out:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as e:
                    raise _Transient(f"{_reason(e)} after {received} bytes") from e
                if not chunk:
                    break
                try:
                    out.write(chunk)
                except OSError as e:
                    message = f"cannot write {part}: {e}; check free disk space and permissions"
                    raise DownloadError(message) from e
                received += len(chunk)
                bar.update(received)
    finally:
        bar.close()
    return received


def _copy_local(url: str, part: Path) -> bool:
    parsed = urllib.parse.urlsplit(str(url))
    source = Path(urllib.request.url2pathname(parsed.path)) if parsed.scheme.lower() == "file" else Path(url)
    if not source.is_file():
        raise DownloadError(f"{source}: no such file (from {url}); check the path")
    with open(source, "rb") as src, open(part, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
    return False


def _verify(url: str, part: Path, md5: str | None, sha256: str | None) -> None:
    with open(part, "rb") as f:
        head = f.read(len(LFS_POINTER))
    if head == LFS_POINTER and part.stat().st_size < 1024:
        raise DownloadError(
            f"{url} returned a Git LFS pointer, not the file; use the LFS media URL "
            f"(https://media.githubusercontent.com/media/<owner>/<repo>/<branch>/<path>)"
        )
    for name, expected in (("md5", md5), ("sha256", sha256)):
        if expected:
            actual = file_digest(part, name)
            if actual != expected.strip().lower():
                raise DownloadError(
                    f"{name} mismatch for {url}: expected {expected}, got {actual}; the download is "
                    f"corrupt or the file changed on the server (check the URL and the expected checksum)"
                )


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _http_error(url: str, code: int, reason: str) -> DownloadError:
    if code in (404, 410):
        hint = "check the URL (typo, moved or deleted file)"
    elif code in (401, 403):
        hint = "the file may be restricted or the link expired; check that it opens in a browser"
    else:
        hint = "check the URL"
    return DownloadError(f"HTTP {code} {reason} for {url}: {hint}", status=code)


def _content_range(value: str) -> tuple[int | None, int | None]:
    match = re.fullmatch(r"bytes (\d+)-\d+/(\d+|\*)", value.strip())
    if not match:
        return None, None
    total = match.group(2)
    return int(match.group(1)), int(total) if total.isdigit() else None


def _reason(e: BaseException) -> str:
    reason = getattr(e, "reason", None)
    return str(reason if reason is not None else e) or type(e).__name__


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class _Progress:
    """tqdm bar on a terminal, otherwise a log line every 30 s."""

    def __init__(self, url: str, total: int | None, initial: int, show: bool):
        self.url, self.total = url, total
        self.bar = None
        self.last = time.monotonic()
        if show:
            from tqdm import tqdm

            name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] or url
            self.bar = tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                            desc=name, file=sys.stderr, leave=False)
        self.done = initial

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
        elif time.monotonic() - self.last > 30:
            self.last = time.monotonic()
            of = f" of {_human(self.total)}" if self.total else ""
            log.info("%s: %s%s", self.url, _human(done), of)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------------------------- gzip


def gzip_ok(path: str | os.PathLike) -> bool:
    """True if ``path`` is a complete gzip file (magic bytes, every member decompresses, CRCs match)."""
    try:
        with open(path, "rb") as f:
            if f.read(2) != GZIP_MAGIC:
                return False
        with gzip.open(path, "rb") as f:
            while f.read(CHUNK):
                pass
        return True
    except (OSError, EOFError, zlib.error):
        return False


# -------------------------------------------------------------------------------------------- ENCODE


def _check_accession(accession: str) -> None:
    if not ENCODE_ACCESSION.fullmatch(str(accession)):
        raise InputError(
            f"{accession!r} is not an ENCODE file accession: expected ENCFF followed by 6 upper-case "
            f"letters/digits, e.g. ENCFF618VMC (use the accession of the peak file, not of the experiment)"
        )


def encode_file_metadata(
    accession: str,
    base_url: str = ENCODE_URL,
    *,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60,
) -> dict:
    """Metadata of an ENCODE file from ``{base_url}/files/{accession}/?format=json``.

    Returns
    -------
    dict
        The portal's JSON object; used fields: ``md5sum assembly file_format output_type status href``.

    Raises
    ------
    InputError
        Malformed accession, unknown accession (HTTP 404), or an answer that is not JSON.
    """
    _check_accession(accession)
    url = f"{base_url.rstrip('/')}/files/{accession}/?format=json"
    body = _get_bytes(url, retries, backoff, timeout, accession)
    try:
        meta = json.loads(body)
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise InputError(f"{url} did not return a JSON object; check that base_url points at the ENCODE portal")
    return meta


def _get_bytes(url: str, retries: int, backoff: float, timeout: float, accession: str) -> bytes:
    """GET a small document into memory with the same retry policy as :func:`download`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 404:
                raise DownloadError(
                    f"unknown ENCODE accession {accession}: {url} returned HTTP 404; check the accession "
                    f"(it must name a file, ENCFF..., that exists on the portal)", status=404
                ) from e
            if e.code < 500 and e.code not in (408, 429):
                raise _http_error(url, e.code, e.reason) from e
            error = f"HTTP {e.code} {e.reason}"
        except (OSError, http.client.HTTPException) as e:
            error = _reason(e)
        if attempt < retries:
            wait = min(backoff * 2**attempt, 60.0)
            log.warning("fetching %s failed (%s); retry %d/%d in %.1f s", url, error, attempt + 1, retries,
                        wait)
            time.sleep(wait)
    raise DownloadError(
        f"could not fetch {url} after {retries + 1} attempts (last error: {error}); check the network "
        f"connection and proxy settings (https_proxy)"
    )


def same_assembly(a: str, b: str) -> bool:
    """True if two assembly names denote the same genome (``hg38`` = ``GRCh38``, ``hg19`` = ``GRCh37``)."""
    return _assembly_key(a) == _assembly_key(b)


def _assembly_key(name: str) -> str:
    key = str(name).strip().lower().removesuffix("-minimal")
    return ASSEMBLY_ALIASES.get(key, key)


def download_encode_peaks(
    accession: str,
    genome: str,
    dest: str | os.PathLike,
    base_url: str = ENCODE_URL,
    **kwargs,
) -> dict:
    """Download an ENCODE narrowPeak file after checking its metadata; verify md5 and content.

    Parameters
    ----------
    accession: str
        ENCODE file accession, ``ENCFF`` + 6 letters/digits (e.g. ``ENCFF618VMC``).
    genome: str
        Assembly the peaks must be on (``hg38``/``GRCh38``, ``hg19``/``GRCh37``, ...).
    dest: path
        Destination ``.bed.gz``; written only when the md5 matches and it parses as narrowPeak.
    base_url: str, optional
        ENCODE portal root. Default ``https://www.encodeproject.org``.
    **kwargs
        ``retries backoff timeout progress`` as in :func:`download`.

    Returns
    -------
    dict
        The file's ENCODE metadata plus ``n_peaks`` and ``url`` (for provenance).
    """
    _check_accession(accession)
    fetch = {k: kwargs[k] for k in ("retries", "backoff", "timeout") if k in kwargs}
    meta = encode_file_metadata(accession, base_url, **fetch)
    _check_encode_metadata(accession, genome, meta)
    served = str(meta.get("accession") or accession)
    if served != accession and ENCODE_ACCESSION.fullmatch(served):
        log.warning("ENCODE file %s was replaced by %s; downloading %s", accession, served, served)
        accession = served
    url = f"{base_url.rstrip('/')}/files/{accession}/@@download/{accession}.bed.gz"
    counts = {}

    def check(path: Path) -> None:
        counts["n_peaks"] = _check_narrowpeak_gz(path, url)

    download(url, dest, md5=meta.get("md5sum"), check=check, **kwargs)
    log.info("ENCODE %s: %d peaks (%s, %s) -> %s", accession, counts["n_peaks"], meta.get("assembly"),
             meta.get("output_type"), dest)
    return {**meta, "n_peaks": counts["n_peaks"], "url": url}


def _check_encode_metadata(accession: str, genome: str, meta: dict) -> None:
    status = str(meta.get("status", ""))
    if status in ("revoked", "deleted"):
        raise InputError(
            f"ENCODE file {accession} has status {status!r}: ENCODE withdrew it; pick a released peak "
            f"file of the same experiment"
        )
    if status not in ("released", "archived", ""):
        log.warning("ENCODE file %s has status %r (not 'released')", accession, status)
    assembly = meta.get("assembly")
    if not assembly:
        raise InputError(
            f"ENCODE file {accession} has no assembly in its metadata; use a peak file mapped to {genome}"
        )
    if not same_assembly(assembly, genome):
        raise InputError(
            f"ENCODE file {accession} is on assembly {assembly} but the genome asked for is {genome}: "
            f"use the {genome} peak file of the same experiment (the experiment page lists one per "
            f"assembly) or set genome to {assembly} with a matching genome FASTA"
        )
    file_format = str(meta.get("file_format", ""))
    file_type = str(meta.get("file_type", "") or meta.get("file_format_type", ""))
    if file_format != "bed" or (file_type and "narrowPeak" not in file_type):
        raise InputError(
            f"ENCODE file {accession} is {file_format or '?'} ({file_type or 'no file_type'}), not a "
            f"narrowPeak BED file: use the accession of a 'bed narrowPeak' file (e.g. IDR thresholded peaks)"
        )
    if "peak" not in str(meta.get("output_type", "")).lower():
        log.warning("ENCODE file %s has output_type %r", accession, meta.get("output_type"))
    if not meta.get("md5sum"):
        log.warning("ENCODE file %s has no md5sum; the download cannot be verified", accession)


def _check_narrowpeak_gz(path: Path, url: str) -> int:
    from deepmotif.data.readers import read_narrowpeak

    if not gzip_ok(path):
        raise DownloadError(f"{url} is not a complete gzip file (truncated or not compressed); download again")
    try:
        return len(read_narrowpeak(path))
    except InputError as e:
        raise DownloadError(f"{url} is not a valid narrowPeak file: {e}") from e


# -------------------------------------------------------------------------------------------- genome


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
    download(url, raw, md5=md5, **kwargs)
    fai = dest_fa.with_name(dest_fa.name + ".fai")
    try:
        with atomic_path(dest_fa) as tmp_fa, atomic_path(fai) as tmp_fai:
            index = _decompress_and_index(raw, tmp_fa, source=url)
            _write_fai(index, tmp_fai)
    except InputError:
        raw.unlink(missing_ok=True)  # corrupt or not FASTA: the next run downloads again
        raise
    if not keep_download:
        raw.unlink()
    log.info("genome %s: %d sequences, %d bp -> %s", url, len(index), sum(r[1] for r in index), dest_fa)
    return dest_fa


def write_fai(fasta: str | os.PathLike) -> Path:
    """Write ``<fasta>.fai`` (samtools faidx format) for an uncompressed FASTA file; return its path."""
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
        words = line[1:].split()
        if not words:
            self._fail(i, "empty FASTA header '>'")
        name = words[0].decode("utf-8", "replace")
        if name in self.names:
            self._fail(i, f"duplicate sequence name {name!r}")
        self.names.add(name)
        self.record = [name, 0, self.offset + end, 0, 0, False]

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
            self.index.append((name, length, offset, linebases, linewidth))
            self.record = None

    def finish(self) -> list[tuple]:
        self._close()
        if not self.index:
            raise InputError(f"{self.source}: no FASTA records ('>name' lines); is this a FASTA file?")
        return self.index

    def _fail(self, i: int, message: str) -> None:
        raise InputError(f"{self.source} line {self.lines + i + 1}: {message}")
