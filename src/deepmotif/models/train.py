"""Training one architecture on one TF's dataset, with validation-based model selection.

A run keeps ``checkpoints/last.ckpt`` (written atomically after every epoch) in its output folder;
a run started again with the same data and parameters (a Snakemake rerun after a kill or a failed
job) resumes from it instead of starting over, and continues the same batch order and random
stream, so the resumed model is the one an uninterrupted run would have produced (on CPU).
"""

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

from deepmotif.data.io import atomic_path, file_digest
from deepmotif.data.tables import write_table
from deepmotif.errors import InputError
from deepmotif.models.checkpoint import UnsafeCheckpoint, load_checkpoint
from deepmotif.plan.config import check_training_params, training_defaults

log = logging.getLogger(__name__)

# Training parameters every architecture starts from: `training.default` of the config schema (the one
# home of the defaults; each key is described there).
DEFAULTS: dict[str, Any] = training_defaults()
HISTORY_COLUMNS = ("epoch", "step", "train_loss", "valid_loss", "valid_auroc", "valid_auprc", "lr",
                   "seconds")
RUN_FILE = "run.json"  # beside last.ckpt: what the checkpoints were trained on


def resolve_precision(precision: str) -> str:
    """``auto`` → ``bf16-mixed`` where bf16 arithmetic is native, else ``32-true``; others unchanged.

    Native: a CUDA GPU that supports bf16 (training runs there when torch sees one), or else a CPU with
    AVX512-BF16 or AMX instructions (:func:`cpu_has_native_bf16`). On such a CPU, bf16 autocast cuts a
    convolutional network's training CPU time per epoch by a quarter to a half (benchmarks/README.md,
    "Default run: training CPU"); elsewhere bf16 is emulated and slower than float32.
    """
    import torch

    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "32-true"
    return "bf16-mixed" if cpu_has_native_bf16() else "32-true"


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes in bf16 natively (x86 AVX512-BF16 or AMX), as torch's oneDNN kernels use it."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def file_md5(path: str | os.PathLike) -> str:
    """MD5 hex digest of a file (the training data's identity in ``checkpoints/run.json``)."""
    return file_digest(path, "md5")


def _history_callback():
    """:class:`EpochHistory`, defined on first use so that importing this module stays light."""
    import torch
    from lightning.pytorch.callbacks import Callback

    class EpochHistory(Callback):
        """One row per epoch (:data:`HISTORY_COLUMNS`), logged as a plain line and kept in checkpoints.

        Its state, saved in every checkpoint, holds the rows so far and torch's random state at
        saving time; loading it on resume restores both, so the resumed run's history is complete
        and its dropout and augmentation draws are the uninterrupted run's.
        """

        def __init__(self) -> None:
            self.rows: list[dict[str, float]] = []
            self._loss_sum: Any = 0.0
            self._n = 0
            self._start = time.perf_counter()
            self._lr = float("nan")

        def on_train_epoch_start(self, trainer, pl_module) -> None:  # noqa: D102
            self._loss_sum, self._n, self._start = 0.0, 0, time.perf_counter()
            self._lr = trainer.optimizers[0].param_groups[0]["lr"]  # the scheduler may step before validation

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # noqa: D102
            n = len(batch[1])
            self._loss_sum = self._loss_sum + outputs["loss"].detach().float() * n  # on its device: no sync
            self._n += n

        def on_validation_end(self, trainer, pl_module) -> None:  # noqa: D102
            if trainer.sanity_checking:
                return
            metrics = trainer.callback_metrics
            row = {"epoch": trainer.current_epoch, "step": trainer.global_step,
                   "train_loss": float(self._loss_sum) / max(self._n, 1),
                   **{k: float(metrics[k]) for k in ("valid_loss", "valid_auroc", "valid_auprc")
                      if k in metrics},
                   "lr": self._lr,
                   "seconds": round(time.perf_counter() - self._start, 3)}
            self.rows.append(row)
            log.info("epoch %d: train loss %.4f, valid loss %.4f, valid AUROC %.4f (%.1f s)", row["epoch"],
                     row["train_loss"], row.get("valid_loss", float("nan")),
                     row.get("valid_auroc", float("nan")), row["seconds"])

        def state_dict(self) -> dict[str, Any]:  # noqa: D102
            state = {"rows": list(self.rows), "torch_rng": torch.get_rng_state()}
            if torch.cuda.is_available():
                state["cuda_rng"] = torch.cuda.get_rng_state_all()
            return state

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:  # noqa: D102
            self.rows = list(state_dict["rows"])
            torch.set_rng_state(state_dict["torch_rng"])
            if "cuda_rng" in state_dict and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state_dict["cuda_rng"])

    return EpochHistory()


def _prepare_checkpoints(ckpt_dir: Path, run: dict[str, Any]) -> tuple[Path | None, int]:
    """``(ckpt_dir/last.ckpt, epochs it holds)`` if it belongs to ``run`` (same data and parameters)
    and loads; else empty ``ckpt_dir``, record ``run`` in it and return ``(None, 0)``.

    Both checkpoints are read as data (:func:`~deepmotif.models.checkpoint.load_checkpoint`) before
    Lightning reads them; one whose pickle would run code raises
    :class:`~deepmotif.models.checkpoint.UnsafeCheckpoint` and is left where it is, for inspection.
    """
    last, run_file = ckpt_dir / "last.ckpt", ckpt_dir / RUN_FILE
    run = json.loads(json.dumps(run))  # tuples → lists, as read back
    if last.exists():
        if not run_file.exists() or json.loads(run_file.read_text()) != run:
            log.info("%s was trained on other data or parameters; starting from scratch", last)
        elif not (ckpt_dir / "best.ckpt").exists():  # written before last.ckpt, removed after it
            log.warning("%s has no best.ckpt beside it; starting from scratch", last)
        else:
            try:
                epoch = int(load_checkpoint(last)["epoch"])
                load_checkpoint(ckpt_dir / "best.ckpt")  # Lightning reads it at the end: data only too
            except UnsafeCheckpoint:
                raise
            except (InputError, KeyError, TypeError, ValueError) as err:  # unreadable: start over
                log.warning("%s is unreadable (%s); starting from scratch", last, err)
            else:
                log.info("resuming from %s: %d epoch(s) done", last, epoch + 1)
                return last, epoch + 1
    if ckpt_dir.exists():
        shutil.rmtree(ckpt_dir)
    ckpt_dir.mkdir(parents=True)
    with atomic_path(run_file) as tmp:
        tmp.write_text(json.dumps(run, indent=2))
    return None, 0


def train_model(
    sequences: str | os.PathLike,
    arch: str,
    out_dir: str | os.PathLike,
    params: dict[str, Any] | None = None,
    threads: int = 1,
    tf: str = "",
    gpus: int = 0,
) -> dict[str, Any]:
    """Train ``arch`` on ``sequences``; keep the epoch with the best validation AUROC; test it.

    Writes into ``out_dir``: ``model.ckpt`` (best epoch), ``metrics.json``, ``predictions.tsv``
    (test split: ``id label prob``), ``training.csv`` (one row per epoch, :data:`HISTORY_COLUMNS`)
    and ``params.json`` (the parameters with the network's resolved keyword arguments). While it runs,
    ``checkpoints/`` holds ``last.ckpt`` and ``best.ckpt``; a run started again with the same
    sequences and parameters resumes from ``last.ckpt``. The folder is removed after success.

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
    tf: str, optional
        TF name recorded in ``metrics.json``. Default "".
    gpus: int, optional
        GPUs the job was given. > 0: train on them, and stop at once (:mod:`deepmotif.models.device`)
        when torch cannot see them; 0: any accelerator torch finds. Default 0.

    Returns
    -------
    dict
        The metrics written to ``metrics.json``.
    """
    from deepmotif.models.device import require_gpus

    require_gpus(gpus)  # before importing Lightning and reading data: fails in seconds
    from deepmotif.models.nets import count_parameters, net_kwargs

    check_training_params(params or {}, f"training parameters of {arch!r}")  # before any work
    p = {**DEFAULTS, **(params or {})}
    try:
        p["net"] = net_kwargs(arch, p.pop("preset"), p["net"])
    except ValueError as err:
        raise InputError(f"config training.{arch} (preset / net): {err}") from None
    p["precision"] = resolve_precision(p["precision"])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out_dir / "checkpoints"
    run = {"arch": arch, "params": p, "sequences_md5": file_md5(sequences)}
    resume, epochs_done = _prepare_checkpoints(ckpt_dir, run)  # before Lightning: a refusal takes seconds

    import lightning as L
    import torch
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    from deepmotif.models.datamodule import SequenceDataModule
    from deepmotif.models.metrics import auprc, auroc
    from deepmotif.models.module import SequenceClassifier
    from deepmotif.models.inference import predict_proba

    from deepmotif.runtime.threads import set_threads

    set_threads(threads)
    for noisy in ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda",
                  "lightning.fabric.utilities.seed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    warnings.filterwarnings("ignore", ".*LeafSpec.*")
    warnings.filterwarnings("ignore", ".*Checkpoint directory .* exists and is not empty.*")  # run.json
    warnings.filterwarnings("ignore", ".*The `srun` command is available.*")

    L.seed_everything(p["seed"], workers=True, verbose=False)
    data = SequenceDataModule(str(sequences), batch_size=p["batch_size"], seed=p["seed"],
                              device="cuda" if gpus else None)  # on a GPU: the whole set resident there
    data.setup()
    model = SequenceClassifier(arch, p["net"], lr=p["lr"], lr_halve_every=p["lr_halve_every"],
                               weight_decay=p["weight_decay"], rc_augment=p["rc_augment"],
                               input_length=int(data.datasets["train"].tensors[0].shape[-1]))
    checkpoint = ModelCheckpoint(dirpath=ckpt_dir, filename="best", monitor="valid_auroc", mode="max",
                                 save_last=True)
    history = _history_callback()
    trainer = L.Trainer(
        max_epochs=p["max_epochs"],
        accelerator="gpu" if gpus else "auto",
        devices=1,
        precision=p["precision"],
        gradient_clip_val=p["grad_clip"] or None,
        callbacks=[history, EarlyStopping("valid_auroc", mode="max", patience=p["patience"]), checkpoint],
        logger=False,
        enable_progress_bar=sys.stderr.isatty(),
        enable_model_summary=False,
        # CUDA has no deterministic kernel for some backward passes: warn there instead of failing
        deterministic=True if not torch.cuda.is_available() else "warn",
        num_sanity_val_steps=0,
    )
    start = time.perf_counter()
    # weights_only: checked above already; said again so that no environment setting
    # (TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD) or Lightning default can turn the check off
    trainer.fit(model, datamodule=data, ckpt_path=str(resume) if resume else None, weights_only=True)
    seconds = time.perf_counter() - start
    if not checkpoint.best_model_path:
        raise RuntimeError(f"{arch}: no checkpoint was written (no validation sequences?)")

    best = SequenceClassifier.load_from_checkpoint(checkpoint.best_model_path, map_location="cpu",
                                                   weights_only=True)
    test = data.tables["test"]
    prob = predict_proba(best.net, data.datasets["test"].tensors[0])
    valid_prob = predict_proba(best.net, data.datasets["valid"].tensors[0])
    rows = pd.DataFrame(history.rows, columns=list(HISTORY_COLUMNS))
    n_train = len(data.datasets["train"])
    metrics = {
        "tf": tf, "arch": arch,
        "test_auroc": auroc(test["label"], prob), "test_auprc": auprc(test["label"], prob),
        "valid_auroc": auroc(data.tables["valid"]["label"], valid_prob),
        "n_train": n_train, "n_valid": len(data.datasets["valid"]),
        "n_test": len(test), "epochs": len(rows),
        "best_epoch": int(rows.loc[rows["valid_auroc"].idxmax(), "epoch"]) if len(rows) else None,
        "resumed_after_epochs": epochs_done,
        "seconds": round(seconds, 2),
        "train_seconds": round(float(rows["seconds"].sum()), 2),
        "train_sequences_per_second": round(n_train * len(rows) / max(float(rows["seconds"].sum()), 1e-9), 1),
        "n_parameters": count_parameters(best.net),
        "accelerator": type(trainer.accelerator).__name__, "precision": p["precision"], "threads": threads,
    }
    write_table(pd.DataFrame({"id": test["id"], "label": test["label"], "prob": prob}), out_dir / "predictions.tsv",
                float_format="%.6g")
    write_table(rows, out_dir / "training.csv", float_format="%.6g", sep=",")
    with atomic_path(out_dir / "params.json") as tmp:
        tmp.write_text(json.dumps({"arch": arch, **p}, indent=2))
    with atomic_path(out_dir / "model.ckpt") as tmp:
        shutil.copy(checkpoint.best_model_path, tmp)
    with atomic_path(out_dir / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=2))
    (ckpt_dir / "last.ckpt").unlink()  # first: a kill during the clean-up cannot leave a resumable half
    shutil.rmtree(ckpt_dir)
    log.info("%s %s: test AUROC %.4f, AUPRC %.4f after %d epochs, best %s (%.1f s)", tf, arch,
             metrics["test_auroc"], metrics["test_auprc"], metrics["epochs"], metrics["best_epoch"], seconds)
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
