"""Variant scoring speed per architecture and peak memory vs the number of variants, CPU.

Each measurement runs ``deepmotif score-variants`` in a fresh worker process (so its peak RSS is its
own) on a simulated genome (10 chromosomes × 300 kb, as the default run) and a sorted VCF of random
SNVs with the genome's REF. Models are randomly initialized networks of the config's preset (speed
does not depend on the weights), saved as ``deepmotif train`` checkpoints; both strands, the default
chunk and batch sizes.

- ``speed``: variants/s per architecture (4 windows per variant: REF and ALT, both strands): wall
  and CPU time of :func:`deepmotif.apply.variants.score_vcf` (VCF parsing, genome look-ups, scoring and
  writing; the start-up, imports and model loading, is reported apart as ``startup_seconds``);
- ``memory``: peak RSS for growing VCFs with one architecture (``--memory-arch``, ``--memory-preset``,
  small by default to keep the run short): ``startup_peak_rss_mb`` after importing torch and loading
  the model, ``scoring_peak_rss_mb`` the peak while scoring (``VmHWM`` reset through
  ``/proc/self/clear_refs`` before it), ``peak_rss_mb`` the whole process. A flat
  ``scoring_peak_rss_mb`` over VCF sizes means the VCF is streamed.

The machine may be shared: the load average (``os.getloadavg``) is recorded before and after each
measurement; compare numbers only from quiet runs.

Run::

    python benchmarks/variants.py --threads 2 --speed-n 2000 --sizes 10000,100000 -o benchmarks/results/variants.json
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
import json, os, resource, sys, time
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
vcf, genome, ckpt, out, threads = sys.argv[1:]
start = time.perf_counter()
import torch
torch.set_num_threads(int(threads))
from deepmotif.apply.predict import load_models
from deepmotif.apply.variants import score_vcf


def status_mb(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(key + ":")) / 1024


models = load_models([ckpt])
startup_peak = status_mb("VmHWM")
with open("/proc/self/clear_refs", "w") as handle:  # reset VmHWM: the peak of the scoring alone
    handle.write("5")
ready, cpu = time.perf_counter(), time.process_time()
counts = score_vcf(vcf, genome, models, out, out + ".skipped")
print(json.dumps({"scored": counts.get("scored", 0), "startup_seconds": ready - start,
                  "seconds": time.perf_counter() - ready, "cpu_seconds": time.process_time() - cpu,
                  "startup_peak_rss_mb": startup_peak, "scoring_peak_rss_mb": status_mb("VmHWM"),
                  "rss_after_mb": status_mb("VmRSS"),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_inputs(folder: Path, sizes: list[int], archs: list[str], preset: str, memory: tuple[str, str],
                seed: int = 0) -> dict:
    """Genome, one VCF per size (first ``n`` of one sorted random SNV list) and one checkpoint per arch."""
    import numpy as np
    import torch

    from deepmotif.data.genome import write_fasta
    from deepmotif.simulation.genome import simulate_genome
    from deepmotif.models.nets import build_net, net_kwargs

    genome = simulate_genome(10, 300_000, seed)
    write_fasta(folder / "genome.fa", genome)
    rng = np.random.default_rng(seed)
    n_max = max(sizes)
    chroms = list(genome)
    per_chrom = -(-n_max // len(chroms))
    records = []
    for chrom in chroms:
        seq = genome[chrom]
        for p in np.sort(rng.choice(np.arange(100, len(seq) - 100), size=per_chrom, replace=False)):
            ref = seq[p]
            alt = "ACGT"[("ACGT".index(ref) + int(rng.integers(1, 4))) % 4]
            records.append(f"{chrom}\t{p + 1}\t.\t{ref}\t{alt}\t.\t.\t.\n")
    header = "##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={len(s)}>\n" for c, s in genome.items())
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    vcfs = {}
    for n in sizes:
        step = max(1, len(records) // n)  # spread over all chromosomes, still sorted
        (folder / f"snv{n}.vcf").write_text(header + "".join(records[::step][:n]))
        vcfs[n] = folder / f"snv{n}.vcf"
    ckpts = {}
    for key, arch, size in [(a, a, preset) for a in archs] + [("memory", *memory)]:
        kwargs = net_kwargs(arch, size)
        net = build_net(arch, **kwargs)
        ckpts[key] = folder / "results" / key / arch / "model.ckpt"
        ckpts[key].parent.mkdir(parents=True)
        torch.save({"hyper_parameters": {"arch": arch, "net_kwargs": kwargs, "input_length": 101},
                    "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()}}, ckpts[key])
    return {"genome": folder / "genome.fa", "vcfs": vcfs, "ckpts": ckpts}


def run_worker(vcf: Path, genome: Path, ckpt: Path, out: Path, threads: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": str(threads)}
    load_before = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", WORKER, str(vcf), str(genome), str(ckpt), str(out), str(threads)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", default="cnn,rnn,cnn_rnn")
    parser.add_argument("--preset", default="medium", help="size preset of the networks (config: medium)")
    parser.add_argument("--speed-n", type=int, default=2000, help="variants of the speed runs")
    parser.add_argument("--sizes", default="10000,100000", help="VCF sizes of the memory runs")
    parser.add_argument("--memory-arch", default="cnn")
    parser.add_argument("--memory-preset", default="small", help="preset of the memory runs (small: quicker)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "results" / "variants.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    archs = [a for a in args.archs.split(",") if a]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    result = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "host": platform.node(),
              "cpu_count": os.cpu_count(), "threads": args.threads, "preset": args.preset,
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "speed": {}, "memory": {}}
    with tempfile.TemporaryDirectory(prefix="deepmotif-bench-variants-") as tmp:
        folder = Path(tmp)
        inputs = make_inputs(folder, sorted({args.speed_n, *sizes}), archs, args.preset,
                             (args.memory_arch, args.memory_preset))
        for arch in archs:
            r = run_worker(inputs["vcfs"][args.speed_n], inputs["genome"], inputs["ckpts"][arch],
                           folder / f"speed_{arch}.tsv", args.threads)
            r["variants"] = args.speed_n
            r["variants_per_second"] = round(args.speed_n / r["seconds"], 1)
            result["speed"][arch] = r
            print(arch, json.dumps(r), flush=True)
        for n in sizes:
            r = run_worker(inputs["vcfs"][n], inputs["genome"], inputs["ckpts"]["memory"],
                           folder / f"memory_{n}.tsv", args.threads)
            r["variants_per_second"] = round(n / r["seconds"], 1)
            result["memory"][str(n)] = r
            print(n, json.dumps(r), flush=True)
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
