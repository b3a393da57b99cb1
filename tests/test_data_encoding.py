"""One-hot encoding (deepmotif.data.encoding)."""

from __future__ import annotations

import pytest

from deepmotif.data.encoding import decode, one_hot


def test_one_hot_rows_are_acgt_and_n_is_zero():
    X = one_hot(["ACGTN", "ttgca"])
    assert X.shape == (2, 4, 5)
    assert X[0, :, :4].argmax(axis=0).tolist() == [0, 1, 2, 3]
    assert X[0, :, 4].sum() == 0
    assert decode(X) == ["ACGTN", "TTGCA"]


def test_one_hot_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="sequence 1 has length 3, expected 4"):
        one_hot(["ACGT", "ACG"])
