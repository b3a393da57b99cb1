"""Training one architecture on one TF's dataset, with validation-based model selection."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from deepmotif.io import atomic_path

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "lr": 1e-2,               # Adam, the authors'
    "lr_halve_every": 10,     # epochs; 0 keeps the learning rate constant
    "batch_size": 256,
    "max_epochs": 50,
    "patience": 10,           # early stopping on validation AUROC
    "grad_clip": 5.0,
    "weight_decay": 0.0,
    "rc_augment": False,
    "precision": "32-true",
    "seed": 0,
    "net": {},                # keyword arguments of the architecture
}


def train_model(
    sequences: str | os.PathLike,
    arch: str,
    out_dir: str | os.PathLike,
    params: dict[str, Any] | None = None,
    threads: int = 1,
    tf: str = "",
) -> dict[str, Any]:
    """Train ``arch`` on ``sequences``; keep the epoch with the best validation AUROC; test it.

    Writes into ``out_dir``: ``model.ckpt`` (best epoch), ``metrics.json``, ``predictions.tsv``
    (test split: ``id label prob``), ``training.csv`` (per-epoch metrics), ``params.json``, and
    ``checkpoints/last.ckpt`` from which a killed run resumes.

    Parameters
    ----------
    sequences: path
        ``sequences.tsv`` with columns ``id seq label split``.
    arch: str
        Registered architecture name.
    out_dir: path
        Output folder.
    params: dict, optional
        Overrides of :data:`DEFAULTS`.
    threads: int, optional
        CPU threads for torch. Default 1.

    Returns
    -------
    dict
        The metrics written to ``metrics.json``.
    """
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    from deepmotif.models.datamodule import SequenceDataModule
    from deepmotif.models.module import SequenceClassifier, predict_proba
    from deepmotif.models.metrics import auprc, auroc

    p = {**DEFAULTS, **(params or {})}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(threads)
    L.seed_everything(p["seed"], workers=True, verbose=False)
    for noisy in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda",
                  "lightning.fabric.utilities.seed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    warnings.filterwarnings("ignore", ".*LeafSpec.*")

    data = SequenceDataModule(str(sequences), batch_size=p["batch_size"], seed=p["seed"])
    data.setup()
    model = SequenceClassifier(arch, p["net"], lr=p["lr"], lr_halve_every=p["lr_halve_every"],
                               weight_decay=p["weight_decay"], rc_augment=p["rc_augment"])
    ckpt_dir = out_dir / "checkpoints"
    checkpoint = ModelCheckpoint(dirpath=ckpt_dir, filename="best", monitor="valid_auroc", mode="max",
                                 save_last=True)
    trainer = L.Trainer(
        max_epochs=p["max_epochs"],
        accelerator="auto",
        devices=1,
        precision=p["precision"],
        gradient_clip_val=p["grad_clip"] or None,
        callbacks=[checkpoint, EarlyStopping("valid_auroc", mode="max", patience=p["patience"])],
        logger=CSVLogger(out_dir, name="", version="lightning_logs"),
        enable_progress_bar=sys.stderr.isatty(),
        enable_model_summary=False,
        deterministic=True,
        num_sanity_val_steps=0,
    )
    last = ckpt_dir / "last.ckpt"
    resume = str(last) if last.exists() else None
    if resume:
        log.info("resuming from %s", resume)
    start = time.perf_counter()
    trainer.fit(model, datamodule=data, ckpt_path=resume)
    seconds = time.perf_counter() - start

    best = SequenceClassifier.load_from_checkpoint(checkpoint.best_model_path, map_location="cpu")
    test = data.tables["test"]
    prob = predict_proba(best.net, data.datasets["test"].tensors[0])
    valid_prob = predict_proba(best.net, data.datasets["valid"].tensors[0])
    history = pd.read_csv(out_dir / "lightning_logs" / "metrics.csv")
    epochs = history.groupby("epoch").first()
    metrics = {
        "tf": tf, "arch": arch,
        "test_auroc": auroc(test["label"], prob), "test_auprc": auprc(test["label"], prob),
        "valid_auroc": auroc(data.tables["valid"]["label"], valid_prob),
        "n_train": len(data.datasets["train"]), "n_valid": len(data.datasets["valid"]),
        "n_test": len(test), "epochs": int(trainer.current_epoch),
        "best_epoch": int(epochs["valid_auroc"].idxmax()) if "valid_auroc" in epochs else None,
        "seconds": round(seconds, 2),
        "n_parameters": sum(x.numel() for x in best.net.parameters()),
        "accelerator": type(trainer.accelerator).__name__, "threads": threads,
    }
    with atomic_path(out_dir / "predictions.tsv") as tmp:
        pd.DataFrame({"id": test["id"], "label": test["label"], "prob": prob}).to_csv(
            tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(out_dir / "training.csv") as tmp:
        shutil.copy(out_dir / "lightning_logs" / "metrics.csv", tmp)
    with atomic_path(out_dir / "params.json") as tmp:
        tmp.write_text(json.dumps({"arch": arch, **p}, indent=2))
    with atomic_path(out_dir / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=2))
    with atomic_path(out_dir / "model.ckpt") as tmp:
        shutil.copy(checkpoint.best_model_path, tmp)
    log.info("%s %s: test AUROC %.4f, AUPRC %.4f after %d epochs (%.1f s)", tf, arch,
             metrics["test_auroc"], metrics["test_auprc"], metrics["epochs"], seconds)
    return metrics


def summarize_metrics(paths: list[str | os.PathLike]) -> pd.DataFrame:
    """The paper's table: test AUROC/AUPRC per TF × architecture, then mean and median per architecture.

    Returns
    -------
    pandas.DataFrame
        Columns ``tf arch test_auroc test_auprc``; summary rows have ``tf`` = ``mean`` / ``median``.
    """
    rows = [json.loads(Path(p).read_text()) for p in paths]
    table = pd.DataFrame(rows, columns=None)[["tf", "arch", "test_auroc", "test_auprc"]]
    stats = []
    for stat in ("mean", "median"):
        agg = table.groupby("arch", sort=False)[["test_auroc", "test_auprc"]].agg(stat).reset_index()
        agg.insert(0, "tf", stat)
        stats.append(agg)
    return pd.concat([table, *stats], ignore_index=True)
