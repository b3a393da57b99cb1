"""Architectures of the DeMo Dashboard as plain ``nn.Module``s, registered by name, with size presets.

Every network maps one-hot DNA ``X`` of shape ``(n, 4, length)`` to one logit per sequence, shape
``(n,)`` (the positive-class score; ``sigmoid`` of it is the probability of binding). Defaults follow
the authors' Lua Torch code (QData/DeepMotif). Add an architecture with :func:`register_net`::

    @register_net("my_net", presets={"small": {"width": 16}, "large": {"width": 256}})
    class MyNet(nn.Module):
        def __init__(self, width: int = 64): ...

and name it in ``config.yaml`` under ``architectures``; the training code does not change
(``docs/models.md``; :class:`DilatedResidualCNN` is the worked example).

Presets (``training.<arch>.preset`` in the config) are named keyword sets: ``medium`` is the
architecture's defaults (the paper's sizes), ``small`` and ``large`` scale widths down and up.
``training.<arch>.net`` overrides single keywords on top of the preset.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

NETS: dict[str, type[nn.Module]] = {}
PRESETS: dict[str, dict[str, dict[str, Any]]] = {}
PRESET_NAMES = ("small", "medium", "large")


def register_net(
    name: str, presets: Mapping[str, Mapping[str, Any]] | None = None
) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator adding an architecture to :data:`NETS` under ``name``.

    Parameters
    ----------
    name: str
        The architecture's name in the config (``architectures``, ``training.<name>``).
    presets: mapping of str to dict, optional
        Keyword arguments per size preset (``small``, ``medium``, ``large``); ``medium`` defaults to
        ``{}`` (the class defaults). Default None (only ``medium``).
    """
    presets = {k: dict(v) for k, v in (presets or {}).items()}
    unknown = set(presets) - set(PRESET_NAMES)
    if unknown:
        raise ValueError(f"presets of {name!r}: unknown names {sorted(unknown)}; use {PRESET_NAMES}")

    def wrap(cls: type[nn.Module]) -> type[nn.Module]:
        if name in NETS:
            raise ValueError(f"architecture {name!r} is registered twice")
        _check_kwargs(name, cls, *presets.values())
        NETS[name] = cls
        PRESETS[name] = {"medium": {}, **presets}
        return cls

    return wrap


def _check_kwargs(arch: str, cls: type[nn.Module], *kwargs_sets: Mapping[str, Any]) -> None:
    """ValueError naming the first keyword that ``cls.__init__`` does not accept."""
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    accepted = [n for n in params if n != "self"]
    for kwargs in kwargs_sets:
        for key in kwargs:
            if key not in accepted:
                raise ValueError(f"architecture {arch!r} has no parameter {key!r}; "
                                 f"it accepts: {', '.join(accepted) or '(none)'}")


def net_kwargs(arch: str, preset: str | None = None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Keyword arguments of ``arch``: the preset's, updated by ``overrides``.

    Parameters
    ----------
    arch: str
        Registered architecture name.
    preset: str or None, optional
        ``small``, ``medium`` or ``large``; None means ``medium`` (the class defaults). Default None.
    overrides: mapping, optional
        Keyword arguments replacing the preset's (``training.<arch>.net`` in the config).

    Returns
    -------
    dict
    """
    _check_arch(arch)
    preset = preset or "medium"
    if preset not in PRESETS[arch]:
        raise ValueError(f"architecture {arch!r} has no preset {preset!r}; "
                         f"it has: {', '.join(PRESETS[arch])}")
    kwargs = {**PRESETS[arch][preset], **(overrides or {})}
    _check_kwargs(arch, NETS[arch], kwargs)
    return kwargs


def _check_arch(arch: str) -> None:
    if arch not in NETS:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(sorted(NETS))}")


def build_net(arch: str, **kwargs) -> nn.Module:
    """Build the architecture registered as ``arch`` with keyword arguments ``kwargs``."""
    _check_arch(arch)
    _check_kwargs(arch, NETS[arch], kwargs)
    return NETS[arch](**kwargs)


def count_parameters(net: nn.Module) -> int:
    """Number of trainable parameters of ``net``."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@register_net("cnn", presets={"small": {"n_filters": 32}, "large": {"n_filters": 256}})
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
    """Bidirectional LSTM; each direction pooled over time (mean, as the authors, or max), linear.

    ``orthogonal`` changes the LSTM's initialization (torch's default: every weight and bias uniform in
    ``±1/sqrt(hidden_size)``); see :func:`init_lstm`.
    """

    def __init__(self, input_size: int, hidden_size: int, dropout: float, pool: str = "mean",
                 orthogonal: bool = False) -> None:
        super().__init__()
        if pool not in ("mean", "max"):
            raise ValueError(f"pool must be 'mean' or 'max', not {pool!r}")
        self.pool = pool
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True, bidirectional=True)
        if orthogonal:
            init_lstm(self.lstm)
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(2 * hidden_size, 1)

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        """``H``: shape ``(n, length, input_size)`` → logits ``(n,)``."""
        out, _ = self.lstm(H)
        pooled = out.mean(dim=1) if self.pool == "mean" else out.amax(dim=1)
        return self.linear(self.dropout(pooled)).squeeze(-1)


def init_lstm(lstm: nn.LSTM) -> None:
    """Re-initialize the weights of an ``nn.LSTM`` in place (every layer and direction; biases kept).

    Each gate's recurrent matrix (``hidden × hidden``; gates stacked in torch's order input, forget, cell,
    output) orthogonal, each gate's input matrix Xavier uniform, instead of torch's uniform in
    ``±1/sqrt(hidden_size)``. On the simulated data this takes the max-pooled biLSTM off its chance
    plateau in a few epochs instead of 6-18 (``benchmarks/README.md``, "The rnn's initialization").
    """
    hidden = lstm.hidden_size
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if name.startswith("weight_"):
                init = nn.init.orthogonal_ if name.startswith("weight_hh") else nn.init.xavier_uniform_
                for gate in param.split(hidden, dim=0):
                    init(gate)


@register_net("rnn", presets={"small": {"hidden_size": 16}, "large": {"hidden_size": 64}})
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
    orthogonal: bool, optional
        Orthogonal recurrent and Xavier input weights per gate at initialization (:func:`init_lstm`).
        Default False (torch's uniform, as the authors' Torch).
    """

    def __init__(self, hidden_size: int = 32, dropout: float = 0.5, pool: str = "mean",
                 orthogonal: bool = False) -> None:
        super().__init__()
        self.head = _BiLSTMHead(4, hidden_size, dropout, pool, orthogonal)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(X.transpose(1, 2))


@register_net("cnn_rnn", presets={"small": {"n_filters": 64, "hidden_size": 16},
                                  "large": {"n_filters": 256, "hidden_size": 64}})
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
    orthogonal: bool, optional
        Orthogonal recurrent and Xavier input weights at initialization (:func:`init_lstm`). Default False.
    """

    def __init__(
        self, n_filters: int = 128, kernel_size: int = 9, hidden_size: int = 32, dropout: float = 0.5,
        pool: str = "mean", orthogonal: bool = False,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, n_filters, kernel_size, padding=kernel_size // 2)
        self.head = _BiLSTMHead(n_filters, hidden_size, dropout, pool, orthogonal)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The convolution layer (its filters are the motif detectors)."""
        return self.conv

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(X)).transpose(1, 2))


# --- the worked example of docs/models.md: an architecture added without touching training code ------

class _DilatedBlock(nn.Module):
    """``h + ReLU(BatchNorm(Conv(h)))`` with a dilated, length-preserving convolution."""

    def __init__(self, channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel_size, dilation=dilation,
                              padding=dilation * (kernel_size - 1) // 2)
        self.norm = nn.BatchNorm1d(channels)

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        return H + torch.relu(self.norm(self.conv(H)))


@register_net("dilated_cnn", presets={"small": {"n_filters": 32, "n_blocks": 4},
                                      "large": {"n_filters": 128, "n_blocks": 7}})
class DilatedResidualCNN(nn.Module):
    """A motif convolution, then residual blocks with dilation 1, 2, 4, ..., global max, linear.

    Like BPNet and Basenji, the dilations double per block, so the receptive field,
    ``kernel_size + (block_kernel - 1) * (2 ** n_blocks - 1)`` bp (135 for the defaults), covers the
    101-bp input with few parameters, and the model can relate motifs far apart. Not in the paper.

    Parameters
    ----------
    n_filters: int, optional
        Channels of every layer. Default 64.
    kernel_size: int, optional
        Width of the first (motif) convolution. Default 9.
    n_blocks: int, optional
        Residual blocks; block ``i`` has dilation ``2 ** i``. Default 6.
    block_kernel: int, optional
        Width of the blocks' convolutions (odd). Default 3.
    dropout: float, optional
        Dropout before the linear layer. Default 0.3.
    """

    def __init__(
        self, n_filters: int = 64, kernel_size: int = 9, n_blocks: int = 6, block_kernel: int = 3,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        if block_kernel % 2 != 1:
            raise ValueError(f"block_kernel must be odd to keep the length, got {block_kernel}")
        self.conv = nn.Conv1d(4, n_filters, kernel_size, padding=kernel_size // 2)
        self.blocks = nn.Sequential(*[_DilatedBlock(n_filters, block_kernel, 2 ** i) for i in range(n_blocks)])
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(n_filters, 1)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first convolution layer (its filters are the motif detectors)."""
        return self.conv

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = self.blocks(torch.relu(self.conv(X)))
        return self.linear(self.dropout(H.amax(dim=-1))).squeeze(-1)
