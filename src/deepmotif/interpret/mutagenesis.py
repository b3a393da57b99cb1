"""In-silico saturation mutagenesis: the effect of every single-base substitution on the logit.

tangermeme's :func:`~tangermeme.saturation_mutagenesis.saturation_mutagenesis` predicts the variants
(with its fast path, which recomputes only the positions a substitution can change, where the model
allows it); this module turns its raw predictions into the change in logit per substitution.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from deepmotif.interpret.saliency import check_onehot
from deepmotif.models.inference import BATCH_SIZE, eval_mode, model_device


def ism(model: nn.Module, X: torch.Tensor, batch_size: int = BATCH_SIZE) -> torch.Tensor:
    """Change in logit for each single-base substitution of each sequence.

    Positions that are ``N`` (all-zero columns) get four substitution effects.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` to logits of shape ``(n,)``; evaluated in eval mode (its mode is restored).
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T.
    batch_size: int, optional
        Variants per forward pass; the result does not depend on it. Default
        :data:`deepmotif.models.inference.BATCH_SIZE`.

    Returns
    -------
    X_ism: torch.Tensor, shape=(n, 4, length), on the CPU
        ``X_ism[i, b, j]`` = logit(``X[i]`` with base ``b`` at ``j``) - logit(``X[i]``);
        exactly 0 at the reference base.
    """
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    X = check_onehot(X)
    if len(X) == 0:
        return torch.zeros_like(X)
    with eval_mode(model), warnings.catch_warnings():
        # tangermeme explains when its fast path does not apply (e.g. LSTMs) and falls back to plain ISM
        warnings.filterwarnings("ignore", message=".*fast.*")
        warnings.filterwarnings("ignore", message=".*tensor attributes.*")
        raw = saturation_mutagenesis(nn.Sequential(model, nn.Unflatten(0, (-1, 1))), X, raw_outputs=True,
                                     batch_size=batch_size, device=model_device(model))
    X_ism = raw.y_hat[..., 0].float().cpu() - raw.y0.float().cpu().view(-1, 1, 1)
    return X_ism.masked_fill(X == 1, 0.0)
