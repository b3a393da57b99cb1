"""GPU node check: training and inference sequences/s per architecture, fp32 vs bf16, resident vs DataLoader.

Run on a GPU node (a few minutes; e.g. ``srun --gpus=1 -t 10 python benchmarks/gpu.py``)::

    python benchmarks/gpu.py                    # cuda if torch sees it, else the CPU
    python benchmarks/gpu.py --device cpu --n 4096 --seconds 2

Per architecture (the config's network settings and batch sizes), on random 101-bp one-hot sequences
(speed does not depend on their content):

- training sequences/s (forward, BCE, backward, gradient clipping at 5, Adam: what ``deepmotif train``
  runs per step) in fp32 and under bf16 autocast, with the input pipeline ``deepmotif train`` uses on a
  GPU (``resident``: the whole set on the device, batches indexed there; :class:`ResidentBatches`) and
  the host-side DataLoader over CPU tensors (``dataloader``: each batch indexed on the host and copied);
- inference sequences/s (eval mode, no_grad, batches of 1024; fp32 and bf16);
- the input pipeline alone (no model): one epoch of batches delivered on the device, resident vs
  DataLoader, alternating epoch by epoch so both see the same load (medians of wall and CPU time);
- peak GPU memory per architecture (``torch.cuda.max_memory_allocated``), or peak RSS on the CPU.

The training measurements run one after another; on a shared machine their ratios carry the load's
noise, the paired input-pipeline numbers do not.

Each measurement runs for ``--seconds`` after one warm-up pass; the load average is recorded. Prints a
table and writes benchmarks/results/gpu_<device>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# (arch, net keyword arguments, batch size) as config/config.yaml trains them
CASES = {
    "cnn": ("cnn", {}, 64),
    "rnn": ("rnn", {"pool": "max", "dropout": 0.2}, 32),
    "cnn_rnn": ("cnn_rnn", {}, 64),
}


def make_data(n: int, length: int = 101, seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).permute(0, 2, 1).float()
    y = torch.randint(0, 2, (n,), generator=g).float()
    return X.contiguous(), y


def batches(kind: str, X, y, batch_size: int, device):
    """An epoch's batches on ``device``: resident (indexed on the device) or a host DataLoader + copy."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from deepmotif.models.datamodule import BatchIndices, ResidentBatches

    sampler = BatchIndices(len(X), batch_size, shuffle=True, seed=0)
    if kind == "resident":
        yield from ResidentBatches(X.to(device), y.to(device), sampler)
        return
    loader = DataLoader(TensorDataset(X, y), sampler=sampler, batch_size=None,
                        pin_memory=device.type == "cuda", generator=torch.Generator().manual_seed(0))
    for xb, yb in loader:
        yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def train_speed(net, X, y, batch_size: int, device, kind: str, bf16: bool, seconds: float) -> float:
    """Training sequences/s: whole epochs (or parts) until ``seconds`` have passed, after a warm-up."""
    import torch

    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    net.train()

    def step(xb, yb):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(net(xb).float(), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    for i, (xb, yb) in enumerate(batches(kind, X, y, batch_size, device)):  # warm-up (cuDNN, allocator)
        step(xb, yb)
        if i == 5:
            break
    sync(device)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for xb, yb in batches(kind, X, y, batch_size, device):
            step(xb, yb)
            n += len(yb)
            if time.perf_counter() - start >= seconds:
                break
    sync(device)
    return n / (time.perf_counter() - start)


def inference_speed(net, X, device, bf16: bool, seconds: float, batch_size: int = 1024) -> float:
    import torch

    net.eval()
    Xd = X.to(device)
    n, start = 0, None
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        while start is None or time.perf_counter() - start < seconds:
            for i in range(0, len(Xd), batch_size):
                net(Xd[i:i + batch_size])
                if start is not None:
                    n += len(Xd[i:i + batch_size])
            sync(device)
            if start is None:  # the first pass is the warm-up
                start = time.perf_counter()
    net.train()
    return n / (time.perf_counter() - start)


def pipeline_speed(X, y, batch_size: int, device, rounds: int = 15) -> dict:
    """Input pipeline alone (no model): sequences/s of one epoch of batches delivered on ``device``,
    resident vs DataLoader, alternating epoch by epoch (so both see the same machine load); medians
    of wall and CPU (process) time."""
    import statistics

    times: dict[str, list[tuple[float, float]]] = {"resident": [], "dataloader": []}
    for r in range(rounds):
        for kind in (("resident", "dataloader") if r % 2 else ("dataloader", "resident")):
            sync(device)
            wall, cpu = time.perf_counter(), time.process_time()
            for xb, yb in batches(kind, X, y, batch_size, device):
                pass
            sync(device)
            times[kind].append((time.perf_counter() - wall, time.process_time() - cpu))
    out = {}
    for kind, pairs in times.items():
        out[kind] = {"wall_seq_per_s": round(len(X) / statistics.median(w for w, _ in pairs), 1),
                     "cpu_seq_per_s": round(len(X) / max(statistics.median(c for _, c in pairs), 1e-9), 1)}
    return out


def measure(name: str, n: int, device, seconds: float) -> dict:
    import torch

    from deepmotif.models.nets import build_net, net_kwargs

    arch, overrides, batch_size = CASES[name]
    X, y = make_data(n)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    row = {"arch": arch, "batch_size": batch_size, "n_sequences": n, "train_seq_per_s": {}, "inference_seq_per_s": {}}
    for kind in ("resident", "dataloader"):
        for bf16 in (False, True):
            torch.manual_seed(0)
            net = build_net(arch, **net_kwargs(arch, "medium", overrides)).to(device)
            key = f"{kind}_{'bf16' if bf16 else 'fp32'}"
            row["train_seq_per_s"][key] = round(train_speed(net, X, y, batch_size, device, kind, bf16, seconds), 1)
    for bf16 in (False, True):
        row["inference_seq_per_s"]["bf16" if bf16 else "fp32"] = round(inference_speed(net, X, device, bf16, seconds), 1)
    row["input_pipeline"] = pipeline_speed(X, y, batch_size, device)
    t = row["train_seq_per_s"]
    row["resident_vs_dataloader_fp32"] = round(t["resident_fp32"] / t["dataloader_fp32"], 3)
    row["bf16_speedup_train"] = round(t["resident_bf16"] / t["resident_fp32"], 3)
    if device.type == "cuda":
        row["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def table(rows: list[dict]) -> str:
    keys = ["resident_fp32", "resident_bf16", "dataloader_fp32", "dataloader_bf16"]
    head = f"{'arch':8s} " + " ".join(f"{k:>16s}" for k in keys) + f" {'infer fp32':>11s} {'infer bf16':>11s} {'peak MB':>8s}"
    lines = [head, "-" * len(head)]
    for r in rows:
        peak = r.get("peak_gpu_memory_mb", r["peak_rss_mb"])
        lines.append(f"{r['arch']:8s} " + " ".join(f"{r['train_seq_per_s'][k]:16.0f}" for k in keys)
                     + f" {r['inference_seq_per_s']['fp32']:11.0f} {r['inference_seq_per_s']['bf16']:11.0f} {peak:8.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda if available)")
    parser.add_argument("--n", type=int, default=50_000, help="sequences in the synthetic dataset")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement (12 per architecture)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of torch")
    parser.add_argument("--archs", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    load_before = os.getloadavg()
    rows = [measure(name, args.n, device, args.seconds) for name in args.archs]
    report = {
        "benchmark": "gpu", "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs",
        "device": str(device), "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "torch": torch.__version__, "torch_cuda": torch.version.cuda, "threads": args.threads,
        "seconds_per_measurement": args.seconds,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": rows,
    }
    out = ROOT / "benchmarks" / "results" / f"gpu_{device.type}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(rows))
    for r in rows:
        p = r["input_pipeline"]
        print(f"input pipeline {r['arch']:8s} (alternating epochs, medians): resident {p['resident']['wall_seq_per_s']:.0f} "
              f"seq/s wall, {p['resident']['cpu_seq_per_s']:.0f} CPU; DataLoader {p['dataloader']['wall_seq_per_s']:.0f} "
              f"wall, {p['dataloader']['cpu_seq_per_s']:.0f} CPU")
    print(f"load average {report['load_average_before']} -> {report['load_average_after']}; wrote {out}")


if __name__ == "__main__":
    main()
