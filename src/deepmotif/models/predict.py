"""Predictions of a trained network: logits and probabilities of binding, in eval mode, in batches.

Minimal version written for ``deepmotif predict`` / ``score-variants`` with the signatures of the
shared module (``predict_logits(model, X, batch_size=..., device=None)``, ``predict_proba``,
``load_network``); the merge keeps one implementation.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Logits of ``model`` for each sequence, in eval mode, ``batch_size`` sequences per forward pass.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` of shape ``(n, 4, length)`` to logits ``(n,)``.
    X: numpy.ndarray or torch.Tensor, shape=(n, 4, length)
        One-hot sequences (kept where they are; each batch is moved to ``device``).
    batch_size: int, optional
        Default 1024.
    device: str, torch.device or None, optional
        Where to run; None runs where the model's parameters are. Default None.

    Returns
    -------
    y_hat: torch.Tensor, shape=(n,), dtype=float32, on the CPU
    """
    device = torch.device(device) if device is not None else model_device(model)
    was_training = model.training
    model.eval()
    X = torch.as_tensor(X, dtype=torch.float32)
    try:
        out = [model(X[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0)


def predict_proba(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Probability of binding (sigmoid of :func:`predict_logits`), shape ``(n,)``."""
    return torch.sigmoid(predict_logits(model, X, batch_size, device))


def load_network(path: str | os.PathLike) -> nn.Module:
    """The network of a ``deepmotif train`` checkpoint, on the CPU, in eval mode, without Lightning."""
    from deepmotif.interpret.pipeline import load_network as load

    return load(path)
