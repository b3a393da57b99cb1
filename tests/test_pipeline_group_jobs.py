"""workflow/rules/group_jobs.smk in a local run: the serial_in_group slot that sizes cluster group jobs must
not make a local run (--cores N) run one job at a time."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Two jobs that each need the other running at the same time: each marks that it started, then waits up to
# 60 s for the other's mark. Run one after another, the first fails.
TOY = """
include: {group_jobs!r}

rule all:
    input: "a.done", "b.done"

rule side_by_side:
    output: "{{name}}.done"
    resources: serial_in_group=1  # as cluster.smk's size_cluster_jobs gives every rule
    params: other=lambda wc: "b" if wc.name == "a" else "a"
    shell:
        "touch {{wildcards.name}}.started; "
        "for i in $(seq 600); do [ -e {{params.other}}.started ] && break; sleep 0.1; done; "
        "[ -e {{params.other}}.started ] && touch {{output}}"
"""


def test_a_local_run_runs_jobs_side_by_side(tmp_path):
    (tmp_path / "Snakefile").write_text(TOY.format(group_jobs=str(REPO / "workflow/rules/group_jobs.smk")))
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "a.done").exists() and (tmp_path / "b.done").exists()
