"""The Lightning data module: one-hot sequences of a ``sequences.tsv`` by split."""

from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from deepmotif.data.dataset import read_dataset
from deepmotif.data.encoding import one_hot


class SequenceDataModule(L.LightningDataModule):
    """Train/validation/test loaders over ``results/{tf}/data/sequences.tsv``.

    Parameters
    ----------
    path: str
        TSV with columns ``id seq label split``.
    batch_size: int, optional
        Default 256 (the authors').
    seed: int, optional
        Seed of the training loader's shuffling. Default 0.
    """

    def __init__(self, path: str, batch_size: int = 256, seed: int = 0) -> None:
        super().__init__()
        self.path = path
        self.batch_size = batch_size
        self.seed = seed
        self.tables: dict[str, object] = {}
        self.datasets: dict[str, TensorDataset] = {}

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

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        generator = torch.Generator().manual_seed(self.seed) if shuffle else None
        return DataLoader(self.datasets[split], batch_size=self.batch_size, shuffle=shuffle,
                          generator=generator)

    def train_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("valid")

    def test_dataloader(self) -> DataLoader:  # noqa: D102
        return self._loader("test")
