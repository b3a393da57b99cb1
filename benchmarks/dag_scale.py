"""DAG construction time of `snakemake -n` for large TF sheets (108 and 690 TFs × 3 architectures).

Writes benchmarks/results/dag_scale.json. Usage: python benchmarks/dag_scale.py [--sizes 108 690]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOTIFS = ["MA0139.1", "MA0138.2", "MA0035.4", "MA0091.1,MA0035.4"]


def dag_time(n_tfs: int) -> dict:
    """Time `snakemake -n` of a sheet of ``n_tfs`` simulated TFs with the default config."""
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp, "tfs.tsv")
        rows = ["tf\tsource\tmotifs"] + [f"TF{i:04d}_(x)\tsimulated\t{MOTIFS[i % 4]}" for i in range(n_tfs)]
        sheet.write_text("\n".join(rows) + "\n")
        cmd = [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--cores", "2",
               "--configfile", str(ROOT / "config/config.yaml"), "--config", f"tfs={sheet}"]
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
        out = result.stdout + result.stderr
        total = re.search(r"^total\s+(\d+)", out, re.MULTILINE)
        return {"n_tfs": n_tfs, "seconds": round(seconds, 2),
                "jobs": int(total.group(1)) if total else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[108, 690])
    args = parser.parse_args()
    results = [dag_time(n) for n in args.sizes]
    report = {"benchmark": "dag_scale", "date": time.strftime("%Y-%m-%d %H:%M"),
              "machine": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs",
              "load_average": os.getloadavg(), "results": results}
    out = ROOT / "benchmarks/results/dag_scale.json"
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
