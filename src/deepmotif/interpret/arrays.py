"""The ``.npz`` files of the interpretation (``saliency.npz``, ``ism.npz``, ...): written atomically, read without pickle."""

from __future__ import annotations

import os

import numpy as np

from deepmotif.errors import InputError


def save_arrays(path: str | os.PathLike, **arrays) -> None:
    """Write arrays to a compressed ``.npz`` atomically (text as unicode arrays, no pickles)."""
    from deepmotif.data.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **{k: _plain(v) for k, v in arrays.items()})


def _plain(values) -> np.ndarray:
    """``values`` as an array that loads without pickle (object arrays of text become unicode)."""
    array = np.asarray(values)
    return array.astype(str) if array.dtype == object else array


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` written by :func:`save_arrays`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise InputError(f"{path}: not found; run the rule that writes it first") from None
