"""Robust downloads: retries, validated resume, checksums, atomic renames (standard library only).

A download streams into ``<dest>.part`` beside the destination and is renamed onto ``dest`` only after
its size, checksum and (optional) content check pass, so a failed or interrupted download never
leaves a file at ``dest``. Connection errors, time-outs, HTTP 5xx/429 and short bodies are retried
with exponential back-off. HTTP 4xx (404, 403, ...) fail at once. ``file://`` URLs and plain paths
are read (copied) the same way.

Resuming: when a ``.part`` is started, the server's validators of the file (``ETag``,
``Last-Modified``) are saved beside it in ``<dest>.part.json``. A later attempt (a retry, or a rerun
after a failure) resumes the ``.part`` with ``Range`` **and** ``If-Range`` carrying the saved
validator, so the server sends the rest only if its file is still the same one (``206``); if the
file changed it answers ``200`` with the whole new file, which replaces the ``.part``. A ``.part``
without saved validators (the server sent none, or the part is from elsewhere) is never resumed: the
download starts over, since the start of one version spliced to the end of another would pass
every check when there is no checksum.
"""

from __future__ import annotations

import contextlib
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
from collections.abc import Callable, Iterable
from pathlib import Path

from deepmotif import __version__
from deepmotif.errors import InputError
from deepmotif.data.io import file_digest

log = logging.getLogger(__name__)

USER_AGENT = f"deepmotif/{__version__} python-urllib"
CHUNK = 1 << 20
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


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
    part_dir: str | os.PathLike | None = None,
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
    part_dir: path or None, optional
        Keep the unfinished download in this folder (``<folder of dest>.<name of dest>.part``) instead of
        beside ``dest``: for a destination inside a folder that is removed when the download fails (a
        Snakemake directory output), so that the next run still resumes it. Same file system as ``dest``.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DownloadError
        HTTP 4xx, checksum mismatch, Git LFS pointer instead of the file, or retries exhausted (a
        ``.part`` with saved validators is then kept and the next call resumes it if the server's
        file is unchanged).

    Examples
    --------
    >>> download("https://example.org/peaks.bed.gz", "peaks.bed.gz", md5="...")  # doctest: +SKIP
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(dest, part_dir)
    scheme = urllib.parse.urlsplit(str(url)).scheme.lower()
    local = scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter is no scheme
    if not local and scheme not in ("http", "https", "ftp"):
        raise DownloadError(f"{url}: unsupported URL scheme {scheme!r}; use http(s)://, ftp://, file:// or a path")
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
            _discard(part)
            if restarted or not resumed:
                raise
            # a server whose validators did not change with its file: once more from zero
            log.warning("checksum mismatch after resuming %s; downloading it again from zero", url)
            restarted = True
            continue
        break
    if check is not None:
        try:
            check(part)
        except Exception:
            _discard(part)
            raise
    os.replace(part, dest)
    _validators_path(part).unlink(missing_ok=True)
    if part_dir is not None:
        with contextlib.suppress(OSError):  # not empty: other unfinished downloads are kept there
            Path(part_dir).rmdir()
    log.info("downloaded %s (%s)", dest, _human(dest.stat().st_size))
    return dest


def download_all(files: Iterable[tuple[str, str | os.PathLike]], **options) -> list[Path]:
    """Download each ``(url, dest)`` in turn with :func:`download` (``options``: its keywords): all or none.

    If one fails, the files this call already wrote are removed before the error is raised, so a
    caller's output holds every file or none of them.

    Returns
    -------
    list of pathlib.Path
        The destinations, in order.
    """
    done: list[Path] = []
    try:
        for url, dest in files:
            done.append(download(url, dest, **options))
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return done


def _part_path(dest: Path, part_dir: str | os.PathLike | None) -> Path:
    """Where the unfinished download of ``dest`` is kept: beside it, or in ``part_dir`` (created)."""
    if part_dir is None:
        return dest.with_name(dest.name + ".part")
    Path(part_dir).mkdir(parents=True, exist_ok=True)
    return Path(part_dir) / f"{dest.parent.name}.{dest.name}.part"


def _validators_path(part: Path) -> Path:
    """Where the validators of the server's file are kept while ``part`` is incomplete."""
    return part.with_name(part.name + ".json")


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    _validators_path(part).unlink(missing_ok=True)


def _save_validators(part: Path, url: str, headers) -> None:
    """Keep the ``ETag`` / ``Last-Modified`` of the file whose start ``part`` now holds."""
    validators = {"url": url, "etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}
    path = _validators_path(part)
    if validators["etag"] or validators["last_modified"]:
        path.write_text(json.dumps(validators))
    else:
        path.unlink(missing_ok=True)


def _if_range(part: Path, url: str) -> str | None:
    """The ``If-Range`` value to resume ``part`` with, or None when it cannot be resumed safely.

    A strong ``ETag`` is preferred; a weak one (``W/"..."``) may not be used in ``If-Range``
    (RFC 9110 13.1.5), so ``Last-Modified`` is used then.
    """
    try:
        saved = json.loads(_validators_path(part).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("url") != url:
        return None
    etag = saved.get("etag")
    if etag and not etag.startswith("W/"):
        return etag
    return saved.get("last_modified") or None


def _fetch_retrying(url: str, part: Path, retries: int, backoff: float, timeout: float, show: bool) -> bool:
    """Fetch ``url`` into ``part`` with retries; return True if any attempt resumed a partial file."""
    attempt, resumed = 0, False
    while True:
        try:
            resumed |= _fetch_once(url, part, timeout, show)
            return resumed
        except _Restart as e:
            log.warning("%s; restarting %s from zero", e, url)
            _discard(part)
        except _Transient as e:
            attempt += 1
            if attempt > retries:
                if part.exists() and part.stat().st_size and _if_range(part, url):
                    kept = f"the partial download {part} is kept and a rerun resumes it if the file is unchanged"
                else:
                    _discard(part)
                    kept = "nothing was kept"
                raise DownloadError(
                    f"could not download {url} after {attempt} attempts (last error: {e}); check the "
                    f"network connection, proxy settings (https_proxy) and the URL; {kept}"
                ) from e
            wait = min(backoff * 2 ** (attempt - 1), 60.0)
            log.warning("download of %s failed (%s); retry %d/%d in %.1f s", url, e, attempt, retries, wait)
            time.sleep(wait)


def _fetch_once(url: str, part: Path, timeout: float, show: bool) -> bool:
    """One HTTP(S)/FTP attempt, resuming ``part`` when its saved validators allow; raise _Transient to retry.

    Returns True if the attempt appended to an existing partial file (HTTP 206).
    """
    offset = part.stat().st_size if part.exists() else 0
    resumable = urllib.parse.urlsplit(url).scheme.lower() in ("http", "https")
    if_range = _if_range(part, url) if offset and resumable else None
    if offset and if_range is None:
        if resumable:
            log.info("%s: no validators (ETag/Last-Modified) saved for %s; starting over", url, part)
        _discard(part)
        offset = 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        request.add_header("If-Range", if_range)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and offset:
            raise _Restart(f"the server refused to resume at byte {offset} of {part}") from e
        if e.code >= 500 or e.code in (408, 429):
            raise _Transient(f"HTTP {e.code} {e.reason}") from e
        raise http_error(url, e.code, e.reason) from e
    except (OSError, http.client.HTTPException) as e:  # URLError, refused, reset, time-out, DNS
        raise _Transient(error_reason(e)) from e

    with response:
        status = getattr(response, "status", 200)
        length = response.headers.get("Content-Length")
        if offset and status == 206:
            start, total = _content_range(response.headers.get("Content-Range", ""))
            if start != offset:
                raise _Restart(f"the server resumed at byte {start}, not {offset}")
            etag = response.headers.get("ETag")
            if etag and if_range.startswith('"') and etag != if_range:  # a server ignoring If-Range
                raise _Restart(f"the server's file changed (ETag {etag}, the partial download had {if_range})")
            mode = "ab"
            log.info("resuming %s at %s (the server's file is unchanged)", url, _human(offset))
        else:
            if offset:
                log.info("the server sent the whole file (it changed since %s was started, or it cannot "
                         "resume); restarting from zero", part)
            offset, mode, total = 0, "wb", None
            _save_validators(part, url, response.headers)
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
                    raise _Transient(f"{error_reason(e)} after {received} bytes") from e
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


def http_error(url: str, code: int, reason: str) -> DownloadError:
    """The :class:`DownloadError` of an HTTP error status, with what to check."""
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


def error_reason(e: BaseException) -> str:
    """A network error's reason as text (``URLError.reason``, else the error)."""
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
