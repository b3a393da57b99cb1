"""One numba disk cache per user for memelite's Tomtom and modisco-lite's kernels, shared by every environment.

numba compiles memelite's Tomtom and modisco-lite's kernels on first use (~75 s and ~20 s of one core)
and caches the machine code on disk. By default it caches beside the package's sources
(``site-packages/memelite/__pycache__``), so every new virtual environment (a new clone after
``setup.sh``, a Snakemake conda environment) compiles again; ``NUMBA_CACHE_DIR`` does not help, as numba
files the cache there under a hash of the source folder's absolute path. :func:`share_numba_cache`
puts it in the per-user cache folder instead (:func:`~deepmotif.runtime.user_cache.cache_root`:
``$DEEPMOTIF_CACHE_DIR``, default ``${XDG_CACHE_HOME:-~/.cache}/deepmotif``), in folders named by what
the machine code depends on::

    numba/py3.11-numba0.68.1/<cpu name>-<hash of numba's CPU key>/memelite.tomtom-<hash of tomtom.py>/

so that environments with the same sources share it, and a different memelite, modisco-lite, numba or
Python, or a different CPU, gets a folder of its own instead of loading stale code. numba still checks
each entry itself (its version, the source file's content, the CPU, the signature).

Concurrent use: numba writes every cache file to a temporary file and renames it, so readers see whole
files, and processes that compile the same function for the same arguments write equivalent files. Two
processes compiling *different* signatures of one function at the same moment could give an index entry
the other's code file (numba numbers the files by what the index held when each process read it); the
folders per CPU and per source keep Slurm nodes of different CPUs and different package versions apart.
Every compile goes through :func:`compile_once`: the first process of a CPU type (``deepmotif
compile-tomtom``, or the first interpretation job on a node of another CPU type of a cluster) compiles
everything under :func:`compile_lock` of that CPU's folder and leaves a marker; processes of the same
CPU type that come at the same time wait for the lock, then load.

``NUMBA_CACHE_DIR`` or ``NUMBA_CACHE_LOCATOR_CLASSES`` set by the user, or ``DEEPMOTIF_CACHE_DIR=off``,
leave numba's own choice alone; so does a cache folder that cannot be written (numba then falls back to
its usual places).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import numba
from numba.core import caching, config

from deepmotif.runtime.user_cache import cache_root

log = logging.getLogger(__name__)

SHARED_PACKAGES = ("memelite", "modiscolite")


@functools.cache
def machine_dir() -> Path | None:
    """``<cache root>/numba/py<X.Y>-numba<version>/<cpu>-<hash>``: one folder per Python, numba and CPU.

    The CPU part is numba's own key of an entry (target triple, CPU name and features: its
    ``codegen().magic_tuple()``, which honours ``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES``).
    """
    from numba.core.registry import cpu_target

    root = cache_root()
    if root is None:
        return None
    magic = cpu_target.target_context.codegen().magic_tuple()
    cpu = hashlib.sha256(repr(magic).encode()).hexdigest()[:12]
    python = f"py{sys.version_info.major}.{sys.version_info.minor}-numba{numba.__version__}"
    return root / "numba" / python / f"{magic[1]}-{cpu}"


@functools.cache
def _source_hash(py_file: str) -> str:
    return hashlib.sha256(Path(py_file).read_bytes()).hexdigest()[:16]


class SharedPackageLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """numba cache locator: functions of :data:`SHARED_PACKAGES` go to :func:`machine_dir`, by module and source.

    Functions of other files are left to numba's own locators (``from_function`` returns None).
    """

    def __init__(self, py_func, py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        path = Path(py_file)
        self._cache_path = str(machine_dir() / f"{path.parent.name}.{path.stem}-{_source_hash(py_file)}")

    def get_cache_path(self) -> str:
        return self._cache_path

    @classmethod
    def from_function(cls, py_func, py_file: str):
        path = Path(py_file)
        if path.parent.name not in SHARED_PACKAGES or not path.is_file() or machine_dir() is None:
            return None
        locator = cls(py_func, py_file)
        try:
            locator.ensure_cache_path()
        except OSError:  # not writable: numba's next locator (beside the sources, then ~/.cache/numba)
            return None
        return locator


@functools.cache
def share_numba_cache() -> bool:
    """Cache memelite's and modisco-lite's numba code in the per-user folder (:func:`machine_dir`).

    Call before memelite or modisco-lite is imported: numba picks a function's cache folder when the
    function is decorated (``cache=True``, at import) or its caching is turned on. Sets numba's
    ``config.CACHE_LOCATOR_CLASSES`` in this process only (no environment variable, so that child
    processes without deepmotif are not affected). Idempotent.

    Returns
    -------
    bool
        False when the user chose numba's cache folder (``NUMBA_CACHE_DIR``,
        ``NUMBA_CACHE_LOCATOR_CLASSES``) or switched the shared cache off (``DEEPMOTIF_CACHE_DIR=off``).
    """
    if os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("NUMBA_CACHE_LOCATOR_CLASSES") or cache_root() is None:
        return False
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    if impl is None or not hasattr(config, "CACHE_LOCATOR_CLASSES"):  # a numba without the setting
        return False
    defaults = [locator.__name__ for locator in impl._locator_classes]
    config.CACHE_LOCATOR_CLASSES = ",".join([f"{__name__}.{SharedPackageLocator.__name__}", *defaults])
    return True


@contextlib.contextmanager
def compile_lock() -> Iterator[None]:
    """Hold an exclusive lock on this machine's cache folder (``compile.lock``) for the block.

    Two runs that compile at the same time (two results folders, a test run) then compile once: the
    second waits and loads. Without a shared cache, or where the file system cannot lock, no lock.
    """
    import fcntl

    folder = machine_dir() if share_numba_cache() else None
    if folder is None:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "compile.lock", "a")
    except OSError as err:
        log.warning("no lock on numba's cache folder %s (%s)", folder, err)
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as err:
            log.warning("cannot lock %s (%s); compiling without the lock", handle.name, err)
        yield


def compiled_marker() -> Path | None:
    """``<machine_dir>/compiled-<packages and versions>``: written once this CPU's folder holds everything
    of :data:`SHARED_PACKAGES`; None without a shared cache."""
    folder = machine_dir() if share_numba_cache() else None
    if folder is None:
        return None
    versions = []
    for package in ("memelite", "modisco-lite"):
        try:
            versions.append(f"{package}{metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}-none")
    return folder / f"compiled-{'-'.join(versions)}"


def compile_once(compile_all: Callable[[], object]) -> bool:
    """Run ``compile_all`` (fill this CPU's cache folder) unless a process of this CPU type already did.

    Under :func:`compile_lock` of the folder: processes of one CPU type arriving together compile once, the
    others wait and then load; nodes of another CPU type have a folder, a lock and a marker of their own.
    Without a shared cache (numba's own folders) nothing runs: numba compiles on first use, as always.

    Returns
    -------
    bool
        True if this process ran ``compile_all``.
    """
    marker = compiled_marker()
    if marker is None or marker.exists():
        return False
    with compile_lock():
        if marker.exists():  # compiled while this process waited for the lock
            return False
        compile_all()
        try:
            marker.write_text(f"compiled by pid {os.getpid()} on {os.uname().nodename}\n")
        except OSError as err:
            log.warning("cannot mark numba's cache folder %s as compiled (%s)", marker.parent, err)
    return True
