"""Saliency maps: which bases of a sequence drive the positive-class score (DeMo Dashboard, section 3.1).

Also holds the two helpers every interpretation method shares: :func:`check_onehot`, the one input
checker, and :func:`input_gradients_enabled`, the context in which gradients with respect to the
*input* are taken.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deepmotif.models.inference import eval_mode, model_device

METHODS = ("grad_x_input", "loss_grad_x_input")


def check_onehot(X: torch.Tensor | np.ndarray, name: str = "X") -> torch.Tensor:
    """Return ``X`` as a float32 tensor after checking that it has shape ``(n, 4, length)``.

    Parameters
    ----------
    X: torch.Tensor or numpy.ndarray, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T.
    name: str, optional
        The argument's name, used in the error message. Default "X".

    Returns
    -------
    torch.Tensor, shape=(n, 4, length), dtype=float32
    """
    X = torch.as_tensor(X)
    if X.ndim != 3 or X.shape[1] != 4 or X.shape[2] < 1:
        raise ValueError(f"{name} must have shape (n, 4, length) with length >= 1, got {tuple(X.shape)}")
    return X.float()


@contextlib.contextmanager
def input_gradients_enabled(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode with autograd on and cuDNN off; restore its mode on exit.

    Why cuDNN is disabled: cuDNN's LSTM kernel implements the backward pass only in training mode
    (``RuntimeError: cudnn RNN backward can only be called in training mode``). Interpretation needs
    the *eval-mode* function (no dropout), differentiated with respect to its input, so on a GPU the
    gradient of an LSTM must be computed with PyTorch's native kernel. On CPU cuDNN is never used and
    the context only sets eval mode and enables autograd (also inside ``torch.no_grad()``).

    Parameters
    ----------
    model: torch.nn.Module

    Examples
    --------
    >>> with input_gradients_enabled(net):           # doctest: +SKIP
    ...     X = X.requires_grad_()
    ...     (grad,) = torch.autograd.grad(net(X).sum(), X)
    """
    with eval_mode(model), torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        yield model


def saliency_map(
    model: nn.Module,
    X: torch.Tensor,
    method: str = "grad_x_input",
    batch_size: int = 256,
) -> torch.Tensor:
    """Gradient-times-input attribution of the positive-class score for each base.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` to logits of shape ``(n,)``; evaluated in eval mode.
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T.
    method: str, optional
        ``"grad_x_input"``: d logit / dX times X. ``"loss_grad_x_input"``: the authors' variant,
        \\|d BCE(logit, 1) / dX\\| times X, i.e. \\|(sigmoid(logit) - 1) d logit / dX\\| times X, which is
        non-negative and shrinks as the prediction saturates. Default "grad_x_input".
    batch_size: int, optional
        Sequences per backward pass; the result does not depend on it. Default 256.

    Returns
    -------
    X_attr: torch.Tensor, shape=(n, 4, length), on the CPU
        Zero wherever ``X`` is zero (bases absent from the sequence).
    """
    X = check_onehot(X)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    device = model_device(model)
    out = []
    with input_gradients_enabled(model):
        for start in range(0, len(X), batch_size):
            X_batch = X[start:start + batch_size].to(device).requires_grad_()
            y_hat = model(X_batch).float()
            if method == "grad_x_input":
                target = y_hat.sum()
            else:
                target = F.binary_cross_entropy_with_logits(y_hat, torch.ones_like(y_hat), reduction="sum")
            (grad,) = torch.autograd.grad(target, X_batch)
            if method == "loss_grad_x_input":
                grad = grad.abs()
            out.append((grad * X_batch).detach().cpu())
    return torch.cat(out) if out else torch.zeros_like(X)
