"""Class optimization: the input that maximizes the positive-class score (DeMo Dashboard, section 3.3).

Following the authors (after Simonyan et al. 2013), a free ``(4, length)`` input starting uniform
random in [0, 1] is optimized with RMSprop to minimize ``BCE(logit, 1) + l2 * ||X||^2``, clamped to
[0, 1] after every step, and each position is finally normalized to sum to 1, giving a PWM.
``init="onehot"`` starts instead from random one-hot sequences: deep CNNs trained with small
learning rates can be flat (dead ReLUs) on the authors' soft random start and never leave it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from deepmotif.interpret.saliency import input_gradients_enabled
from deepmotif.models.inference import model_device


def _normalize_columns(X: torch.Tensor, min_total: float = 1e-6) -> torch.Tensor:
    """Divide each position by its sum; a position summing to less than ``min_total`` becomes uniform.

    The L2 penalty drives positions the model ignores to (numerically) zero; normalizing their
    leftovers (~1e-30) would turn rounding noise into confident letters.
    """
    total = X.sum(dim=-2, keepdim=True)
    keep = total >= min_total
    return torch.where(keep, X / torch.where(keep, total, 1.0), torch.full_like(X, 0.25))


def rmsprop_state(X: torch.Tensor) -> dict[str, torch.Tensor]:
    """The state of :func:`rmsprop_step` for the tensor ``X``, as ``torch.optim.RMSprop`` starts it."""
    return {"square_avg": torch.zeros_like(X, memory_format=torch.preserve_format), "step": torch.tensor(0.0)}


def rmsprop_step(X: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor], lr: float) -> None:
    """One step of ``torch.optim.RMSprop(lr=lr)`` (its defaults otherwise) on ``X``, in place.

    torch's functional RMSprop (``torch.optim.rmsprop.rmsprop``, the code ``RMSprop.step`` runs) with
    the optimizer's default settings, so the trajectory is the optimizer's to the last bit. The
    optimizer object itself imports torch._dynamo on its first use, ~1.5 s of CPU in every
    interpretation job. Call inside ``torch.no_grad()``.
    """
    from torch.optim.rmsprop import rmsprop

    rmsprop([X], [grad], [state["square_avg"]], [], [], [state["step"]], lr=lr, alpha=0.99, eps=1e-8,
            weight_decay=0.0, momentum=0.0, centered=False)


def optimize_class_input(
    model: nn.Module,
    length: int,
    *,
    n_restarts: int,
    steps: int,
    lr: float,
    l2: float,
    seed: int,
    init: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Optimize inputs for the positive class from ``n_restarts`` random starts (one batch).

    The restarts are independent: the loss is summed over them and RMSprop scales each entry
    separately, so each restart follows the trajectory it would follow alone.

    Parameters
    ----------
    model: torch.nn.Module
        Maps ``(n, 4, length)`` to logits ``(n,)``; evaluated in eval mode, its weights untouched.
    length: int
        Length of the optimized input.
    n_restarts: int
        Random starts, optimized together as one batch (config ``interpret.class_optimization``, as
        the rest: ``restarts``; the authors used 1000 steps, lr 0.05, l2 0.009, uniform starts).
    steps: int
        RMSprop steps.
    lr: float
        RMSprop learning rate.
    l2: float
        Weight of the squared L2 norm of each input.
    seed: int
        Seed of the random starts.
    init: str
        ``uniform`` (the authors': every entry uniform in [0, 1]) or ``onehot`` (random sequences,
        each base equally likely).

    Returns
    -------
    pwms: torch.Tensor, shape=(n_restarts, 4, length)
        Optimized inputs, each position normalized to sum to 1 (positions summing to < 1e-6 become
        uniform).
    scores: torch.Tensor, shape=(n_restarts,)
        P(positive) of the final optimized (clamped, unnormalized) inputs.
    """
    if length < 1 or n_restarts < 1 or steps < 0:
        raise ValueError(f"need length >= 1, n_restarts >= 1 and steps >= 0; "
                         f"got {length}, {n_restarts} and {steps}")
    if init not in ("uniform", "onehot"):
        raise ValueError(f"init must be 'uniform' or 'onehot', got {init!r}")
    generator = torch.Generator().manual_seed(seed)
    if init == "uniform":
        X = torch.rand(n_restarts, 4, length, generator=generator)
    else:
        bases = torch.randint(0, 4, (n_restarts, length), generator=generator)
        X = F.one_hot(bases, 4).transpose(1, 2).float()
    X = X.to(model_device(model)).requires_grad_()
    state = rmsprop_state(X)
    with input_gradients_enabled(model):
        for _ in range(steps):
            y_hat = model(X).float()
            loss = F.binary_cross_entropy_with_logits(y_hat, torch.ones_like(y_hat), reduction="sum")
            loss = loss + l2 * X.pow(2).sum()
            (grad,) = torch.autograd.grad(loss, X)  # not backward(): leaves the weights' .grad alone
            with torch.no_grad():
                rmsprop_step(X, grad, state, lr)
                X.clamp_(0.0, 1.0)
        with torch.no_grad():
            scores = torch.sigmoid(model(X).float())
    X = X.detach().cpu()
    return _normalize_columns(X), scores.cpu()


def importance_windows(
    model: nn.Module,
    pwms: torch.Tensor,
    width: int = 20,
    max_windows: int = 2,
    min_ratio: float = 0.5,
) -> pd.DataFrame:
    """The windows of class-optimized inputs that the model relies on most.

    A class-optimized input is as long as the training sequences and the L2 penalty rarely empties
    all of it, so matching it whole to short database motifs fails. Each position is scored by
    gradient times input of the logit (summed over bases, negatives set to 0); the window of
    ``width`` with the largest total is kept, then up to ``max_windows - 1`` more non-overlapping
    windows whose total is at least ``min_ratio`` times the first's (the second half of a composite).

    Parameters
    ----------
    model: torch.nn.Module
        The network that was optimized.
    pwms: torch.Tensor, shape=(n, 4, length)
        From :func:`~deepmotif.interpret.optimize.optimize_class_input`.
    width: int, optional
        Window width in bp (clipped to ``length``). Default 20.
    max_windows: int, optional
        Windows per input at most. Default 2.
    min_ratio: float, optional
        Importance of an extra window relative to the first. Default 0.5.

    Returns
    -------
    pandas.DataFrame
        Columns ``restart window start end importance`` (``restart`` and ``window`` from 0,
        ``[start, end)`` in input coordinates).
    """
    from deepmotif.interpret.saliency import saliency_map

    if max_windows < 1 or width < 1:
        raise ValueError(f"need width >= 1 and max_windows >= 1, got {width} and {max_windows}")
    score = saliency_map(model, pwms).sum(dim=1).clamp(min=0).numpy()
    width = min(width, score.shape[1])
    rows = []
    for r, s in enumerate(score):
        totals = np.convolve(s, np.ones(width), mode="valid")  # totals[i] = sum of s[i:i + width]
        taken = np.zeros(len(s), dtype=bool)
        best = None
        for w in range(max_windows):
            free = np.array([not taken[i:i + width].any() for i in range(len(totals))])
            if not free.any():
                break
            i = int(np.argmax(np.where(free, totals, -np.inf)))
            if best is None:
                best = totals[i]
            elif totals[i] < min_ratio * best or totals[i] <= 0:
                break
            taken[i:i + width] = True
            rows.append((r, w, i, i + width, float(totals[i])))
    return pd.DataFrame(rows, columns=["restart", "window", "start", "end", "importance"])


def window_motifs(pwms: torch.Tensor, windows: pd.DataFrame) -> tuple[list[np.ndarray], list[str]]:
    """The windows of :func:`importance_windows` cut out of the optimized inputs, as named motifs.

    Parameters
    ----------
    pwms: torch.Tensor, shape=(n, 4, length)
        Class-optimized inputs.
    windows: pandas.DataFrame
        ``restart window start end`` (from :func:`importance_windows`).

    Returns
    -------
    motifs: list of numpy.ndarray, shape=(4, end - start) each
    names: list of str
        ``opt<restart>.w<window>``, counted from 1 (e.g. ``opt3.w1``).
    """
    names = [f"opt{r + 1}.w{w + 1}" for r, w in zip(windows["restart"], windows["window"])]
    motifs = [pwms[r, :, s:e].numpy() for r, s, e in windows[["restart", "start", "end"]].to_numpy()]
    return motifs, names
