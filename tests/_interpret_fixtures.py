"""Hand-built networks, checkpoints and sequences shared by the tests of deepmotif.interpret, .apply and .report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from deepmotif.data.encoding import one_hot
from deepmotif.models.nets import build_net

ALPHABET = "ACGT"


def motif_conv(motif: str, bias: float = 0.0) -> nn.Conv1d:
    """One filter scoring +1 per matching base of ``motif`` and -1 per mismatch (no padding)."""
    conv = nn.Conv1d(4, 1, len(motif))
    with torch.no_grad():
        conv.weight.copy_(2 * torch.from_numpy(one_hot([motif])) - 1)
        conv.bias.fill_(bias)
    return conv


class MotifNet(nn.Module):
    """logit = weight * max over positions of a motif filter + bias (accepts any length)."""

    def __init__(self, motif: str = "GATA", weight: float = 2.0, bias: float = -6.0) -> None:
        super().__init__()
        self.conv = motif_conv(motif)
        self.linear = nn.Linear(1, 1)
        with torch.no_grad():
            self.linear.weight.fill_(weight)
            self.linear.bias.fill_(bias)

    @property
    def first_conv(self) -> nn.Conv1d:
        return self.conv

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        k = self.conv.kernel_size[0]
        if X.shape[-1] < k:  # shorter than the motif: pad with empty (N) columns
            X = nn.functional.pad(X, (0, k - X.shape[-1]))
        return self.linear(self.conv(X).amax(dim=-1)).squeeze(-1)


class AdditiveNet(nn.Module):
    """logit = bias + sum over positions of ``values[base]``: every interpretation has a closed form."""

    def __init__(self, values: tuple[float, ...] = (0.5, -1.0, 2.0, -0.25), bias: float = -1.0) -> None:
        super().__init__()
        self.values = nn.Parameter(torch.tensor(values))
        self.bias = nn.Parameter(torch.tensor(bias))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ncl,c->n", X, self.values) + self.bias


TINY_KWARGS = {"cnn": {"n_filters": 8}, "rnn": {"hidden_size": 4}, "rnn_max": {"hidden_size": 4, "pool": "max"},
               "cnn_rnn": {"n_filters": 8, "hidden_size": 4}}


def tiny_net(arch: str, seed: int = 0) -> nn.Module:
    """A small randomly initialized network of ``deepmotif.models.nets`` (weights fixed by ``seed``).

    ``rnn_max`` is the biLSTM with max pooling over time instead of the authors' mean.
    """
    torch.manual_seed(seed)
    return build_net(arch.removesuffix("_max"), **TINY_KWARGS[arch])


def save_checkpoint(path: Path, arch: str, length: int | None = 101, seed: int = 0) -> Path:
    """A checkpoint of :func:`tiny_net` as ``deepmotif train`` writes it (hyper_parameters + net.-prefixed weights)."""
    net = tiny_net(arch, seed)
    hparams = {"arch": arch, "net_kwargs": TINY_KWARGS[arch]}
    if length is not None:
        hparams["input_length"] = length
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"hyper_parameters": hparams, "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()}},
               path)
    return path


def random_seqs(n: int, length: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list(ALPHABET), size=length)) for _ in range(n)]


def X_of(seqs: list[str]) -> torch.Tensor:
    return torch.from_numpy(one_hot(seqs))
