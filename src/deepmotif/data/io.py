"""Small file helpers shared by all stages: atomic writes, text decoding, digests, leftovers.

- :func:`atomic_path` / :func:`atomic_dir`: write a file or a folder under a hidden temporary name
  (``.<name>.<host>-<pid>.<random>.part``) beside the destination and rename it onto the destination
  only when the block succeeds; an exception, ``SIGTERM`` (see :mod:`deepmotif.cli`) or ``Ctrl-C``
  removes it. A symlinked destination is written through (its target is replaced, the link stays);
  a special file (``/dev/stdout``, a named pipe, ``/dev/null``) is written into directly; ``-`` is
  standard output, which gets the file once the block succeeded.
- :func:`remove_leftovers`: remove the temporary files a killed (``SIGKILL``) earlier attempt left:
  only those of processes that are gone, so two runs writing one output do not break each other.
- :func:`check_paths`: refuse, before anything is read, an output that is one of the inputs (symlinks
  and hard links followed) or two outputs on one path.
- :func:`decode_text` / :func:`open_text`: UTF-8 text with or without a byte-order mark; any other
  encoding is an :class:`~deepmotif.errors.InputError` naming the file and line.
- :func:`file_digest`: md5/sha256 of a file, read in chunks; :func:`gzip_ok`: a complete gzip file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import logging
import os
import re
import shutil
import signal
import socket
import stat
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from deepmotif.errors import InputError, where

log = logging.getLogger(__name__)

CHUNK = 1 << 20
BOM = "\ufeff"
GZIP_MAGIC = b"\x1f\x8b"


STDOUT = "-"
# this machine in temporary names: on a shared file system, a pid is only meaningful on its own host
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "localhost"


def _leftover_prefix(path: Path) -> str:
    return f".{path.name}."


def temporary_prefix(path: str | os.PathLike, pid: int | None = None) -> str:
    """``.<name>.<host>-<pid>.``: the start of the temporary names of a writer of ``path``.

    :func:`remove_leftovers` removes a temporary only when the process named in it is gone.
    """
    return f"{_leftover_prefix(Path(path))}{HOST}-{os.getpid() if pid is None else pid}."


def process_alive(pid: int) -> bool:
    """True if process ``pid`` exists on this machine (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def remove_leftovers(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders of ``path`` that an interrupted earlier writer left.

    :func:`atomic_path` and :func:`atomic_dir` write ``.<name>.<host>-<pid>.<random>.part`` beside
    ``path``; a ``SIGKILL`` (Slurm after its grace period, the out-of-memory killer) leaves them behind.
    A temporary is removed when its process is gone from this host; one of a running process (a second
    run writing the same output) or of another host is left alone. Names without host and pid
    (``.<name>.<random>.part``, written by earlier versions) are removed.

    Returns
    -------
    list of pathlib.Path
        The removed paths.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed = []
    # mkstemp/mkdtemp names: prefix + 8 characters of [a-z0-9_] + suffix; the strict pattern keeps
    # the temporaries of "a.tsv.gz" (".a.tsv.gz.<host>-<pid>.<random>.part") safe from a writer of "a.tsv"
    own = re.compile(re.escape(_leftover_prefix(path)) + r"(?:(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)\.)?"
                     r"[a-z0-9_]{8}\.part")
    for stale in sorted(path.parent.glob(f"{glob_escape(_leftover_prefix(path))}*.part")):
        match = own.fullmatch(stale.name)
        if not match:
            continue
        if match["pid"] is not None and (match["host"] != HOST or process_alive(int(match["pid"]))):
            continue  # another run's, still writing (or on another machine: cannot tell)
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    if removed:
        log.info("removed %d leftovers of an interrupted earlier run: %s", len(removed),
                 ", ".join(p.name for p in removed))
    return removed


def _is_special(path: Path) -> bool:
    """True if ``path`` exists (symlinks followed) and is neither a regular file nor a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _destination(path: str | os.PathLike) -> Path:
    """The file that writing ``path`` replaces: the target of a symlink (chains followed), else ``path``."""
    return Path(os.path.realpath(path))


def _identity(path: str | os.PathLike) -> tuple:
    """What ``path`` names: ``(device, inode)`` of an existing file (hard links alike), else its real path."""
    try:
        st = os.stat(path)
    except OSError:
        return ("path", str(_destination(path)))
    return ("inode", st.st_dev, st.st_ino)


def check_paths(inputs: Iterable[str | os.PathLike | None], outputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse outputs that would overwrite an input or each other; call it before reading anything.

    Symlinks and hard links are followed; ``None`` (an optional path not given) is skipped; special
    files (``/dev/null``, a named pipe) may be named several times; ``-`` (stdout) only once.

    Raises
    ------
    InputError
        An output is one of the inputs, or two outputs are the same file.
    """
    seen: dict[tuple, str | os.PathLike] = {}
    for out in outputs:
        if out is None or str(out) == "":
            continue
        if str(out) == STDOUT:
            key: tuple = ("stdout",)
        elif _is_special(Path(out)):
            continue
        else:
            key = _identity(out)
        if key in seen:
            what = "standard output (-)" if key == ("stdout",) else f"{out} (and {seen[key]})"
            raise InputError(f"{what}: one file given as two outputs of one command, it would be written twice; "
                             "give each output its own path")
        seen[key] = out
    for source in inputs:
        if source is None or str(source) in ("", STDOUT) or _is_special(Path(source)):
            continue
        out = seen.get(_identity(source))
        if out is not None:
            raise InputError(f"output {out} is the input {source}: writing it would destroy the input before it is "
                             "read; write the output to another path")


def glob_escape(text: str) -> str:
    """Escape ``*?[`` so that ``text`` matches itself in :meth:`pathlib.Path.glob`."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds.

    A failure (exception, ``SIGTERM``, ``Ctrl-C``) never leaves a file at ``path`` that looks
    finished, and removes the temporary file; leftovers of an earlier ``SIGKILL`` are removed first.

    Examples
    --------
    >>> with atomic_path("out.tsv") as tmp:       # doctest: +SKIP
    ...     table.to_csv(tmp, sep="\\t")
    """
    if str(path) == STDOUT:
        with _to_stdout() as tmp_path:
            yield tmp_path
        return
    if _is_special(Path(path)):  # /dev/stdout, a named pipe, /dev/null: write into it, never replace it
        yield Path(path)
        return
    path = _destination(path)  # through a symlink: its target is replaced, the link stays
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    tmp_path: Path | None = None
    try:
        with _signals_deferred():  # SIGTERM right after creating the file must find it in tmp_path
            fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=".part", dir=path.parent)
            tmp_path = Path(tmp)
            os.close(fd)
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        with _signals_deferred():  # a second SIGTERM must not cut the clean-up short
            _remove_temporary(tmp_path)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; it replaces ``path`` only if the block succeeds.

    Parameters
    ----------
    path: path
        The folder to create.
    overwrite: bool, optional
        Replace an existing ``path`` at the end (default). With False, an existing non-empty
        ``path`` raises :class:`InputError` before anything is written.
    """
    if str(path) == STDOUT:
        raise InputError("-: a folder cannot be written to standard output; give a folder path")
    path = _destination(path)  # through a symlink: its target is replaced, the link stays
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a directory; remove it or write elsewhere")
    if not overwrite and path.is_dir() and any(path.iterdir()):
        raise InputError(f"{path}: exists and is not empty; remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    tmp: Path | None = None
    try:
        with _signals_deferred():
            tmp = Path(tempfile.mkdtemp(prefix=temporary_prefix(path), suffix=".part", dir=path.parent))
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        with _signals_deferred():
            if tmp is not None and tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _to_stdout() -> Iterator[Path]:
    """A temporary file (in ``$TMPDIR``) copied to standard output once the block succeeded.

    Nothing reaches stdout when the block fails, as nothing reaches a file; ``>>`` redirections are
    appended to, not truncated (as opening ``/dev/stdout`` would).
    """
    with tempfile.TemporaryDirectory(prefix="deepmotif-stdout.") as folder:
        tmp = Path(folder) / "output"
        tmp.touch()
        yield tmp
        sys.stdout.flush()
        with open(tmp, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def _remove_temporary(tmp: Path | None) -> None:
    """Remove what the block left at the temporary path (a file, a symlink or a folder), if anything."""
    if tmp is None:
        return
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp.exists() or tmp.is_symlink():
        tmp.unlink()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold back the Python handlers of ``SIGTERM`` and ``SIGINT`` during the block; they run right after it.

    Where the process turns ``SIGTERM`` into an exception (``deepmotif`` commands do), an exception
    raised between creating a temporary file and entering the ``try`` that removes it would leak the
    file. Blocking the signals (``pthread_sigmask``) is not enough: the mask is per thread, and a
    process with other threads (numpy's OpenBLAS pool, a tqdm monitor) gets a ``kill`` on one of
    those, while Python runs the handler in the main thread at its next bytecode, inside the block.
    So the handlers themselves are swapped for one that only records the signal, and the recorded
    signals are raised again once the real handlers are back. Outside the main thread (where Python
    runs no signal handlers) nothing is held back; ``SIG_DFL`` and ``SIG_IGN`` are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    holding = [True]
    swapped: list[tuple[int, object]] = []

    def hold(signum: int, frame) -> None:
        if holding[0]:
            received.append(signum)
        else:  # run between the end of the block and the return of the real handler
            dict(swapped)[signum](signum, frame)

    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(sig)
            if callable(handler):
                swapped.append((sig, handler))
                signal.signal(sig, hold)
        yield
    finally:
        holding[0] = False
        _restore_handlers(swapped)
        for sig in received:
            signal.raise_signal(sig)  # to the real handler, at once (in this thread)


def _restore_handlers(handlers: list[tuple[int, object]]) -> None:
    """Put the signal handlers back, each even if a handler run in between raised."""
    if not handlers:
        return
    (sig, handler), *rest = handlers
    try:
        signal.signal(sig, handler)
    finally:
        _restore_handlers(rest)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def decode_text(data: bytes, path: str | os.PathLike) -> str:
    """Decode UTF-8 ``data`` read from ``path``, dropping a leading byte-order mark.

    Spreadsheet programs save "UTF-8 with BOM"; the mark is not part of the first column's name.

    Raises
    ------
    InputError
        The bytes are not UTF-8 (Latin-1, UTF-16, a binary file): names the file, the line and the
        offending byte.
    """
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise InputError(f"{where(path, 1)}: the file is UTF-16 text; save it as UTF-8 (in a spreadsheet "
                         "program: 'CSV UTF-8' or 'Unicode text' -> re-save as UTF-8)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise _not_utf8(path, line, data[e.start], column) from None
    return text.removeprefix(BOM)


def _not_utf8(path: str | os.PathLike, line: int, byte: int, column: int) -> InputError:
    return InputError(
        f"{where(path, line)}: not UTF-8 text (byte {byte:#04x} at column {column}); save the "
        f"file as UTF-8 (e.g. iconv -f latin1 -t utf-8 {Path(path).name}), or check that it is a text file")


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """Stream ``(line number, text)`` of a UTF-8 text file, gzip or plain, without the line ends.

    For files too large to read at once (users' FASTA, TSV and BED inputs to ``predict``); a leading
    byte-order mark is dropped, ``\r\n`` ends are accepted.

    Raises
    ------
    InputError
        A line that is not UTF-8, naming the file, the line, the byte and its column.
    """
    path = Path(path)
    try:
        handle = gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    with handle:
        for n, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _not_utf8(path, n, raw[e.start], e.start + 1) from None
            if n == 1:
                text = text.removeprefix(BOM)
            yield n, text.rstrip("\r\n")


def read_text(path: str | os.PathLike) -> str:
    """The text of a UTF-8 file (with or without byte-order mark); see :func:`decode_text`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    return decode_text(data, path)


def open_text(path: str | os.PathLike) -> io.StringIO:
    """Open a UTF-8 text file (with or without byte-order mark) for reading, for small tables.

    Universal newlines as :func:`open` (``\\r\\n`` and ``\\r`` become ``\\n``); pass it to
    :func:`csv.reader` or :func:`pandas.read_csv`.

    Examples
    --------
    >>> with open_text("config/tfs.tsv") as f:          # doctest: +SKIP
    ...     rows = list(csv.reader(f, delimiter="\\t", quoting=csv.QUOTE_NONE))
    """
    return io.StringIO(read_text(path), newline=None)


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest (``md5``, ``sha256``, ...) of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_gzip(path: str | os.PathLike) -> bool:
    """True if ``path`` starts with the gzip magic bytes (compression is told by content, not name)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def gzip_ok(path: str | os.PathLike) -> bool:
    """True if ``path`` is a complete gzip file (magic bytes, every member decompresses, CRCs match)."""
    try:
        if not is_gzip(path):
            return False
        with gzip.open(path, "rb") as f:
            while f.read(CHUNK):
                pass
        return True
    except (OSError, EOFError, zlib.error):
        return False
