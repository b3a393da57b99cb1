"""DAG time and Slurm submissions of `snakemake -n --profile slurm` for 108 and 690 TFs × 3 architectures.

Two sheets per size: `paper` (DeepBind-format train/test files, the route of the paper's 108-dataset
archive, config/paper.yaml) and `simulated` (the default config's source). For each: wall time, CPU
time (snakemake and its children) and load average of the dry run, the number of jobs, the number of
Slurm submissions under the shipped profile (group jobs count once, local download jobs not at all),
per group, and the longest time limit any submission asks for (minutes; must be <= 240).

Writes benchmarks/results/dag_scale.json. Usage: python benchmarks/dag_scale.py [--sizes 108 690]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_slurm import DOWNLOAD_RULES, slurm_submissions  # noqa: E402  (the tests' parser of the profile)

MOTIFS = ["MA0139.1", "MA0138.2", "MA0035.4", "MA0091.1,MA0035.4"]
URL = "https://example.org/files"


def write_sheet(path: Path, n_tfs: int, kind: str) -> None:
    if kind == "simulated":
        rows = ["tf\tsource\tmotifs"] + [f"TF{i:04d}_(x)\tsimulated\t{MOTIFS[i % 4]}" for i in range(n_tfs)]
    else:
        rows = ["tf\tsource\ttrain\ttest"] + [f"TF{i:04d}_(x)\tdeepbind\t{URL}/{i}_AC.seq.gz\t{URL}/{i}_B.seq.gz"
                                              for i in range(n_tfs)]
    path.write_text("\n".join(rows) + "\n")


def dag_scale(n_tfs: int, kind: str) -> dict:
    """`snakemake -n --forceall --profile slurm` of a sheet of ``n_tfs`` TFs of one kind."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp, "tfs.tsv")
        write_sheet(sheet, n_tfs, kind)
        cmd = [sys.executable, "-m", "snakemake", "-n", "--forceall", "--profile", "slurm",
               "--config", f"tfs={sheet}", "architectures=[cnn,rnn,cnn_rnn]"]
        env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
        load_before = os.getloadavg()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    out = result.stdout + result.stderr
    total = re.search(r"^total\s+(\d+)", out, re.MULTILINE)
    subs = slurm_submissions(out)
    return {
        "n_tfs": n_tfs, "sheet": kind, "wall_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "jobs": int(total.group(1)) if total else None,
        "local_jobs": sum(1 for rule in re.findall(r"^\s*rule (\w+):", out, re.MULTILINE) if rule in DOWNLOAD_RULES),
        "slurm_submissions": len(subs),
        "submissions_by_group": dict(collections.Counter(s["group"] or "(single job)" for s in subs)),
        "max_runtime_minutes": max(s["runtime"] for s in subs),
        "gpu_submissions": sum(1 for s in subs if s["gpu"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[108, 690])
    parser.add_argument("--sheets", nargs="+", default=["paper", "simulated"], choices=["paper", "simulated"])
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        for kind in args.sheets:
            results.append(dag_scale(n, kind))
            print(json.dumps(results[-1]), flush=True)
    report = {"benchmark": "dag_scale", "date": time.strftime("%Y-%m-%d %H:%M"),
              "machine": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs",
              "command": "snakemake -n --forceall --profile slurm --config tfs=<sheet> architectures=[cnn,rnn,cnn_rnn]",
              "results": results}
    out = ROOT / "benchmarks/results/dag_scale.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
