"""Training and inference speed, Lightning overhead, bf16 vs fp32 and peak memory, per architecture, CPU.

Each architecture is measured in a fresh worker process (so its peak RSS is its own) on random
101-bp one-hot sequences (speed does not depend on their content), with the model, data loader
(``BatchIndices``, as ``deepmotif train``) and batch size the config uses. The machine is shared with
other jobs, so every comparison is **paired step by step**, and medians are taken:

- training speed and bf16: twin models take alternating fp32 and bf16-autocast steps (forward, BCE,
  backward, gradient-norm clipping at 5, Adam) on the same batches; the bf16 speed-up is the ratio of
  their median steps; sequences/s = batch size / median fp32 step, from the least disturbed of the three
  phases with plain fp32 steps (this one and the two Lightning comparisons);
- Lightning overhead: ``trainer.fit`` trains one model while a callback, at every step, runs one plain
  step (batch fetch included) of a twin model; Lightning's step is the time from the end of one plain
  step to the start of the next (batch fetch, hooks, ``training_step``, backward, clipping, optimizer).
  ``minimal``: logger, progress bar, checkpointing, validation and model summary off; ``as_trained``:
  plus what ``deepmotif train`` adds (the epoch-history callback, deterministic algorithms). Per-fit
  set-up (well under a second) is not included;
- inference: sequences/s of the network in eval mode under ``no_grad`` (what
  :func:`deepmotif.models.inference.predict_logits` runs), batches of 1024 alternating fp32 and bf16
  autocast, median batch;
- ``peak_rss_mb``: the worker's peak resident memory (torch, the one-hot data, three models and their
  optimizer states); ``baseline_rss_mb`` after importing torch.

Wall and CPU time (all threads of the process, no waiting) are both recorded.

Run (about 30 minutes on 2 busy cores; the load average is recorded)::

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
# (name, arch, net keyword arguments, batch size): config/config.yaml's settings, and the authors'
# (config/authors_training.yaml: batch 256, mean-pooled biLSTMs) as *_authors
CASES = {
    "cnn": ("cnn", {}, 64),
    "cnn_authors": ("cnn", {}, 256),
    "rnn": ("rnn", {"pool": "max", "dropout": 0.2}, 32),
    "rnn_authors": ("rnn", {"pool": "mean"}, 256),
    "cnn_rnn": ("cnn_rnn", {}, 64),
    "cnn_rnn_authors": ("cnn_rnn", {}, 256),
    "dilated_cnn": ("dilated_cnn", {}, 64),
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


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clocks()
    return now[0] - start[0], now[1] - start[1]


def train_step(model, opt, X, y, bf16: bool = False) -> None:
    """One plain PyTorch step: forward, BCE, backward, gradient-norm clipping at 5, Adam update."""
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X).float(), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()


def paired_plain(make_model, data, epochs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of fp32 and bf16-autocast steps of two twin models, alternating step by
    step on the same batches (load changes hit both alike)."""
    import torch

    models = {"fp32": make_model(), "bf16": make_model()}
    opts = {k: torch.optim.Adam(m.parameters(), lr=1e-3) for k, m in models.items()}
    times: dict[str, list[tuple[float, float]]] = {"fp32": [], "bf16": []}
    for epoch in range(epochs):
        data.sampler.set_epoch(epoch)
        for i, (X, y) in enumerate(data):
            for k in (("fp32", "bf16") if i % 2 else ("bf16", "fp32")):
                start = clocks()
                train_step(models[k], opts[k], X, y, bf16=k == "bf16")
                times[k].append(since(start))
    return times


def paired_lightning(make_model, data, epochs: int, as_trained: bool) -> dict[str, list[tuple[float, float]]]:
    """Lightning's steps and plain steps, interleaved: ``trainer.fit`` trains one model; at every
    ``on_train_batch_start`` a callback runs one plain step (batch fetch included) of a twin model.

    ``lightning``: (wall, CPU) from the end of one plain step to the start of the next, i.e. all that
    Lightning does for one step (fetch, hooks, training_step, backward, clipping, optimizer); ``plain``:
    the plain steps. ``as_trained`` adds what ``deepmotif train`` adds (epoch-history callback,
    deterministic algorithms); validation, checkpoints, logger and progress bar are off in both.
    """
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import Callback

    from deepmotif.models.train import _history_callback

    twin = make_model()
    opt = torch.optim.Adam(twin.parameters(), lr=1e-3)
    plain_data = loader(*data.dataset.tensors, data.sampler.batch_size)

    class Pair(Callback):
        def __init__(self) -> None:
            self.times: dict[str, list[tuple[float, float]]] = {"lightning": [], "plain": []}
            self.last: tuple[float, float] | None = None
            self.batches = None

        def on_train_epoch_start(self, trainer, pl_module) -> None:
            plain_data.sampler.set_epoch(trainer.current_epoch)
            self.batches, self.last = iter(plain_data), None

        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
            start = clocks()
            if self.last is not None:
                self.times["lightning"].append((start[0] - self.last[0], start[1] - self.last[1]))
            X, y = next(self.batches)
            train_step(twin, opt, X, y)
            self.times["plain"].append(since(start))
            self.last = clocks()

    pair = Pair()
    trainer = L.Trainer(
        max_epochs=epochs, accelerator="cpu", devices=1, precision="32-true", gradient_clip_val=5.0,
        logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        limit_val_batches=0, num_sanity_val_steps=0, deterministic=as_trained,
        callbacks=[pair, *([_history_callback()] if as_trained else [])],
    )
    trainer.fit(make_model(), train_dataloaders=data)
    return pair.times


def worker(name: str, n: int, epochs: int, rounds: int, threads: int) -> dict:
    """All measurements of one case, in this process."""
    import logging
    import warnings

    import torch

    from deepmotif.models.module import SequenceClassifier

    torch.set_num_threads(threads)
    for noisy in ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.seed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    baseline = rss_mb()
    arch, kwargs, batch_size = CASES[name]

    def model():
        torch.manual_seed(0)
        return SequenceClassifier(arch, kwargs, lr=1e-3, lr_halve_every=0)

    X, y = make_data(n)
    data = loader(X, y, batch_size)
    paired_plain(model, loader(X[:batch_size * 4], y[:batch_size * 4], batch_size), 1)  # warm-up
    times: dict[str, list[tuple[float, float]]] = {}
    for r in range(rounds):
        for key, got in (("", paired_plain(model, data, epochs)),
                         ("minimal_", paired_lightning(model, data, epochs, as_trained=False)),
                         ("as_trained_", paired_lightning(model, data, epochs, as_trained=True))):
            for k, v in got.items():
                times.setdefault(key + k, []).extend(v)
    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}

    plain_phases = ("fp32", "minimal_plain", "as_trained_plain")

    def overhead(clock: dict, variant: str) -> float:
        return round(100 * (clock[f"{variant}_lightning"] / clock[f"{variant}_plain"] - 1), 2)

    net = model().net.eval()
    infer_times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    with torch.no_grad():
        for r in range(rounds):
            for i, start in enumerate(range(0, n - 1023, 1024)):  # alternating, paired like training
                for k in (("fp32", "bf16") if (i + r) % 2 else ("bf16", "fp32")):
                    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=k == "bf16"):
                        t0 = time.perf_counter()
                        torch.sigmoid(net(X[start:start + 1024]).float())
                        infer_times[k].append(time.perf_counter() - t0)
    infer = {k: round(1024 / statistics.median(v[1:]), 1) for k, v in infer_times.items()}  # v[0]: warm-up
    return {
        "case": name, "arch": arch, "net": kwargs, "batch_size": batch_size, "threads": threads,
        "n_sequences": n, "epochs_per_round": epochs, "rounds": rounds,
        "n_parameters": sum(p.numel() for p in net.parameters()),
        "median_step_ms": {k: round(1000 * v, 3) for k, v in wall.items()},
        "median_step_cpu_ms": {k: round(1000 * v, 3) for k, v in cpu.items()},
        # fp32 plain steps ran in three phases (beside bf16, beside each Lightning fit): the least disturbed
        "train_seq_per_s": {"fp32": round(batch_size / min(wall[k] for k in plain_phases), 1),
                            "fp32_phases": [round(batch_size / wall[k], 1) for k in plain_phases],
                            "bf16_paired": round(batch_size / wall["bf16"], 1)},
        "lightning_overhead_pct": {"minimal": overhead(wall, "minimal"), "as_trained": overhead(wall, "as_trained"),
                                   "minimal_cpu": overhead(cpu, "minimal"),
                                   "as_trained_cpu": overhead(cpu, "as_trained")},
        "bf16_speedup_train": round(wall["fp32"] / wall["bf16"], 3),
        "bf16_speedup_train_cpu": round(cpu["fp32"] / cpu["bf16"], 3),
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
    p.add_argument("--rounds", type=int, default=3)
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
        print(f"{name:14s} train {r['train_seq_per_s']['fp32']:6.0f}/s (bf16 {r['bf16_speedup_train']:.2f}x) "
              f"lightning {o['minimal']:+.1f}% / {o['as_trained']:+.1f}% (CPU {o['minimal_cpu']:+.1f}% / "
              f"{o['as_trained_cpu']:+.1f}%) infer {r['inference_seq_per_s']['fp32']:6.0f}/s "
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
