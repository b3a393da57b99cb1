"""The per-user cache folder of derived data that every run and environment can reuse.

``$DEEPMOTIF_CACHE_DIR``, by default ``${XDG_CACHE_HOME:-~/.cache}/deepmotif``; ``DEEPMOTIF_CACHE_DIR=off``
switches it off. It holds numba's machine code of memelite and modisco-lite
(:mod:`deepmotif.runtime.numba_cache`) and the JASPAR matrices read from pyjaspar
(:func:`deepmotif.interpret.motifs.jaspar_motifs`). Entries are named by a hash of everything they are
derived from, written to a temporary file and renamed (concurrent writers of one entry write the same
content), and a missing or unreadable entry is recomputed: deleting the folder is always safe.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def cache_root() -> Path | None:
    """``$DEEPMOTIF_CACHE_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/deepmotif``; None if set to ``off``."""
    explicit = os.environ.get("DEEPMOTIF_CACHE_DIR", "")
    if explicit.lower() in ("off", "none", "0"):
        return None
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "deepmotif"
    try:
        return Path.home() / ".cache" / "deepmotif"
    except (RuntimeError, KeyError):  # no home directory (HOME unset, no passwd entry)
        return None


def read_cached_arrays(name: str) -> dict[str, np.ndarray] | None:
    """The arrays of the cache entry ``name`` (a relative ``.npz`` path), or None if there is none."""
    root = cache_root()
    if root is None:
        return None
    try:
        with np.load(root / name, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # missing, or cut short (a full disk)
        return None


def write_cached_arrays(name: str, **arrays: np.ndarray) -> None:
    """Store ``arrays`` as the cache entry ``name``; a cache that cannot be written is skipped (logged)."""
    root = cache_root()
    if root is None:
        return
    path = root / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as err:
        log.info("not caching %s (%s)", path, err)
