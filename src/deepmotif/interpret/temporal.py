"""Temporal output scores: the prediction on every prefix and suffix of a sequence (DeMo Dashboard, 3.2).

``forward[:, i]`` is the probability of binding given bases ``0..i`` only, so the position where it
jumps is where the model first sees the evidence reading left to right; ``backward[:, i]`` reads from
the right end down to ``i``.
"""

from __future__ import annotations

import torch
from torch import nn

from deepmotif.interpret.saliency import check_onehot
from deepmotif.models.inference import eval_mode, predict_logits


def temporal_scores(
    model: nn.Module, X: torch.Tensor, batch_size: int = 1024
) -> tuple[torch.Tensor, torch.Tensor]:
    """Probability of binding on each prefix and each suffix of every sequence.

    The true prefixes and suffixes are run (no padding, which would change e.g. an LSTM's mean
    over time), grouped by length: one batched forward pass per length, across all sequences.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` of any length >= 1 to logits of shape ``(n,)``; evaluated in eval mode.
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T.
    batch_size: int, optional
        Sequences per forward pass; the result does not depend on it. Default 1024.

    Returns
    -------
    forward: torch.Tensor, shape=(n, length)
        ``forward[:, i]`` = P(positive | ``X[:, :, :i + 1]``); the last column is the full prediction.
    backward: torch.Tensor, shape=(n, length)
        ``backward[:, i]`` = P(positive | ``X[:, :, i:]``); the first column is the full prediction.
    """
    X = check_onehot(X)
    length = X.shape[-1]
    forward = torch.empty(len(X), length)
    backward = torch.empty(len(X), length)
    with eval_mode(model):
        for i in range(length):
            forward[:, i] = torch.sigmoid(predict_logits(model, X[:, :, :i + 1], batch_size))
            backward[:, i] = torch.sigmoid(predict_logits(model, X[:, :, i:], batch_size))
    return forward, backward
