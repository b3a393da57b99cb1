"""The device a training job runs on: a job that asked for GPUs gets one, or stops at once.

A Slurm job that requested a GPU (``sbatch --gpus=1``) but runs with a torch that cannot use it (a
CPU build of torch, a driver older than torch's CUDA, a GPU allocated through ``--gres`` to a CPU
environment) would otherwise train on the CPU for hours while holding the GPU. :func:`require_gpus`
checks before any data is read and says what it saw and what to fix.
"""

from __future__ import annotations

import os
import socket

from deepmotif.errors import InputError


class GPUUnavailableError(InputError):
    """Training was asked to use GPUs that torch cannot see."""


def cuda_report() -> dict[str, object]:
    """What torch sees of CUDA on this host.

    Returns
    -------
    dict
        ``host``, ``torch`` (version), ``torch_cuda`` (CUDA version torch was built with, None for a
        CPU build), ``cuda_available``, ``device_count``, ``CUDA_VISIBLE_DEVICES`` (None if unset).
    """
    import torch

    available = bool(torch.cuda.is_available())
    return {
        "host": socket.gethostname(),
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cuda_available": available,
        "device_count": torch.cuda.device_count() if available else 0,
        "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }


def _fix(report: dict[str, object]) -> str:
    if report["torch_cuda"] is None:
        return ("this torch is a CPU build: run the workflow with `--sdm conda` (train_model then uses "
                "envs/deepmotif-cuda.yaml) or install a CUDA build of torch in the job's environment")
    if report["CUDA_VISIBLE_DEVICES"] in (None, ""):
        return ("no GPU is allocated to this job: request one (the Slurm profile asks for "
                "resources.train.gpu GPUs; check the partition has GPU nodes)")
    return ("the GPU is allocated but CUDA does not start: check `nvidia-smi` on this node and that the "
            "driver supports CUDA " f"{report['torch_cuda']} (torch's build), or pick another GPU type")


def require_gpus(n: int, report: dict[str, object] | None = None) -> dict[str, object]:
    """Check that torch sees at least ``n`` CUDA devices; raise before any training if not.

    Parameters
    ----------
    n: int
        GPUs the job asked for; 0 means CPU (nothing is checked).
    report: dict, optional
        What was seen (:func:`cuda_report`'s keys); default: look now.

    Returns
    -------
    dict
        :func:`cuda_report` of this host.

    Raises
    ------
    GPUUnavailableError
        ``n > 0`` and fewer than ``n`` devices are usable; the message names the torch build,
        ``torch.cuda.is_available()``, ``CUDA_VISIBLE_DEVICES``, the host and the fix.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    report = cuda_report() if report is None else report
    if n == 0 or report["device_count"] >= n:
        return report
    raise GPUUnavailableError(
        f"asked for {n} GPU(s) but torch sees {report['device_count']} on host {report['host']}: "
        f"torch {report['torch']} (torch.version.cuda={report['torch_cuda']}), "
        f"torch.cuda.is_available()={report['cuda_available']}, "
        f"CUDA_VISIBLE_DEVICES={report['CUDA_VISIBLE_DEVICES']!r}. Not training on the CPU instead. "
        f"Fix: {_fix(report)}; or switch GPUs off (config resources.train.gpu: 0)"
    )


def check_device(text: str) -> str:
    """``text`` if torch can run on that device here (``cpu``, ``cuda``, ``cuda:N``, ``mps``).

    Raises
    ------
    ValueError
        Not a device name, or a CUDA/MPS device this host (or this build of torch) does not have;
        one line with the fix.
    """
    import torch

    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise ValueError(f"{text!r} is not a device; use cpu, cuda or cuda:N (a GPU), or mps (Apple)") from None
    if device.type == "cuda":
        report = cuda_report()
        if not report["cuda_available"]:
            raise ValueError(f"{text}: torch sees no CUDA device on {report['host']}; {_fix(report)}, or use "
                             "--device cpu")
        if device.index is not None and device.index >= int(report["device_count"]):
            raise ValueError(f"{text}: no CUDA device {device.index}; torch sees {report['device_count']} "
                             f"(cuda:0 to cuda:{int(report['device_count']) - 1})")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{text}: torch sees no Apple MPS device; use --device cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{text}: deepmotif runs on cpu, cuda or mps, not {device.type}")
    return text
