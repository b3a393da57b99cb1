"""Predictions of a trained network: logits and probabilities of binding, in eval mode, in batches.

The one place that loads a trained network (:func:`load_network`) and runs it forward for
predictions; training (test metrics), the interpretation (probabilities beside saliency, temporal
scores) and ``deepmotif predict`` use it.
:func:`eval_mode` is the one way the package switches a network to eval mode and back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

# Sequences per forward pass by default. On one CPU thread, after `runtime.memory.keep_freed_memory` (which
# every `deepmotif` command calls first), 64, 256 and 1024 cost the same within ~10 % (4,096 sequences, the
# three default architectures, benchmarks/README.md); without it, larger batches pay for fresh memory pages on
# every pass (1024 took 2x the CPU of 64).
BATCH_SIZE = 64


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode (no dropout) for the block and restore its mode afterwards, also on error.

    Examples
    --------
    >>> with eval_mode(net):          # doctest: +SKIP
    ...     y_hat = net(X)
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = BATCH_SIZE,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Logits of ``model`` for each sequence, in eval mode, ``batch_size`` sequences per forward pass.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``X`` of shape ``(n, 4, length)`` to logits of shape ``(n,)``.
    X: numpy.ndarray or torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T (any float-convertible dtype; converted batch by batch).
    batch_size: int, optional
        Sequences per forward pass; the result does not depend on it. Default :data:`BATCH_SIZE`.
    device: torch.device, str or None, optional
        Where to run; None runs where the model's parameters are. Default None.

    Returns
    -------
    y_hat: torch.Tensor, shape=(n,), dtype=float32, on the CPU
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    X = torch.as_tensor(X)
    if X.ndim != 3 or X.shape[1] != 4:
        raise ValueError(f"X must have shape (n, 4, length), got {tuple(X.shape)}")
    device = torch.device(device) if device is not None else model_device(model)
    with eval_mode(model):
        out = [model(X[s:s + batch_size].to(device, torch.float32)).float().cpu()
               for s in range(0, len(X), batch_size)]
    return torch.cat(out) if out else torch.zeros(0)


def predict_unique_logits(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = BATCH_SIZE,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """:func:`predict_logits`, with each distinct sequence run once and its logit copied to its repeats.

    For inputs built by inserting motifs into backgrounds, many of which coincide (a motif alone at the
    same place in two arrangements). Distinct sequences run in the order they first occur.

    Parameters
    ----------
    model: torch.nn.Module
    X: numpy.ndarray or torch.Tensor, shape=(n, 4, length)
        One-hot sequences (compared exactly: an int8 encoding compares fastest).
    batch_size, device:
        As :func:`predict_logits`.

    Returns
    -------
    y_hat: torch.Tensor, shape=(n,), dtype=float32, on the CPU
        Equal rows of ``X`` get the same logit.
    """
    X = torch.as_tensor(X)
    if X.ndim != 3 or X.shape[1] != 4:
        raise ValueError(f"X must have shape (n, 4, length), got {tuple(X.shape)}")
    if len(X) == 0:
        return torch.zeros(0)
    rows = np.ascontiguousarray(X.reshape(len(X), -1).cpu().numpy())
    keys = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)  # distinct sequences in the order they first occur
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    y_hat = predict_logits(model, X[torch.from_numpy(first[order])], batch_size, device)
    return y_hat[torch.from_numpy(rank[inverse.ravel()])]


def predict_proba(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    batch_size: int = BATCH_SIZE,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Probability of binding, ``sigmoid(logit)``, of each sequence (see :func:`predict_logits`).

    Returns
    -------
    numpy.ndarray, shape=(n,), dtype=float32
    """
    return torch.sigmoid(predict_logits(model, X, batch_size, device)).numpy()


def load_network(path: str | os.PathLike) -> nn.Module:
    """The network of a ``deepmotif train`` checkpoint, on the CPU, in eval mode, without Lightning.

    Importing Lightning costs seconds per job; the checkpoint's ``hyper_parameters`` (``arch``,
    ``net_kwargs``) and the ``net.``-prefixed weights are enough to rebuild the plain network.

    Parameters
    ----------
    path: str or os.PathLike
        ``results/{tf}/{arch}/model.ckpt``.

    Returns
    -------
    torch.nn.Module
        Maps ``X`` of shape ``(n, 4, length)`` to logits ``(n,)``.
    """
    from deepmotif.models.checkpoint import load_checkpoint

    return network_from_checkpoint(load_checkpoint(path), path)  # weights_only: a checkpoint is data, never code


def network_from_checkpoint(ckpt: dict, path: str | os.PathLike = "checkpoint") -> nn.Module:
    """The plain network of a loaded checkpoint (:func:`deepmotif.models.checkpoint.load_checkpoint`), in eval mode.

    Parameters
    ----------
    ckpt: dict
        The checkpoint's contents.
    path: str or os.PathLike, optional
        Where it came from, for messages.
    """
    from deepmotif.errors import InputError
    from deepmotif.models.nets import build_net

    hparams = ckpt.get("hyper_parameters") or {}
    if "arch" not in hparams or "state_dict" not in ckpt:
        raise InputError(f"{path}: not a deepmotif checkpoint (no hyper_parameters.arch or state_dict)")
    net = build_net(hparams["arch"], **(hparams.get("net_kwargs") or {}))
    state = {k.removeprefix("net."): v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    net.load_state_dict(state)
    if not all(torch.isfinite(value).all() for value in net.state_dict().values() if value.is_floating_point()):
        raise InputError(f"{path}: the network's weights are not finite (NaN or infinite: training diverged); "
                         "every prediction would be NaN; retrain it (lower lr, grad_clip > 0)")
    return net.eval()
