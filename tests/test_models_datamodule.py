"""Training-device input path: batches resident on the device are the DataLoader's batches."""

from __future__ import annotations

import random

import pytest
import torch

from deepmotif.models.datamodule import ResidentBatches, SequenceDataModule


@pytest.fixture
def sequences(tmp_path):
    rng = random.Random(0)
    rows = ["id\tseq\tlabel\tsplit"]
    for i in range(90):
        seq = "".join(rng.choice("ACGT") for _ in range(101))
        rows.append(f"s{i}\t{seq}\t{i % 2}\t{('train', 'train', 'valid', 'test')[i % 4]}")
    path = tmp_path / "sequences.tsv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_resident_batches_equal_dataloader_batches(sequences):
    """Same batches, same shuffled order per epoch (set_epoch), for every split."""
    host = SequenceDataModule(str(sequences), batch_size=8, seed=3)
    resident = SequenceDataModule(str(sequences), batch_size=8, seed=3, device="cpu")
    host.setup()
    resident.setup()
    for split, loaders in (("train", (host.train_dataloader(), resident.train_dataloader())),
                           ("valid", (host.val_dataloader(), resident.val_dataloader()))):
        a, b = loaders
        assert isinstance(b, ResidentBatches) and len(a) == len(b) > 1
        for epoch in (0, 1):
            a.sampler.set_epoch(epoch)
            b.sampler.set_epoch(epoch)
            pairs = list(zip(a, b, strict=True))
            assert all(torch.equal(xa, xb) and torch.equal(ya, yb) for (xa, ya), (xb, yb) in pairs), split
        assert next(iter(b))[1].shape == (8,)
    # the resident copies are separate: the host tensors (used for predictions) stay where they were
    assert resident.datasets["train"].tensors[0].device.type == "cpu"


def test_training_on_resident_batches_gives_the_same_model(sequences):
    """One Lightning epoch over resident batches trains exactly the model the DataLoader path trains."""
    import lightning as L

    from deepmotif.models.module import SequenceClassifier
    from deepmotif.models.nets import net_kwargs

    weights, initial = [], []
    for device in (None, "cpu"):
        L.seed_everything(0, verbose=False)
        data = SequenceDataModule(str(sequences), batch_size=8, seed=0, device=device)
        model = SequenceClassifier("cnn", net_kwargs("cnn", "small"), lr=1e-3)
        initial.append({k: v.clone() for k, v in model.state_dict().items()})
        trainer = L.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                            deterministic=True)
        trainer.fit(model, datamodule=data)
        weights.append({k: v.clone() for k, v in model.state_dict().items()})
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert all(torch.equal(initial[0][k], initial[1][k]) for k in initial[0])  # same start
    assert any(not torch.equal(weights[0][k], initial[0][k]) for k in weights[0])  # and it trained
