"""The Lightning data module: one-hot sequences of a ``sequences.tsv`` by split."""

from __future__ import annotations

from collections.abc import Iterator

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset

from deepmotif.data.dataset import read_dataset
from deepmotif.data.encoding import one_hot


class BatchIndices(Sampler[torch.Tensor]):
    """Index batches of ``n`` rows; shuffled by ``(seed, epoch)`` when ``shuffle`` is set.

    The order of an epoch depends only on the seed and the epoch number (Lightning calls
    :meth:`set_epoch`), so a run resumed from a checkpoint sees the batches it would have seen.
    Used with ``DataLoader(dataset, sampler=..., batch_size=None)``: a whole batch is gathered with
    one indexing of the tensors instead of ``batch_size`` item calls and a collate.

    Parameters
    ----------
    n: int
        Number of rows.
    batch_size: int
    shuffle: bool, optional
        Default False.
    seed: int, optional
        Default 0.
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool = False, seed: int = 0) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order :meth:`__iter__` yields next."""
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        if self.shuffle:
            seed = int(np.random.SeedSequence([self.seed, self.epoch]).generate_state(1)[0])
            order = torch.randperm(self.n, generator=torch.Generator().manual_seed(seed))
        else:
            order = torch.arange(self.n)
        yield from order.split(self.batch_size)


class ResidentBatches:
    """Batches indexed directly out of tensors that live on the training device (no DataLoader).

    The whole one-hot set of a TF (101 bp x 4 x float32: 1.6 kB per sequence, 160 MB for 100,000) is
    copied to the device once; each batch is one indexing there, so a GPU never waits for a host-side
    input pipeline or a host-to-device copy. Same batches and order as the DataLoader over
    :class:`BatchIndices` (Lightning calls ``sampler.set_epoch``).

    Parameters
    ----------
    X: torch.Tensor, shape=(n, 4, length)
    y: torch.Tensor, shape=(n,)
    sampler: BatchIndices
        Yields the index batches.
    """

    batch_sampler = None  # Lightning reads it as it reads a DataLoader's (sampler yields whole batches)

    def __init__(self, X: torch.Tensor, y: torch.Tensor, sampler: BatchIndices) -> None:
        self.X, self.y, self.sampler = X, y, sampler

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for idx in self.sampler:
            idx = idx.to(self.X.device)
            yield self.X[idx], self.y[idx]


class SequenceDataModule(L.LightningDataModule):
    """Train/validation/test loaders over ``results/{tf}/data/sequences.tsv``.

    Parameters
    ----------
    path: str
        TSV with columns ``id seq label split``.
    batch_size: int, optional
        Default 256 (the authors').
    seed: int, optional
        Seed of the training loader's shuffling (with the epoch number). Default 0.
    device: str or torch.device, optional
        Keep every split on this device and index batches there (:class:`ResidentBatches`), for
        training on a GPU. Default None: a DataLoader over CPU tensors.
    """

    def __init__(self, path: str, batch_size: int = 256, seed: int = 0,
                 device: str | torch.device | None = None) -> None:
        super().__init__()
        self.path = path
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
        self.tables: dict[str, object] = {}
        self.datasets: dict[str, TensorDataset] = {}
        self._resident: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def setup(self, stage: str | None = None) -> None:  # noqa: D102
        if self.datasets:
            return
        df = read_dataset(self.path)
        for split in ("train", "valid", "test"):
            part = df[df["split"] == split].reset_index(drop=True)
            X = torch.from_numpy(one_hot(list(part["seq"])))
            y = torch.tensor(part["label"].to_numpy(), dtype=torch.float32)
            self.tables[split] = part
            self.datasets[split] = TensorDataset(X, y)

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader | ResidentBatches:
        dataset = self.datasets[split]
        batches = BatchIndices(len(dataset), self.batch_size, shuffle, self.seed)
        if self.device is not None:
            if split not in self._resident:  # copied once; self.datasets stay on the CPU
                self._resident[split] = tuple(t.to(self.device) for t in dataset.tensors)
            return ResidentBatches(*self._resident[split], batches)
        # A generator of its own keeps the loader from drawing on torch's global generator.
        return DataLoader(dataset, sampler=batches, batch_size=None,
                          generator=torch.Generator().manual_seed(self.seed))

    def train_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("valid")

    def test_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("test")
