"""Tracks and motif instances along the genome: time and peak memory vs the number of regions, CPU.

Each measurement runs in a fresh worker process (its peak RSS is its own) on a random genome (uniform
bases, ``--chroms`` × ``--chrom-size``) with ``n`` disjoint regions of ``--width`` bp spread evenly over
it, and a CNN of the config's preset, randomly initialized (speed does not depend on the weights) or
``--model`` (a trained checkpoint), saved as a ``deepmotif train`` checkpoint:

- ``tracks``: :func:`deepmotif.apply.tracks.write_tracks`, both bigWigs (logit and reference-base
  attribution, ``--attribution``), both strands, the config's stride; wall and CPU seconds, regions/s;
  ``peak_rss_mb`` of the worker and ``tracks_peak_rss_mb``, the peak while computing (``VmHWM`` reset
  before it): flat over ``n`` means the regions are streamed;
- ``instances``: :func:`deepmotif.interpret.instances.call_instances` on that attribution track with
  JASPAR's CTCF matrix (MA0139.2), instances/s and regions/s (random weights give few instances: the
  rate per region is the number that transfers); with ``--results``, also on the pipeline's own tracks of
  trained models (``results/{tf}/{arch}/tracks/``, their TF-MoDISco patterns): ``real_instances``.

The machine may be shared: the load average (``os.getloadavg``) is recorded before and after each
measurement; compare numbers only from quiet runs. No GPU here: ``--device cuda`` where there is one.

Run::

    nice -n 10 python benchmarks/tracks.py --sizes 1000,10000 --threads 2 -o benchmarks/results/tracks.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import json, os, sys, time
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
genome, ckpt, out, threads, n, width, attribution, device = sys.argv[1:]
import numpy as np, pandas as pd, torch
torch.set_num_threads(int(threads))
from deepmotif.apply.predict import load_models
from deepmotif.apply.tracks import write_tracks
from deepmotif.data.genome import chrom_sizes
from deepmotif.interpret import instances
from deepmotif.plan.config import schema_default


def status_mb(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(key + ":")) / 1024


model = load_models([ckpt])[0]
sizes = chrom_sizes(genome)
n, width = int(n), int(width)
per_chrom = -(-n // len(sizes))
rows = []
for chrom, size in sizes.items():
    gap = size // per_chrom
    rows += [(chrom, i * gap, i * gap + width) for i in range(per_chrom)]
regions = pd.DataFrame(rows[:n], columns=["chrom", "start", "end"])
result = {"n_regions": n, "bases": int(n * width), "startup_peak_rss_mb": status_mb("VmHWM")}
with open("/proc/self/clear_refs", "w") as handle:  # reset VmHWM: the peak of the tracks alone
    handle.write("5")
load0, t0, c0 = os.getloadavg()[0], time.perf_counter(), time.process_time()
stats = write_tracks(model, regions, genome, f"{out}/logit.bw", f"{out}/attr.bw", attribution,
                     stride=schema_default("tracks.stride"), device=None if device == "auto" else device)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
result.update(tracks_seconds=wall, tracks_cpu_seconds=cpu, tracks_regions_per_second=n / wall,
              tracks_peak_rss_mb=status_mb("VmHWM"), load_before=load0, load_after=os.getloadavg()[0],
              stride=schema_default("tracks.stride"), attribution=attribution, windows_per_region=
              (width - model.length) // schema_default("tracks.stride") + 2)
patterns = instances.jaspar_patterns(["MA0139.2"])
load0, t0 = os.getloadavg()[0], time.perf_counter()
hits = instances.call_instances(regions, genome, f"{out}/attr.bw", patterns)
wall = time.perf_counter() - t0
result.update(instances_seconds=wall, n_instances=len(hits), instances_per_second=len(hits) / wall,
              instance_regions_per_second=n / wall, instances_load_before=load0,
              instances_load_after=os.getloadavg()[0], peak_rss_mb=status_mb("VmHWM"))
print(json.dumps(result))
"""


REAL = r"""
import json, os, sys, time
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
results, tf, arch, genome, threads = sys.argv[1:]
import pandas as pd, torch
torch.set_num_threads(int(threads))
from deepmotif.data.intervals import read_bed
from deepmotif.interpret import instances
folder = f"{results}/{tf}/{arch}"
regions = read_bed(f"{folder}/tracks/regions.bed")
patterns = instances.modisco_patterns(f"{folder}/modisco.h5", f"{folder}/modisco_patterns.tsv")
load0, t0 = os.getloadavg()[0], time.perf_counter()
hits = instances.call_instances(regions, genome, f"{folder}/tracks/attribution.bw", patterns)
wall = time.perf_counter() - t0
print(json.dumps({"tf": tf, "arch": arch, "n_regions": len(regions), "n_instances": len(hits), "seconds": wall,
                  "instances_per_second": len(hits) / wall, "regions_per_second": len(regions) / wall,
                  "load_before": load0, "load_after": os.getloadavg()[0]}))
"""


def make_inputs(folder: Path, chroms: int, chrom_size: int, arch: str, model: str | None) -> tuple[Path, Path]:
    """A random genome FASTA (+ .fai) and a checkpoint (``model`` or a fresh net of the config's preset)."""
    import numpy as np
    import torch

    from deepmotif.data.genome import write_fasta
    from deepmotif.models.nets import build_net, net_kwargs
    from deepmotif.plan.config import training_defaults

    rng = np.random.default_rng(0)
    genome = folder / "genome.fa"
    write_fasta(genome, {f"chr{i + 1}": "".join(rng.choice(list("ACGT"), chrom_size)) for i in range(chroms)})
    if model:
        return genome, Path(model)
    kwargs = net_kwargs(arch, training_defaults()["preset"])
    net = build_net(arch, **kwargs)
    ckpt = folder / "model.ckpt"
    torch.save({"hyper_parameters": {"arch": arch, "net_kwargs": kwargs, "input_length": 101},
                "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()}}, ckpt)
    return genome, ckpt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="numbers of regions, comma-separated")
    parser.add_argument("--width", type=int, default=500, help="bp per region")
    parser.add_argument("--chroms", type=int, default=10)
    parser.add_argument("--chrom-size", type=int, default=1_000_000, help="bp per chromosome (regions must fit)")
    parser.add_argument("--arch", default="cnn")
    parser.add_argument("--model", help="a trained model.ckpt instead of a random network")
    parser.add_argument("--attribution", default="grad_x_input", choices=("grad_x_input", "deep_lift_shap"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--results", help="also time instances on the pipeline's tracks of these results")
    parser.add_argument("--tfs", default="CTCF,REST,TAL1-GATA1", help="with --results: simulated TFs")
    parser.add_argument("-o", "--output", help="JSON file (default: print)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    if max(sizes) * args.width > args.chroms * args.chrom_size:
        parser.error("the regions do not fit the genome: raise --chroms or --chrom-size")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
           "OMP_NUM_THREADS": str(args.threads)}
    sys.path.insert(0, str(ROOT / "src"))
    runs = []
    with tempfile.TemporaryDirectory(prefix="deepmotif-bench-tracks-") as tmp:
        genome, ckpt = make_inputs(Path(tmp), args.chroms, args.chrom_size, args.arch, args.model)
        for n in [n for n in sizes if n]:
            out = Path(tmp) / f"n{n}"
            out.mkdir()
            done = subprocess.run([sys.executable, "-c", WORKER, str(genome), str(ckpt), str(out), str(args.threads),
                                   str(n), str(args.width), args.attribution, args.device],
                                  env=env, capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[-1]), file=sys.stderr)
    real = []
    for tf in (args.tfs.split(",") if args.results else []):
        genome = ROOT / "resources" / "simulated" / tf / "genome.fa"
        done = subprocess.run([sys.executable, "-c", REAL, args.results, tf, args.arch, str(genome), str(args.threads)],
                              env=env, capture_output=True, text=True, check=True)
        real.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(real[-1]), file=sys.stderr)
    report = {"benchmark": "tracks", "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "threads": args.threads, "arch": args.arch, "model": args.model or "random weights",
              "width": args.width, "gpu": "none available on this machine", "runs": runs, "real_instances": real}
    text = json.dumps(report, indent=2)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
