"""What the interpretation commands need around the methods: networks from checkpoints, the sequences
to explain, learned motifs cut out of class-optimized inputs, and one table of JASPAR matches.

The "top" test positives are the first ones of ``sequences.tsv`` in file order. For ChIP-seq data that
is the strongest peaks first (``deepmotif extract`` sorts by signalValue and the dataset keeps the
order), so every architecture of a TF explains the same sequences and no model choice enters.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from deepmotif.errors import InputError

logger = logging.getLogger(__name__)

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
    from deepmotif.models.nets import build_net

    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: checkpoint not found; train the model first (deepmotif train)") from None
    hparams = ckpt.get("hyper_parameters", {})
    if "arch" not in hparams or "state_dict" not in ckpt:
        raise InputError(f"{path}: not a deepmotif checkpoint (no hyper_parameters.arch or state_dict)")
    net = build_net(hparams["arch"], **(hparams.get("net_kwargs") or {}))
    state = {k.removeprefix("net."): v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    net.load_state_dict(state)
    return net.eval()


@torch.no_grad()
def probabilities(model: nn.Module, X: torch.Tensor, batch_size: int = 1024) -> np.ndarray:
    """P(binding) of each sequence, shape ``(n,)`` (eval mode, batched; no Lightning import)."""
    model.eval()
    out = [torch.sigmoid(model(X[s:s + batch_size]).float()) for s in range(0, len(X), batch_size)]
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.float32)


def save_arrays(path: str | os.PathLike, **arrays) -> None:
    """Write arrays to a compressed ``.npz`` atomically (strings as unicode arrays, no pickles)."""
    from deepmotif.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **{k: _plain(v) for k, v in arrays.items()})


def _plain(values) -> np.ndarray:
    """``values`` as an array that loads without pickle (object arrays of text become unicode)."""
    array = np.asarray(values)
    return array.astype(str) if array.dtype == object else array


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` written by :func:`save_arrays`."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise InputError(f"{path}: not found; run the rule that writes it first") from None


def split_positives(sequences: str | os.PathLike, n: int = 0, split: str = "test") -> pd.DataFrame:
    """The first ``n`` positives of a split of ``sequences.tsv`` (all when ``n`` is 0), in file order.

    Parameters
    ----------
    sequences: str or os.PathLike
        TSV with columns ``id seq label split``.
    n: int, optional
        How many; 0 for all. Default 0.
    split: str, optional
        ``train``, ``valid`` or ``test``. Default "test".

    Returns
    -------
    pandas.DataFrame
        Columns ``id seq`` with a fresh index.
    """
    from deepmotif.data.dataset import read_dataset

    df = read_dataset(str(sequences))
    df = df[(df["split"] == split) & (df["label"] == 1)][["id", "seq"]].reset_index(drop=True)
    if df.empty:
        raise InputError(f"{sequences}: no positives in the {split!r} split")
    return df.head(n) if n else df


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


def read_meme_pwms(path: str | os.PathLike) -> tuple[list[np.ndarray], list[str]]:
    """The ``(4, k)`` probability matrices and names of a MEME file (as written by ``write_meme``)."""
    from memelite.io import read_meme

    motifs = read_meme(str(path))
    names = [key.split()[0] for key in motifs]
    return [np.asarray(m, dtype=np.float64) for m in motifs.values()], names


def jaspar_table(
    meme_files: Sequence[str | os.PathLike],
    release: str = "JASPAR2024",
    collection: str = "CORE",
    tax_group: str | None = "vertebrates",
    top_k: int = 5,
) -> pd.DataFrame:
    """Tomtom hits in JASPAR of every motif in some MEME files, one table.

    Parameters
    ----------
    meme_files: sequence of paths
        MEME files of learned motifs (class optimization, filters); names must be unique across files.
    release, collection, tax_group: str
        The JASPAR database (see :func:`~deepmotif.interpret.motifs.jaspar_motifs`).
    top_k: int, optional
        Hits per motif. Default 5.

    Returns
    -------
    pandas.DataFrame
        :data:`~deepmotif.interpret.motifs.MATCH_COLUMNS` plus ``file`` (the MEME file of the query).
    """
    from deepmotif.interpret.motifs import MATCH_COLUMNS, jaspar_motifs, match_jaspar

    pwms, names, files = [], [], []
    for path in meme_files:
        p, n = read_meme_pwms(path)
        pwms += p
        names += n
        files += [os.fspath(path)] * len(n)
    if not pwms:
        return pd.DataFrame(columns=[*MATCH_COLUMNS, "file"])
    try:
        targets = jaspar_motifs(release, collection, tax_group)
    except (ValueError, KeyError) as err:
        raise InputError(f"JASPAR release {release!r} collection {collection!r} tax group {tax_group!r}: "
                         f"{err}; set interpret.jaspar in the config to a release pyjaspar ships") from None
    hits = match_jaspar(pwms, names, targets, top_k=top_k)
    hits["file"] = hits["query"].map(dict(zip(names, files)))
    return hits
