"""Training and inference speed, Lightning overhead, bf16 vs fp32 and peak memory, per architecture, CPU.

Each architecture is measured in a fresh worker process (so its peak RSS is its own) on random
101-bp one-hot sequences (speed does not depend on their content). Four training loops run in rotating
order, ``--rounds`` times ``--epochs`` epochs each, on the same model, data loader and batch size:

- ``plain``: a plain PyTorch loop (Adam, BCE, gradient-norm clipping at 5), fp32; ``plain_bf16``: the
  same under bf16 autocast;
- ``lightning_minimal``: ``L.Trainer`` with logging, progress bar, checkpointing, validation and model
  summary off and ``self.log`` a no-op;
- ``lightning_as_trained``: as ``deepmotif train`` runs it (``self.log`` of the loss every step, the
  epoch-history callback, deterministic algorithms), still without validation and checkpoints.

Each step is timed from one batch to the next (batch loading, forward, backward, clipping, update and,
for Lightning, all its per-step hooks), in wall time and in CPU time of the process (all threads, no
waiting). Speeds are batch size / median wall step; overheads and bf16 speed-ups are computed from the
median CPU step, which other jobs on a shared machine barely move (wall-time ones are given too, as
are the best whole rounds including each fit's set-up).
``inference``: sequences/s of :func:`deepmotif.models.module.predict_proba` (batch 1024), fp32 and bf16
autocast, best of the rounds. ``peak_rss_mb``: the worker's peak resident memory (torch, the one-hot
data, models, optimizer states); ``baseline_rss_mb`` after importing torch.

Run (about 15 minutes on 2 cores; other jobs on the machine skew it, the load average is recorded)::

    python benchmarks/throughput.py --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
# (name, arch, net keyword arguments, batch size): the config's settings, plus the faithful mean-pooled RNN
CASES = {
    "cnn": ("cnn", {}, 256),
    "rnn": ("rnn", {"pool": "max", "dropout": 0.2}, 32),
    "rnn_mean_b256": ("rnn", {"pool": "mean"}, 256),
    "cnn_rnn": ("cnn_rnn", {}, 256),
    "dilated_cnn": ("dilated_cnn", {}, 256),
}


def rss_mb() -> float:
    """Peak resident set size of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(n: int, length: int = 101, seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    X = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float().contiguous()
    y = torch.randint(0, 2, (n,), generator=g).float()
    return X, y


def loader(X, y, batch_size: int):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from deepmotif.models.datamodule import BatchIndices

    return DataLoader(TensorDataset(X, y), sampler=BatchIndices(len(X), batch_size, shuffle=True),
                      batch_size=None, generator=torch.Generator().manual_seed(0))


def clocks() -> tuple[float, float]:
    """(wall, CPU) seconds; the CPU time of the process counts all its threads and no waiting."""
    return time.perf_counter(), time.process_time()


def plain_loop(model, data, epochs: int, bf16: bool = False) -> tuple[float, list[tuple[float, float]]]:
    """Wall seconds of ``epochs`` of Adam on ``model`` (no validation), and the (wall, CPU) intervals
    between consecutive steps within an epoch (batch loading + forward + backward + clipping + update)."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    steps: list[tuple[float, float]] = []
    start = time.perf_counter()
    for epoch in range(epochs):
        data.sampler.set_epoch(epoch)
        last = None
        for X, y in data:
            now = clocks()
            if last is not None:
                steps.append((now[0] - last[0], now[1] - last[1]))
            last = now
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = loss_fn(model(X).float(), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
    return time.perf_counter() - start, steps


def _step_timer():
    from lightning.pytorch.callbacks import Callback

    class StepTimer(Callback):
        """(wall, CPU) intervals between consecutive ``on_train_batch_start`` calls within an epoch."""

        def __init__(self) -> None:
            self.steps: list[tuple[float, float]] = []
            self.last: tuple[float, float] | None = None

        def on_train_epoch_start(self, trainer, pl_module) -> None:
            self.last = None

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
            now = clocks()
            if self.last is not None:
                self.steps.append((now[0] - self.last[0], now[1] - self.last[1]))
            self.last = now

    return StepTimer()


def lightning_loop(model, data, epochs: int, as_trained: bool) -> tuple[float, list[tuple[float, float]]]:
    """Wall seconds of ``trainer.fit`` for ``epochs`` epochs on ``data`` (no validation), and the
    (wall, CPU) intervals between consecutive steps within an epoch (all Lightning does per step)."""
    import lightning as L

    from deepmotif.models.train import _history_callback

    timer = _step_timer()
    trainer = L.Trainer(
        max_epochs=epochs, accelerator="cpu", devices=1, precision="32-true", gradient_clip_val=5.0,
        logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, num_sanity_val_steps=0, deterministic=as_trained,
        callbacks=[timer, *([_history_callback()] if as_trained else [])],
    )
    start = time.perf_counter()
    trainer.fit(model, train_dataloaders=data)
    return time.perf_counter() - start, timer.steps


def worker(name: str, n: int, epochs: int, rounds: int, threads: int) -> dict:
    """All measurements of one case, in this process."""
    import logging
    import warnings

    import torch

    from deepmotif.models.module import SequenceClassifier, predict_proba

    torch.set_num_threads(threads)
    for noisy in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.seed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    baseline = rss_mb()
    arch, kwargs, batch_size = CASES[name]

    class Quiet(SequenceClassifier):
        def log(self, *args, **kwargs):  # no per-step logging: the minimal Lightning loop
            pass

    def model(quiet: bool = False):
        torch.manual_seed(0)
        return (Quiet if quiet else SequenceClassifier)(arch, kwargs, lr=1e-3, lr_halve_every=0)

    X, y = make_data(n)
    data = loader(X, y, batch_size)
    plain_loop(model(), loader(X[:batch_size * 4], y[:batch_size * 4], batch_size), 1)  # warm-up
    runs = {
        "plain": lambda: plain_loop(model(), data, epochs),
        "lightning_minimal": lambda: lightning_loop(model(quiet=True), data, epochs, False),
        "lightning_as_trained": lambda: lightning_loop(model(), data, epochs, True),
        "plain_bf16": lambda: plain_loop(model(), data, epochs, bf16=True),
    }
    totals: dict[str, list[float]] = {k: [] for k in runs}
    steps: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    names = list(runs)
    for r in range(rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:  # rotate: no variant always first
            total, intervals = runs[k]()
            totals[k].append(total)
            steps[k].extend(intervals)
    step = {k: statistics.median(w for w, _ in v) for k, v in steps.items()}  # robust to load bursts
    cpu = {k: statistics.median(c for _, c in v) for k, v in steps.items()}  # robust to steady load
    net = model().net
    infer = {}
    for precision in ("fp32", "bf16"):
        times = []
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            predict_proba(net, X[:2048], batch_size=1024)  # warm-up
            for _ in range(rounds):
                start = time.perf_counter()
                predict_proba(net, X, batch_size=1024)
                times.append(time.perf_counter() - start)
        infer[precision] = round(n / min(times), 1)
    return {
        "case": name, "arch": arch, "net": kwargs, "batch_size": batch_size, "threads": threads,
        "n_sequences": n, "epochs_per_round": epochs, "rounds": rounds,
        "n_parameters": sum(p.numel() for p in net.parameters()),
        "median_step_ms": {k: round(1000 * v, 3) for k, v in step.items()},
        "median_step_cpu_ms": {k: round(1000 * v, 3) for k, v in cpu.items()},
        "train_seq_per_s": {k: round(batch_size / v, 1) for k, v in step.items()},
        "train_seq_per_s_best_round": {k: round(n * epochs / min(v), 1) for k, v in totals.items()},
        "lightning_overhead_pct": {  # CPU time per step (primary), wall per step, best whole rounds
            "minimal": round(100 * (cpu["lightning_minimal"] / cpu["plain"] - 1), 2),
            "as_trained": round(100 * (cpu["lightning_as_trained"] / cpu["plain"] - 1), 2),
            "minimal_wall": round(100 * (step["lightning_minimal"] / step["plain"] - 1), 2),
            "as_trained_wall": round(100 * (step["lightning_as_trained"] / step["plain"] - 1), 2),
            "minimal_best_round": round(100 * (min(totals["lightning_minimal"]) / min(totals["plain"]) - 1), 2),
            "as_trained_best_round": round(100 * (min(totals["lightning_as_trained"]) / min(totals["plain"]) - 1), 2)},
        "bf16_speedup_train": round(step["plain"] / step["plain_bf16"], 3),
        "bf16_speedup_train_cpu": round(cpu["plain"] / cpu["plain_bf16"], 3),
        "round_seconds": {k: [round(t, 3) for t in v] for k, v in totals.items()},
        "inference_seq_per_s": infer,
        "bf16_speedup_inference": round(infer["bf16"] / infer["fp32"], 3),
        "baseline_rss_mb": round(baseline, 1), "peak_rss_mb": round(rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=8192, help="sequences per epoch")
    p.add_argument("--epochs", type=int, default=2, help="epochs per timed round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks/results/throughput.json")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.epochs, args.rounds, args.threads)))
        return
    import torch

    results = []
    load_before = os.getloadavg()
    for name in args.cases.split(","):
        out = subprocess.run([sys.executable, __file__, "--worker", name, "--threads", str(args.threads),
                              "--n", str(args.n), "--epochs", str(args.epochs), "--rounds", str(args.rounds)],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        o = r["lightning_overhead_pct"]
        print(f"{name:14s} train {r['train_seq_per_s']['plain']:6.0f}/s (bf16 {r['bf16_speedup_train_cpu']:.2f}x) "
              f"lightning CPU {o['minimal']:+.1f}% / {o['as_trained']:+.1f}% (wall {o['minimal_wall']:+.1f}% / "
              f"{o['as_trained_wall']:+.1f}%) infer {r['inference_seq_per_s']['fp32']:6.0f}/s "
              f"(bf16 {r['bf16_speedup_inference']:.2f}x) peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    report = {
        "benchmark": "throughput", "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.node()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "torch": torch.__version__, "python": platform.python_version(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
