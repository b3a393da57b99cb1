"""In-silico saturation mutagenesis: the effect of every single-base substitution on the logit."""

from __future__ import annotations

import torch
from torch import nn

from deepmotif.interpret.saliency import check_onehot
from deepmotif.models.predict import eval_mode, model_device, predict_logits


def _mutants(X: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
    """The variants numbered ``flat``.

    Variant ``(i * 4 + b) * length + j`` is ``X[i]`` with base ``b`` at position ``j``.
    """
    length = X.shape[-1]
    i, b, j = flat // (4 * length), (flat // length) % 4, flat % length
    rows = torch.arange(len(flat))
    V = X[i].clone()
    V[rows, :, j] = 0.0
    V[rows, b, j] = 1.0
    return V


@torch.no_grad()
def ism(model: nn.Module, X: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Change in logit for each single-base substitution of each sequence.

    All ``n * 4 * length`` variants are predicted in full batches of ``batch_size``, spanning
    sequences. Positions that are ``N`` (all-zero columns) get four substitution effects.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` to logits of shape ``(n,)``; evaluated in eval mode.
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T.
    batch_size: int, optional
        Variants per forward pass; the result does not depend on it. Default 1024.

    Returns
    -------
    X_ism: torch.Tensor, shape=(n, 4, length), on the CPU
        ``X_ism[i, b, j]`` = logit(``X[i]`` with base ``b`` at ``j``) - logit(``X[i]``);
        exactly 0 at the reference base.
    """
    X = check_onehot(X)
    n, _, length = X.shape
    device = model_device(model)
    y_ref = predict_logits(model, X, batch_size)
    y_mut = torch.empty(n * 4 * length)
    with eval_mode(model):
        for start in range(0, len(y_mut), batch_size):
            flat = torch.arange(start, min(start + batch_size, len(y_mut)))
            y_mut[flat] = model(_mutants(X, flat).to(device)).float().cpu()
    X_ism = y_mut.view(n, 4, length) - y_ref.view(n, 1, 1)
    return X_ism.masked_fill(X == 1, 0.0)
