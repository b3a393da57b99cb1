"""Single decisions of the plan, as plain functions: per-TF seeds, download names, name checks."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from deepmotif.errors import InputError
from deepmotif.plan.sheet import tf_name_problem

PEAK_SOURCES = ("simulated", "encode")
IMPORT_FORMATS = {"deepbind": "deepbind", "demo": "demo"}  # source → import-sequences --format (else auto)


def tf_seed(tf: str, seed: int = 0) -> int:
    """A seed per TF that does not change when sheet rows are added or reordered.

    Parameters
    ----------
    tf: str
        TF name.
    seed: int, optional
        The config's ``simulation.seed``. Default 0.

    Returns
    -------
    int
        ``seed + crc32(tf) % 100000``, modulo 2**32 (the range numpy and Lightning accept).
    """
    return (seed + zlib.crc32(tf.encode()) % 100_000) % 2**32


def download_name(url: str) -> str:
    """File name a URL is saved under: the last path step, percent-decoded, unsafe characters as ``_``.

    >>> download_name("https://host/a/b%20c.fa.gz?x=1")
    'b_c.fa.gz'
    """
    return re.sub(r"[^A-Za-z0-9_.()+-]", "_", Path(unquote(urlsplit(url).path)).name) or "download"


def alternatives(names: Iterable[str]) -> str:
    """A regular expression matching exactly the given names (none: matches nothing).

    The names share their prefixes (a trie: ``TF1|TF2`` is ``TF[12]``-like), so matching costs the
    length of a name, not the number of names. The pattern itself still grows with the names, and
    Snakemake scans a rule's constraints for each of its jobs: for the sheet's TFs as a whole the
    workflow uses :meth:`deepmotif.plan.Plan.tf_constraint`, of constant length.
    """
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie) if trie else "(?!)"


def _trie_pattern(node: dict) -> str:
    """The regular expression of a trie node of :func:`alternatives` (``""`` marks a name's end)."""
    branches = [re.escape(char) + _trie_pattern(child) for char, child in node.items() if char]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    group = f"(?:{'|'.join(branches)})"
    return f"{group}?" if "" in node else group


def pairs(names: Iterable[str], paths: Iterable[str]) -> list[str]:
    """``name=path`` arguments (an architecture or TF and its file), in the order of ``names``."""
    return [f"{name}={path}" for name, path in zip(names, paths)]


def check_dataset_names(names: Iterable[str], sheet_tfs: Iterable[str], pattern: str, sheet: str) -> None:
    """Raise :class:`InputError` for an archive dataset name that cannot be a TF.

    Parameters
    ----------
    names: iterable of str
        Dataset names of the archive (its folders).
    sheet_tfs: iterable of str
        TFs of the sheet (names must differ).
    pattern: str
        The sheet schema's TF name pattern (without anchors).
    sheet: str
        The sheet's path, for messages.
    """
    sheet_tfs = set(sheet_tfs)
    for name in names:
        if not re.fullmatch(pattern, name):
            raise InputError(f"archive dataset {name!r}: a TF name may only contain letters, digits and "
                             "_ . ( ) + -; rename the folder")
        problem = tf_name_problem(name)
        if problem:
            raise InputError(f"archive dataset {problem.replace('the TF', 'the folder')}")
        if name in sheet_tfs:
            raise InputError(f"archive dataset {name!r} is also a row of {sheet}; rename one of them")
