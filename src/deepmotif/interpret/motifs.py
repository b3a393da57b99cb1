"""Motif files and databases: MEME format, JASPAR via pyjaspar, Tomtom matching via memelite.

Typical use on the PWMs of :func:`~deepmotif.interpret.filters.filter_pwms` or
:func:`~deepmotif.interpret.optimize.optimize_class_input`::

    hits = match_jaspar(pwms, names, jaspar_motifs(), top_k=5)   # trims flanks, Tomtom, BH q-values
    write_meme("filters.meme", pwms, names)

memelite's Tomtom is compiled by numba on its first call (about 75 s of one core) and cached on disk,
in a folder per user that every environment with the same memelite shares
(:mod:`deepmotif.runtime.numba_cache`); :func:`compile_tomtom` does that once, before the jobs that
match motifs run in parallel, which then load it in about a second.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from deepmotif.data.io import atomic_path

logger = logging.getLogger(__name__)

ALPHABET = "ACGT"
MATCH_COLUMNS = ["query", "target_id", "target_name", "p_value", "e_value", "q_value", "offset",
                 "overlap", "orientation", "rank", "query_start", "query_end", "information"]
DECOY_COLUMNS = ["decoy_id", "decoy_p_value", "decoy_q_value"]


def base_id(matrix_id: str) -> str:
    """JASPAR matrix id without version: ``MA0139.2`` → ``MA0139``."""
    return str(matrix_id).split(".")[0]


def check_pwms(
    pwms: Sequence[np.ndarray] | np.ndarray, names: Sequence[str] | None = None
) -> list[np.ndarray]:
    """Return ``pwms`` as a list of float64 arrays of shape ``(4, k)`` after checking them (and ``names``)."""
    out = [np.asarray(pwm, dtype=np.float64) for pwm in pwms]
    for i, pwm in enumerate(out):
        if pwm.ndim != 2 or pwm.shape[0] != 4 or pwm.shape[1] < 1:
            raise ValueError(f"pwms[{i}] must have shape (4, width) with width >= 1, got {pwm.shape}")
        if not np.all(np.isfinite(pwm)) or np.any(pwm < 0):
            raise ValueError(f"pwms[{i}] must be finite and non-negative")
    if names is not None:
        if len(names) != len(out):
            raise ValueError(f"got {len(names)} names for {len(out)} pwms")
        bad = [name for name in names if not name or re.search(r"\s", name)]
        if bad:
            raise ValueError(f"motif names must be non-empty without whitespace, got {bad[0]!r}")
        if len(set(names)) != len(names):
            raise ValueError("motif names must be unique")
    return out


def information_content(pwm: np.ndarray) -> np.ndarray:
    """Information content in bits of each position of a probability matrix ``(4, k)`` → ``(k,)``."""
    p = np.asarray(pwm, dtype=np.float64)
    total = p.sum(axis=0, keepdims=True)
    p = np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.25)
    plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return 2.0 + plogp.sum(axis=0)


def trim_pwm(pwm: np.ndarray, min_information: float = 0.5) -> tuple[int, int]:
    """The span ``[start, end)`` of a PWM from its first to its last position with enough information.

    Parameters
    ----------
    pwm: numpy.ndarray, shape=(4, k)
        Probability matrix.
    min_information: float, optional
        Bits a position needs to be kept as a flank. Default 0.5.

    Returns
    -------
    start, end: int
        ``pwm[:, start:end]`` is the trimmed motif; ``start == end`` when no position qualifies.

    Examples
    --------
    >>> trim_pwm(np.array([[.25, 1, 0, .25], [.25, 0, 0, .25], [.25, 0, 1, .25], [.25, 0, 0, .25]]))
    (1, 3)
    """
    keep = np.flatnonzero(information_content(pwm) >= min_information)
    if len(keep) == 0:
        return 0, 0
    return int(keep[0]), int(keep[-1]) + 1


def write_meme(path: str | os.PathLike, pwms: Sequence[np.ndarray] | np.ndarray, names: Sequence[str]) -> None:
    """Write probability matrices in MEME minimal motif format with memelite (readable by the MEME suite).

    Parameters
    ----------
    path: str or os.PathLike
        Output file, written atomically.
    pwms: sequence of numpy.ndarray, shape=(4, k) each
        Probability matrices, rows A, C, G, T; each position is renormalized to sum to 1.
    names: sequence of str
        Unique motif identifiers without whitespace.
    """
    memelite_write_meme = _memelite_io().write_meme

    pwms = check_pwms(pwms, names)
    motifs = {}
    for name, pwm in zip(names, pwms):
        total = pwm.sum(axis=0, keepdims=True)
        motifs[name] = np.where(total > 0, pwm / np.where(total > 0, total, 1.0), 0.25)
    with atomic_path(path) as tmp:
        memelite_write_meme(str(tmp), motifs)


def read_meme(path: str | os.PathLike) -> tuple[list[np.ndarray], list[str]]:
    """The ``(4, k)`` probability matrices and names of a MEME file (memelite's reader).

    Returns
    -------
    pwms: list of numpy.ndarray, shape=(4, k) each
    names: list of str
        The first word of each ``MOTIF`` line.
    """
    memelite_read_meme = _memelite_io().read_meme

    try:
        motifs = memelite_read_meme(str(path))
    except FileNotFoundError:
        from deepmotif.errors import InputError

        raise InputError(f"{path}: MEME file not found") from None
    return [np.asarray(m, dtype=np.float64) for m in motifs.values()], [key.split()[0] for key in motifs]


class Motifs(NamedTuple):
    """Motifs of a database: ``ids[i]``, ``names[i]`` and probability matrix ``pwms[i]``, shape ``(4, k)``."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    pwms: tuple[np.ndarray, ...]


@functools.lru_cache(maxsize=None)
def jaspar_db(release: str | None = None):
    """pyjaspar's offline JASPAR database of ``release`` (None: pyjaspar's default), opened once per process.

    Raises
    ------
    ValueError
        pyjaspar ships no such release (pyjaspar itself only prints a message and goes on).
    """
    from pyjaspar import jaspardb

    if release is None:
        return jaspardb()
    releases = jaspar_db().get_releases()
    if release not in releases:
        raise ValueError(f"pyjaspar has no release {release!r}; it has {', '.join(releases)}")
    return jaspardb(release=release)


def counts_ppm(motif, pseudocount: float = 0.0) -> np.ndarray:
    """The probability matrix ``(4, k)`` (rows ACGT) of a pyjaspar motif's counts, ``pseudocount`` added."""
    counts = np.array([motif.counts[base] for base in ALPHABET], dtype=np.float64) + pseudocount
    return counts / counts.sum(axis=0, keepdims=True)


@functools.lru_cache(maxsize=8)
def jaspar_motifs(
    release: str = "JASPAR2024", collection: str = "CORE", tax_group: str | None = "vertebrates"
) -> Motifs:
    """The latest version of each JASPAR matrix of a collection, as probability matrices (cached).

    pyjaspar ships the JASPAR releases as SQLite files, so no network is needed.

    Parameters
    ----------
    release: str, optional
        JASPAR release known to pyjaspar (``JASPAR2014`` ... ``JASPAR2026``). Default "JASPAR2024".
    collection: str, optional
        JASPAR collection. Default "CORE".
    tax_group: str or None, optional
        Taxonomic group (``vertebrates``, ``plants``, ``insects``, ...); None for all. Default "vertebrates".

    Returns
    -------
    Motifs
        ``ids`` (e.g. ``MA0139.2``), ``names`` (e.g. ``CTCF``) and read-only ``(4, k)`` matrices.
    """
    cached, arrays = jaspar_selection(release, collection, tax_group)
    ids, names = tuple(arrays["ids"].tolist()), tuple(arrays["names"].tolist())
    starts = np.cumsum(arrays["widths"])[:-1]
    pwms = [np.ascontiguousarray(pwm) for pwm in np.split(arrays["pwms"], starts, axis=1)]
    for pwm in pwms:
        pwm.setflags(write=False)
    logger.info("loaded %d motifs from %s %s %s%s", len(pwms), release, collection, tax_group,
                " (cached)" if cached else "")
    return Motifs(ids, names, tuple(pwms))


JASPAR_ARRAYS = ("ids", "names", "pwms", "widths", "families", "classes")


def jaspar_selection(release: str, collection: str, tax_group: str | None) -> tuple[bool, dict[str, np.ndarray]]:
    """The matrices and metadata of a JASPAR selection, from the per-user cache or pyjaspar (then cached).

    pyjaspar runs ~9000 SQLite queries (~1 s) per call: the arrays :data:`JASPAR_ARRAYS` (``pwms``
    concatenated along positions, each matrix ``widths`` wide; ``families`` and ``classes`` JASPAR's
    ``tf_family`` and ``tf_class`` joined by ``;``) are cached per user, named by the release file's
    content, the pyjaspar version and the selection. An entry without every array is fetched again.

    Returns
    -------
    (bool, dict of str to numpy.ndarray)
        Whether the arrays came from the cache, and the arrays.
    """
    import hashlib

    import pyjaspar

    from deepmotif.runtime.user_cache import read_cached_arrays, write_cached_arrays

    db = jaspar_db(release)
    source = [row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"][0]
    key = hashlib.sha256(Path(source).read_bytes())
    key.update(repr((pyjaspar.__version__, collection, tax_group)).encode())
    entry = f"jaspar/{release}-{collection}-{tax_group or 'all'}-{key.hexdigest()[:16]}.npz"
    cached = read_cached_arrays(entry)
    if cached is not None and set(JASPAR_ARRAYS) <= set(cached):
        return True, cached
    motifs = db.fetch_motifs(collection=collection, tax_group=[tax_group] if tax_group else None)
    if not motifs:
        raise ValueError(f"no motifs in {release} collection {collection!r} tax_group {tax_group!r}")
    pwms = [counts_ppm(motif) for motif in motifs]
    arrays = {"ids": np.array([m.matrix_id for m in motifs]), "names": np.array([m.name for m in motifs]),
              "pwms": np.concatenate(pwms, axis=1), "widths": np.array([pwm.shape[1] for pwm in pwms]),
              "families": np.array([";".join(dict.fromkeys(m.tf_family or [])) for m in motifs]),
              "classes": np.array([";".join(dict.fromkeys(m.tf_class or [])) for m in motifs])}
    write_cached_arrays(entry, **arrays)
    return False, arrays


def _memelite_io():
    """memelite's MEME reader and writer (``memelite.io``) without memelite's ``__init__``, which imports
    its numba code (~0.4 s of CPU per process; reading and writing need only numpy)."""
    from deepmotif.runtime.lazy import import_submodule_alone

    return import_submodule_alone("memelite.io")


def _share_numba_cache() -> None:
    """Before memelite is imported: its numba code goes to the shared per-user cache."""
    from deepmotif.runtime.numba_cache import share_numba_cache

    share_numba_cache()


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values along the last axis of ``p_values``.

    The computation of ``scipy.stats.false_discovery_control(p, axis=-1, method="bh")`` (the p-values in
    ascending order times ``m / rank``, the running minimum from the largest down, at most 1), in numpy:
    importing ``scipy.stats`` costs ~0.8 s of CPU per process.

    Raises
    ------
    ValueError
        When a p-value is not a number in [0, 1].
    """
    p = np.asarray(p_values, dtype=np.float64)
    if not np.all((p >= 0) & (p <= 1)):  # NaN fails both
        raise ValueError("p-values must be numbers between 0 and 1")
    if p.ndim == 0 or p.shape[-1] <= 1:
        return p.copy()
    m = p.shape[-1]
    order = np.argsort(p, axis=-1)
    q = np.take_along_axis(p, order, axis=-1) * (m / np.arange(1, m + 1, dtype=np.float64))
    q = np.minimum.accumulate(q[..., ::-1], axis=-1)[..., ::-1]
    out = np.empty_like(q)
    np.put_along_axis(out, order, q, axis=-1)
    return np.clip(out, 0, 1)


def match_jaspar(
    pwms: Sequence[np.ndarray] | np.ndarray,
    names: Sequence[str],
    targets: Motifs | None = None,
    top_k: int = 5,
    min_information: float | None = 0.5,
    n_jobs: int = 1,
    decoys: Motifs | None = None,
) -> pd.DataFrame:
    """Compare query PWMs to a motif database with Tomtom (memelite) and keep the best hits per query.

    Each query is first trimmed to the span between its first and last position with at least
    ``min_information`` bits (:func:`trim_pwm`); queries with no such position are skipped (logged).
    p-values are Tomtom's (complete score, both strands of the targets); ``e_value`` is the p-value
    times the number of targets and ``q_value`` the Benjamini–Hochberg adjustment over all targets
    of the query.

    Parameters
    ----------
    pwms: sequence of numpy.ndarray, shape=(4, k) each
        Query probability matrices, rows A, C, G, T.
    names: sequence of str
        Query names.
    targets: Motifs or None, optional
        Database to search; None loads :func:`jaspar_motifs` with its defaults. Default None.
    top_k: int, optional
        Hits kept per query, ranked by p-value. Default 5.
    min_information: float or None, optional
        Trimming threshold in bits; None disables trimming. Default 0.5.
    n_jobs: int, optional
        Threads of memelite's Tomtom (-1 for all). Default 1.
    decoys: Motifs or None, optional
        Null matrices (:func:`deepmotif.interpret.known_motifs.decoy_motifs`), matched separately (so the
        real hits' q-values do not change); each row then also gets its query's best decoy
        ``decoy_id decoy_p_value decoy_q_value`` (BH over the decoys). Default None.

    Returns
    -------
    pandas.DataFrame
        One row per hit, columns ``query target_id target_name p_value e_value q_value offset
        overlap orientation rank query_start query_end information`` (``information``: bits of the
        trimmed query), and with ``decoys`` the decoy columns. ``orientation`` is ``+`` or ``-`` (hit to
        the target's reverse complement); ``offset`` and ``overlap`` are Tomtom's alignment offset
        and overlapping width (memelite's conventions); ``rank`` starts at 1; the query was matched
        as ``pwm[:, query_start:query_end]``.
    """
    ensure_compiled()
    from memelite import tomtom

    pwms = check_pwms(pwms, names)
    targets = jaspar_motifs() if targets is None else targets
    spans = [trim_pwm(pwm, min_information) if min_information is not None else (0, pwm.shape[1])
             for pwm in pwms]
    kept = [i for i, (start, end) in enumerate(spans) if end > start]
    if len(kept) < len(pwms):
        logger.info("skipped %d of %d queries without a position of >= %s bits",
                    len(pwms) - len(kept), len(pwms), min_information)
    columns = MATCH_COLUMNS + (DECOY_COLUMNS if decoys is not None else [])
    if not kept:
        return pd.DataFrame(columns=columns)
    queries = [pwms[i][:, spans[i][0]:spans[i][1]] for i in kept]
    p, _, offsets, overlaps, strands = tomtom(queries, [np.asarray(t) for t in targets.pwms], n_jobs=n_jobs)
    q = benjamini_hochberg(p)
    decoy = []
    if decoys is not None:
        p_decoy = tomtom(queries, [np.asarray(t) for t in decoys.pwms], n_jobs=n_jobs)[0]
        q_decoy, best = benjamini_hochberg(p_decoy), np.argmin(p_decoy, axis=1)
        decoy = [(decoys.ids[b], p_decoy[row, b], q_decoy[row, b]) for row, b in enumerate(best)]
    rows = []
    for row, i in enumerate(kept):
        bits = float(information_content(queries[row]).sum())
        for rank, t in enumerate(np.argsort(p[row], kind="stable")[:top_k], start=1):
            rows.append((names[i], targets.ids[t], targets.names[t], p[row, t], p[row, t] * len(targets.ids),
                         q[row, t], int(offsets[row, t]), int(overlaps[row, t]),
                         "-" if strands[row, t] else "+", rank, spans[i][0], spans[i][1], bits,
                         *(decoy[row] if decoy else ())))
    return pd.DataFrame(rows, columns=columns)


def ensure_compiled() -> bool:
    """Fill numba's cache for this CPU type once (Tomtom and modisco-lite's kernels), before any is used.

    The first process of a CPU type compiles under the cache folder's lock; later ones, on any node of
    that CPU type, load (:func:`~deepmotif.runtime.numba_cache.compile_once`). True if this one compiled.
    """
    _share_numba_cache()
    from deepmotif.interpret.modisco import compile_modisco
    from deepmotif.runtime.numba_cache import compile_once

    return compile_once(lambda: (compile_tomtom(), compile_modisco()))


def compile_tomtom() -> None:
    """Compile memelite's Tomtom (numba) into its on-disk cache by matching two tiny random motifs.

    numba writes the machine code into the shared per-user cache
    (:func:`~deepmotif.runtime.numba_cache.share_numba_cache`); later processes load it in about a
    second instead of compiling for ~75 s each. Run once before parallel jobs that match motifs, so that
    they do not all compile at the same time. Every call of :func:`match_jaspar` runs the same compiled
    code: numba compiles ``_tomtom`` with everything it can call, whatever the input.
    """
    _share_numba_cache()
    from memelite import tomtom

    rng = np.random.default_rng(0)
    tomtom([rng.dirichlet(np.ones(4), size=6).T], [rng.dirichlet(np.ones(4), size=8).T for _ in range(30)])
