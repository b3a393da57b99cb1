"""One-hot encoding of DNA sequences (A, C, G, T; ``N`` encodes as an all-zero column)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ALPHABET = "ACGT"
_LOOKUP = np.full(256, -1, dtype=np.int8)
for _i, _base in enumerate(ALPHABET):
    _LOOKUP[ord(_base)] = _i
    _LOOKUP[ord(_base.lower())] = _i


def one_hot(seqs: Sequence[str], length: int | None = None) -> np.ndarray:
    """One-hot encode equal-length DNA sequences.

    Parameters
    ----------
    seqs: sequence of str
        DNA sequences over ``ACGTN`` (any case). ``N`` becomes an all-zero column.
    length: int or None, optional
        Expected length; all sequences must have it. Default: the length of the first sequence.

    Returns
    -------
    X: numpy.ndarray, shape=(n, 4, length), dtype=float32
        Rows are A, C, G, T.

    Examples
    --------
    >>> one_hot(["ACGTN"])[0].argmax(axis=0).tolist()
    [0, 1, 2, 3, 0]
    """
    if len(seqs) == 0:
        return np.zeros((0, 4, length or 0), dtype=np.float32)
    length = len(seqs[0]) if length is None else length
    bad = [i for i, s in enumerate(seqs) if len(s) != length]
    if bad:
        raise ValueError(
            f"sequence {bad[0]} has length {len(seqs[bad[0]])}, expected {length} "
            f"({len(bad)} sequences of the wrong length)"
        )
    codes = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    idx = _LOOKUP[codes].reshape(len(seqs), length)
    X = np.zeros((len(seqs), length, 4), dtype=np.float32)
    rows, cols = np.nonzero(idx >= 0)
    X[rows, cols, idx[rows, cols]] = 1.0
    return X.transpose(0, 2, 1).copy()


def decode(X: np.ndarray) -> list[str]:
    """Turn one-hot (or probability) matrices back into strings by arg-max; all-zero columns → ``N``.

    Parameters
    ----------
    X: numpy.ndarray, shape=(n, 4, length)

    Returns
    -------
    list of str
    """
    X = np.asarray(X)
    letters = np.array(list(ALPHABET + "N"))
    idx = X.argmax(axis=1)
    idx[X.max(axis=1) <= 0] = 4
    return ["".join(row) for row in letters[idx]]

