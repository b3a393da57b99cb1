"""Architectures of the DeMo Dashboard as plain ``nn.Module``s, registered by name.

Every network maps one-hot DNA ``X`` of shape ``(n, 4, length)`` to one logit per sequence, shape
``(n,)`` (the positive-class score; ``sigmoid`` of it is the probability of binding). Defaults follow
the authors' Lua Torch code (QData/DeepMotif). Add an architecture with :func:`register_net`::

    @register_net("dilated")
    class Dilated(nn.Module):
        def __init__(self, n_filters: int = 64): ...

and name it in ``config.yaml`` under ``architectures``; the training code does not change.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

NETS: dict[str, type[nn.Module]] = {}


def register_net(name: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator adding an architecture to :data:`NETS` under ``name``."""

    def wrap(cls: type[nn.Module]) -> type[nn.Module]:
        if name in NETS:
            raise ValueError(f"architecture {name!r} is registered twice")
        NETS[name] = cls
        return cls

    return wrap


def build_net(arch: str, **kwargs) -> nn.Module:
    """Build the architecture registered as ``arch`` with keyword arguments ``kwargs``."""
    if arch not in NETS:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(sorted(NETS))}")
    return NETS[arch](**kwargs)


@register_net("cnn")
class CNN(nn.Module):
    """Three convolution layers with max pooling, global max over length, linear output.

    Parameters
    ----------
    n_filters: int, optional
        Feature maps per convolution layer. Default 128.
    kernel_sizes: tuple of int, optional
        Widths of the three convolutions. Default (9, 5, 3).
    pool_size: int, optional
        Max-pool width after the first two convolutions. Default 2.
    dropout: float, optional
        Dropout before the linear layer. Default 0.5.
    """

    def __init__(
        self,
        n_filters: int = 128,
        kernel_sizes: tuple[int, ...] = (9, 5, 3),
        pool_size: int = 2,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 4
        for i, k in enumerate(kernel_sizes):
            layers += [nn.Conv1d(in_channels, n_filters, k, padding=k // 2), nn.ReLU()]
            if i < len(kernel_sizes) - 1:
                layers.append(nn.MaxPool1d(pool_size, ceil_mode=True))
            in_channels = n_filters
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(n_filters, 1)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first convolution layer (its filters are the motif detectors)."""
        return self.features[0]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = self.features(X).amax(dim=-1)
        return self.linear(self.dropout(h)).squeeze(-1)


class _BiLSTMHead(nn.Module):
    """Bidirectional LSTM; each direction pooled over time (mean, as the authors, or max), linear."""

    def __init__(self, input_size: int, hidden_size: int, dropout: float, pool: str = "mean") -> None:
        super().__init__()
        if pool not in ("mean", "max"):
            raise ValueError(f"pool must be 'mean' or 'max', not {pool!r}")
        self.pool = pool
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(2 * hidden_size, 1)

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        """``H``: shape ``(n, length, input_size)`` → logits ``(n,)``."""
        out, _ = self.lstm(H)
        pooled = out.mean(dim=1) if self.pool == "mean" else out.amax(dim=1)
        return self.linear(self.dropout(pooled)).squeeze(-1)


@register_net("rnn")
class BiLSTM(nn.Module):
    """Bidirectional LSTM over the one-hot sequence (the paper's RNN).

    Parameters
    ----------
    hidden_size: int, optional
        LSTM units per direction. Default 32.
    dropout: float, optional
        Dropout before the linear layer. Default 0.5.
    pool: str, optional
        Pooling of each direction's outputs over time: ``mean`` (the authors') or ``max``.
    """

    def __init__(self, hidden_size: int = 32, dropout: float = 0.5, pool: str = "mean") -> None:
        super().__init__()
        self.head = _BiLSTMHead(4, hidden_size, dropout, pool)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(X.transpose(1, 2))


@register_net("cnn_rnn")
class CNNBiLSTM(nn.Module):
    """One convolution (same padding, ReLU) followed by the bidirectional LSTM (the paper's CNN-RNN).

    Parameters
    ----------
    n_filters: int, optional
        Feature maps of the convolution. Default 128.
    kernel_size: int, optional
        Width of the convolution. Default 9.
    hidden_size: int, optional
        LSTM units per direction. Default 32.
    dropout: float, optional
        Dropout before the linear layer. Default 0.5.
    pool: str, optional
        Pooling of each direction's outputs over time: ``mean`` (the authors') or ``max``.
    """

    def __init__(
        self, n_filters: int = 128, kernel_size: int = 9, hidden_size: int = 32, dropout: float = 0.5,
        pool: str = "mean",
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, n_filters, kernel_size, padding=kernel_size // 2)
        self.head = _BiLSTMHead(n_filters, hidden_size, dropout, pool)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The convolution layer (its filters are the motif detectors)."""
        return self.conv

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(X)).transpose(1, 2))
