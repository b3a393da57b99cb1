"""DAG time and Slurm submissions of `snakemake -n --profile slurm` for 108, 690 and 5,000 TFs × 3 architectures.

Two sheets per size: `paper` (DeepBind-format train/test files, the route of the paper's 108-dataset
archive, config/paper.yaml) and `simulated` (the default config's source). For each: wall time, CPU
time (snakemake and its children) and load average before and after the dry run, the number of jobs,
and the Slurm submissions as the Slurm plugin's own code builds them from the real (group) job objects
(tests/sbatch_lines.py; group jobs count once, local download jobs not at all): their number, per group,
and the largest time limit (minutes; must be <= 240) and memory (MB) any asks for, first attempt and retry.
Two runs per sheet: `dry_run`, the dry run alone as a user types it (`snakemake -n --forceall --profile slurm
--config tfs=<sheet> architectures=[cnn,rnn,cnn_rnn]`; its listing written to a file): the planning time the
goals are about (690 TFs <= 15 s, 5,000 <= 120 s on idle cores); then the probe of tests/sbatch_lines.py:
`snakemake -n` plus the sbatch line of each submission at attempts 1 and 2, which evaluates every job's resources
once more (for the retry): about 1.6x the CPU time of the dry run alone (benchmarks/README.md). `--no-probe`
skips the probe (dry-run times only).

Run it alone on idle cores (CPU time is the steadier number when the machine is shared; the load average
is recorded beside each result). Writes benchmarks/results/dag_scale.json.
Usage: python benchmarks/dag_scale.py [--sizes 108 690 5000] [--sheets paper simulated] [--no-probe]
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
PROBE = ROOT / "tests" / "sbatch_lines.py"

MOTIFS = ["MA0139.1", "MA0138.2", "MA0035.4", "MA0091.1,MA0035.4"]
URL = "https://example.org/files"


def write_sheet(path: Path, n_tfs: int, kind: str) -> None:
    if kind == "simulated":
        rows = ["tf\tsource\tmotifs"] + [f"TF{i:04d}_(x)\tsimulated\t{MOTIFS[i % 4]}" for i in range(n_tfs)]
    else:
        rows = ["tf\tsource\ttrain\ttest"] + [f"TF{i:04d}_(x)\tdeepbind\t{URL}/{i}_AC.seq.gz\t{URL}/{i}_B.seq.gz"
                                              for i in range(n_tfs)]
    path.write_text("\n".join(rows) + "\n")


SNAKEMAKE_ARGS = ["--forceall", "--profile", "slurm", "--config", "tfs={sheet}", "architectures=[cnn,rnn,cnn_rnn]"]


def timed(cmd: list[str], listing: Path) -> dict:
    """Run ``cmd`` from the repository root, its output into ``listing``: wall and CPU seconds (the command and
    its children), load average before and after, the number of jobs of its `snakemake -n` listing."""
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with listing.open("w") as out:
        result = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
    seconds = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()
    text = listing.read_text()
    if result.returncode != 0:
        raise RuntimeError(text[-4000:])
    total = re.search(r"^total\s+(\d+)", text, re.MULTILINE)
    return {"wall_seconds": round(seconds, 1),
            "cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "jobs": int(total.group(1)) if total else None}


def dag_scale(n_tfs: int, kind: str, probe: bool = True) -> dict:
    """`snakemake -n --forceall --profile slurm` of a sheet of ``n_tfs`` TFs of one kind, alone, then with its
    sbatch lines (``probe``)."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet, lines, listing = Path(tmp, "tfs.tsv"), Path(tmp, "sbatch.json"), Path(tmp, "listing.txt")
        write_sheet(sheet, n_tfs, kind)
        args = [a.format(sheet=sheet) for a in SNAKEMAKE_ARGS]
        dry_run = timed([sys.executable, "-m", "snakemake", "-n", *args], listing)
        report = {"n_tfs": n_tfs, "sheet": kind, "niceness": os.nice(0), "dry_run": dry_run}
        if not probe:
            return report
        result = timed([sys.executable, str(PROBE), str(lines), "--attempts", "2", "--", *args], listing)
        subs = json.loads(lines.read_text())
    first = [s for s in subs if s["attempt"] == 1]
    return {
        **report, **result,  # the probe's wall and CPU seconds, load and jobs
        "slurm_submissions": len(first),
        "submissions_by_group": dict(collections.Counter(  # data0, data1, ...: group data
            re.sub(r"\d+$", "", s["group"]) if s["group"] else "(single job)" for s in first)),
        "max_runtime_minutes": {f"attempt {a}": max(s["runtime"] for s in subs if s["attempt"] == a) for a in (1, 2)},
        "max_mem_mb": {f"attempt {a}": max(s["mem_mb"] for s in subs if s["attempt"] == a) for a in (1, 2)},
        "gpu_submissions": sum(1 for s in first if s["gpus"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[108, 690, 5000])
    parser.add_argument("--sheets", nargs="+", default=["paper", "simulated"], choices=["paper", "simulated"])
    parser.add_argument("--no-probe", dest="probe", action="store_false", help="dry-run times only, no sbatch lines")
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        for kind in args.sheets:
            results.append(dag_scale(n, kind, args.probe))
            print(json.dumps(results[-1]), flush=True)
    report = {"benchmark": "dag_scale", "date": time.strftime("%Y-%m-%d %H:%M"),
              "machine": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs",
              "command": {"dry_run": "snakemake -n --forceall --profile slurm --config tfs=<sheet> "
                                     "architectures=[cnn,rnn,cnn_rnn]",
                          "probe": "python tests/sbatch_lines.py OUT --attempts 2 -- --forceall --profile slurm "
                                   "--config tfs=<sheet> architectures=[cnn,rnn,cnn_rnn]  (= snakemake -n ... plus the "
                                   "plugin's sbatch lines; the top-level seconds, load and jobs of a result)"},
              "results": results}
    out = ROOT / "benchmarks/results/dag_scale.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
