"""The Lightning task: binary TF-binding classification with any registered architecture."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch import nn

from deepmotif.models.metrics import auprc, auroc
from deepmotif.models.nets import build_net


class SequenceClassifier(L.LightningModule):
    """Binary classifier of one-hot DNA, wrapping a network from :data:`deepmotif.models.nets.NETS`.

    Parameters
    ----------
    arch: str
        Registered architecture name (``cnn``, ``rnn``, ``cnn_rnn``, ...).
    net_kwargs: dict, optional
        Keyword arguments of the architecture.
    lr: float, optional
        Adam learning rate. Default 1e-2 (the authors').
    lr_halve_every: int, optional
        Halve the learning rate every this many epochs (0: constant). Default 10.
    weight_decay: float, optional
        Adam weight decay. Default 0.
    rc_augment: bool, optional
        Replace each training sequence by its reverse complement with probability 1/2 (drawn anew
        every step from torch's seeded generator). Default False.
    input_length: int or None, optional
        Length of the training sequences, recorded in the checkpoint so that ``deepmotif predict`` and
        ``score-variants`` cut windows of the right size. Default None (unknown).
    """

    def __init__(
        self,
        arch: str,
        net_kwargs: dict[str, Any] | None = None,
        lr: float = 1e-2,
        lr_halve_every: int = 10,
        weight_decay: float = 0.0,
        rc_augment: bool = False,
        input_length: int | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = build_net(arch, **(net_kwargs or {}))
        self.loss_fn = nn.BCEWithLogitsLoss()
        self._outputs: dict[str, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(n,)`` for one-hot ``X`` of shape ``(n, 4, length)``."""
        return self.net(X)

    def _common_step(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        X, y = batch
        if stage == "train" and self.hparams.rc_augment:
            X = random_reverse_complement(X)
        y_hat = self(X)
        loss = self.loss_fn(y_hat.float(), y.float())
        if stage != "train":  # the training loss is averaged by train.EpochHistory: self.log costs per step
            self.log(f"{stage}_loss", loss, prog_bar=True, on_epoch=True, on_step=False, batch_size=len(y))
            self._outputs.setdefault(stage, []).append((y_hat.detach().float().cpu(), y.cpu()))
        return loss

    def training_step(self, batch, batch_idx):  # noqa: D102
        return self._common_step(batch, "train")

    def validation_step(self, batch, batch_idx):  # noqa: D102
        self._common_step(batch, "valid")

    def _epoch_end(self, stage: str) -> None:
        outputs = self._outputs.pop(stage, [])
        if not outputs:
            return
        y_hat = torch.cat([o[0] for o in outputs]).numpy()
        y = torch.cat([o[1] for o in outputs]).numpy()
        self.log(f"{stage}_auroc", auroc(y, y_hat), prog_bar=True)
        self.log(f"{stage}_auprc", auprc(y, y_hat))

    def on_validation_epoch_end(self) -> None:  # noqa: D102
        self._epoch_end("valid")

    def configure_optimizers(self):  # noqa: D102
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr,
                               weight_decay=self.hparams.weight_decay)
        if not self.hparams.lr_halve_every:
            return opt
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=self.hparams.lr_halve_every, gamma=0.5)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}


def random_reverse_complement(X: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Each sequence of ``X`` replaced by its reverse complement with probability ``p``.

    Parameters
    ----------
    X: torch.Tensor, shape=(n, 4, length)
        One-hot, rows A, C, G, T: flipping rows and columns gives the reverse complement.
    p: float, optional
        Default 0.5.

    Returns
    -------
    torch.Tensor, shape=(n, 4, length)
    """
    flip = torch.rand(len(X)) < p
    return torch.where(flip.to(X.device)[:, None, None], X.flip(1, 2), X)

