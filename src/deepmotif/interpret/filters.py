"""First-layer filters as motifs: align the subsequences that activate each filter (DeepBind, Basset)."""

from __future__ import annotations

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from deepmotif.interpret.saliency import check_onehot
from deepmotif.models.inference import BATCH_SIZE


def _activations(conv: nn.Conv1d, X: torch.Tensor) -> torch.Tensor:
    """Activations (before any ReLU) of ``conv`` on the windows lying fully inside ``X``.

    Returns shape ``(n, n_filters, length - k + 1)``.
    """
    weight = conv.weight.detach()
    bias = conv.bias.detach() if conv.bias is not None else None
    return F.conv1d(X.to(weight.device), weight, bias).float().cpu()


@torch.no_grad()
def filter_pwms(
    conv: nn.Conv1d,
    X: torch.Tensor,
    threshold_fraction: float = 0.5,
    pseudocount: float = 0.0,
    batch_size: int = BATCH_SIZE,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Position probability matrix of the subsequences that activate each filter strongly.

    A window of width ``k`` starting at any position where it fits inside the sequence is a
    site of filter ``f`` when its activation exceeds ``threshold_fraction`` times the filter's
    largest activation over all of ``X`` (Basset's rule, Kelley et al. 2016). The one-hot of all
    sites is summed into counts and each position normalized. Windows overhanging the padded ends
    are not considered, so every site is real sequence.

    Parameters
    ----------
    conv: torch.nn.Conv1d
        A first-layer convolution with 4 input channels (a network's ``first_conv``); stride,
        padding and dilation are ignored except that dilation and groups must be 1.
    X: torch.Tensor, shape=(n, 4, length)
        One-hot sequences, rows A, C, G, T; ``length`` at least the filter width.
    threshold_fraction: float, optional
        Fraction of the filter's maximum activation a site must exceed. Default 0.5.
    pseudocount: float, optional
        Added to every count before normalizing. Default 0.
    batch_size: int, optional
        Sequences per convolution; the result does not depend on it (the counts are whole numbers).
        Default :data:`deepmotif.models.inference.BATCH_SIZE`.

    Returns
    -------
    pwms: torch.Tensor, shape=(n_filters, 4, k)
        Each position sums to 1. A filter with no site (its maximum activation is <= 0) gets a
        uniform matrix; drop it using ``n_sites``.
    n_sites: torch.Tensor, shape=(n_filters,), dtype=int64
        Number of sites counted per filter.
    """
    X = check_onehot(X)
    if conv.in_channels != 4 or conv.groups != 1 or conv.dilation != (1,):
        raise ValueError(f"conv must have 4 input channels, groups 1 and dilation 1; got {conv}")
    k = conv.kernel_size[0]
    if X.shape[-1] < k:
        raise ValueError(f"X has length {X.shape[-1]}, shorter than the filter width {k}")
    batches = [X[s:s + batch_size] for s in range(0, len(X), batch_size)]
    max_act = torch.full((conv.out_channels,), -torch.inf)
    for X_batch in batches:
        max_act = torch.maximum(max_act, _activations(conv, X_batch).amax(dim=(0, 2)))
    threshold = (threshold_fraction * max_act).view(1, -1, 1)
    counts = torch.zeros(conv.out_channels, 4, k, dtype=torch.float64)
    n_sites = torch.zeros(conv.out_channels, dtype=torch.int64)
    for X_batch in batches:
        is_site = (_activations(conv, X_batch) > threshold) & (max_act > 0).view(1, -1, 1)
        windows = X_batch.unfold(2, k, 1)  # (n, 4, positions, k)
        counts += torch.einsum("nfp,ncpk->fck", is_site.double(), windows.double())
        n_sites += is_site.sum(dim=(0, 2))
    counts += pseudocount
    total = counts.sum(dim=1, keepdim=True)
    pwms = torch.where(total > 0, counts / torch.where(total > 0, total, 1.0), 0.25)
    return pwms.float(), n_sites


def filter_table(pwms: torch.Tensor, n_sites: torch.Tensor, min_sites: int) -> pd.DataFrame:
    """One row per filter: its name, sites, information and whether it has enough sites to be a motif.

    Parameters
    ----------
    pwms: torch.Tensor, shape=(n_filters, 4, k)
        From :func:`filter_pwms`.
    n_sites: torch.Tensor, shape=(n_filters,)
        From :func:`filter_pwms`.
    min_sites: int
        Filters with fewer sites are not motifs (too few subsequences to estimate a matrix).

    Returns
    -------
    pandas.DataFrame
        Columns ``name n_sites information`` (``filter001``, ...; bits summed over positions) and the
        boolean ``motif`` (``n_sites >= min_sites``).
    """
    from deepmotif.interpret.motifs import information_content

    if min_sites < 1:
        raise ValueError(f"min_sites must be >= 1, got {min_sites}")
    names = [f"filter{i + 1:03d}" for i in range(len(pwms))]
    table = pd.DataFrame({"name": names, "n_sites": n_sites.numpy().astype(int),
                          "information": [information_content(p.numpy()).sum() for p in pwms]})
    table["motif"] = table["n_sites"] >= min_sites
    return table
