"""Batched inference of a network on one-hot sequences: logits and probabilities, CPU or GPU."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``device``, or the GPU when there is one and the CPU otherwise."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Logits of ``model`` for each sequence, in eval mode, in batches.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` of shape ``(n, 4, length)`` to logits ``(n,)``; moved to ``device``.
    X: numpy.ndarray or torch.Tensor, shape=(n, 4, length)
        One-hot sequences (kept where they are; each batch is moved to ``device``).
    batch_size: int, optional
        Default 1024.
    device: str, torch.device or None, optional
        Default None: the GPU when there is one, else the CPU.

    Returns
    -------
    numpy.ndarray, shape=(n,), dtype=float32
    """
    device = resolve_device(device)
    was_training = model.training
    model.eval().to(device)
    X = torch.as_tensor(X, dtype=torch.float32)
    out = [model(X[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(X), batch_size)]
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.float32)


def predict_proba(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Probability of binding (sigmoid of :func:`predict_logits`), shape ``(n,)``."""
    logits = predict_logits(model, X, batch_size, device)
    return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
