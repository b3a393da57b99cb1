"""The shipped Slurm profile (slurm/config.yaml) against a real single-node Slurm.

Tests marked `slurm` start a private slurmctld/slurmd (tests/slurm_cluster.py; needs root and
`.ci/install_slurm.sh`): they are skipped when Slurm is not installed, and fail under CI=true.
The profile checks and dry runs need only snakemake and run in the default suite.

    sudo .ci/install_slurm.sh && pytest tests/test_slurm.py -m slurm -s     # -s prints timings

Every Slurm run uses a copy of the shipped profile with test overrides (make_test_profile):
partition `debug`, status via `squeue` (with accounting off, the default `sacct` cannot see
jobs and the run stalls), a short first status check, small default memory.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from slurm_cluster import slurm_cluster  # noqa: F401  (session fixture)

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PROFILE = REPO / "slurm" / "config.yaml"
GPU_RULE = "train_model"
# Rules of the pipeline (docs/DEVELOPING.md and the lead's rule files).
PIPELINE_RULES = {
    "simulate_data", "extract_positives", "build_dataset", "train_model",
    "compute_saliency", "compute_temporal_scores", "optimize_class_input", "compute_ism",
    "extract_filter_motifs", "match_jaspar", "summarize_metrics", "build_dashboard", "build_index",
}
# Rules allowed to run on the submit host instead of Slurm (`localrules`).
ALLOWED_LOCAL_RULES = {"all"}
SNAKEMAKE_TIMEOUT = 1800  # seconds, per snakemake invocation

SUBMITTED_RE = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.")
LOCALRULE_RE = re.compile(r"^\s*localrule (\w+):\s*$", re.M)


# --------------------------------------------------------------------------- helpers

def pipeline_paths() -> tuple[Path | None, Path | None]:
    """(Snakefile, .test directory) of the real pipeline, None where not (yet) present."""
    snakefile = next((p for p in (REPO / "Snakefile", REPO / "workflow" / "Snakefile")
                      if p.is_file()), None)
    test_dir = REPO / ".test"
    return snakefile, (test_dir if test_dir.is_dir() else None)


def tiny_configfile(work: Path) -> Path | None:
    return next((p for p in (work / "config.yaml", work / "config" / "config.yaml") if p.is_file()),
                None)


def make_test_profile(dst: Path, partition: str = "debug", **overrides) -> Path:
    """A copy of the shipped profile with the overrides a single-node test cluster needs."""
    prof = yaml.safe_load(SHIPPED_PROFILE.read_text())
    prof["default-resources"] = {**prof.get("default-resources", {}),
                                 "slurm_partition": partition, "mem_mb": 1000, "runtime": 10}
    prof.update({
        # accounting_storage/none: sacct cannot see the jobs -> use squeue (needs MinJobAge
        # >= 3 x the first wait, or the plugin silently falls back to sacct).
        "slurm-status-command": "squeue",
        "slurm-init-seconds-before-status-checks": 2,
        "slurm-keep-successful-logs": True,   # the tests read the per-job Slurm logs
        "latency-wait": 10,
        "retries": 0,
        "keep-going": False,
        "verbose": True,                      # sbatch calls in the log
    })
    prof.update(overrides)
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "config.yaml").write_text(yaml.safe_dump(prof, sort_keys=False))
    return dst


def run_snakemake(args: list[str], cwd: Path, env: dict | None = None, log: Path | None = None,
                  timeout: float = SNAKEMAKE_TIMEOUT) -> tuple[int, str, float]:
    """Run `python -m snakemake ARGS`; returns (returncode, combined output, seconds).

    Runs in its own session; on timeout the whole process group gets SIGTERM, then SIGKILL
    (snakemake waiting on Slurm jobs may ignore SIGTERM).
    """
    log = log or cwd / "snakemake.out"
    t0 = time.monotonic()
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=cwd,
                                env=env or dict(os.environ), stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
            rc = -999
    return rc, log.read_text(errors="replace"), time.monotonic() - t0


def tail(text: str, n: int = 60) -> str:
    return "\n".join(text.splitlines()[-n:])


def parse_dry_run(text: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every job printed by `snakemake -n` (group members included)."""
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        m = re.match(r"^\s*(?:local)?rule (\w+):\s*$", line)
        if m:
            jobs.append((m.group(1), {}))
            continue
        m = re.match(r"^\s*resources: (.*)$", line)
        if m and jobs:
            jobs[-1][1].update(kv.split("=", 1) for kv in m.group(1).split(", ") if "=" in kv)
    return jobs


def assert_all_jobs_went_through_slurm(out: str, workdir: Path, cluster, expected_rules: set[str]):
    """Every rule job ran inside a Slurm job of this cluster; returns {slurm id: log path}."""
    submitted = {jid: Path(logp) for _, jid, logp in SUBMITTED_RE.findall(out)}
    assert submitted, "no 'submitted with SLURM jobid' lines in snakemake's output:\n" + tail(out)
    local = set(LOCALRULE_RE.findall(out)) - ALLOWED_LOCAL_RULES
    assert not local, f"rules ran locally instead of through Slurm: {sorted(local)}"
    # slurmctld's job-completion log: every submitted job finished COMPLETED in partition debug
    records = {r["JobId"]: r for r in cluster.completed_jobs()}
    for jid, logp in submitted.items():
        rec = records.get(jid)
        assert rec is not None, f"Slurm job {jid} missing from {cluster.workdir}/jobcomp.txt"
        assert rec["JobState"] == "COMPLETED", rec
        assert rec["Partition"] == cluster.partition, rec
        assert rec["Name"].startswith("deepmotif_"), rec   # slurm-jobname-prefix of the profile
        assert logp.is_file() and logp.stat().st_size > 0, f"Slurm log of job {jid} missing: {logp}"
    ran_rules = set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", out))
    missing = expected_rules - ran_rules
    assert not missing, f"rules that never finished: {sorted(missing)}"
    return submitted


def compare_trees(a: Path, b: Path, rel_tol: float = 1e-3,
                  ignore_keys=("seconds", "time", "elapsed", "date", "host", "duration")) -> list[str]:
    """Differences between two output trees: file sets; text byte-equal or numerically close."""
    def files(root):
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    fa, fb = files(a), files(b)
    problems = [f"only in {a.name}: {p}" for p in sorted(fa - fb)]
    problems += [f"only in {b.name}: {p}" for p in sorted(fb - fa)]

    def close(x, y):
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(
                k in ignore_keys or close(x[k], y[k]) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(close(i, j) for i, j in zip(x, y))
        if isinstance(x, (int, float)) and isinstance(y, (int, float)):
            return math.isclose(x, y, rel_tol=rel_tol, abs_tol=rel_tol)
        return x == y

    def cells_close(ta, tb):
        la, lb = ta.splitlines(), tb.splitlines()
        if len(la) != len(lb):
            return False
        for ra, rb in zip(la, lb):
            ca, cb = re.split(r"[\t,]", ra), re.split(r"[\t,]", rb)
            if len(ca) != len(cb):
                return False
            for x, y in zip(ca, cb):
                if x == y:
                    continue
                try:
                    if not math.isclose(float(x), float(y), rel_tol=rel_tol, abs_tol=rel_tol):
                        return False
                except ValueError:
                    return False
        return True

    for rel in sorted(fa & fb):
        ba, bb = (a / rel).read_bytes(), (b / rel).read_bytes()
        if ba == bb:
            continue
        suffix = rel.suffix
        if suffix == ".json":
            try:
                if close(json.loads(ba), json.loads(bb)):
                    continue
            except ValueError:
                pass
        elif suffix in (".tsv", ".csv", ".txt"):
            if cells_close(ba.decode(errors="replace"), bb.decode(errors="replace")):
                continue
        elif suffix not in (".fa", ".fai", ".bed", ".narrowPeak", ".gz", ".meme"):
            continue  # binary (checkpoints, images, html with timestamps): existence only
        problems.append(f"differs: {rel}")
    return problems


# --------------------------------------------------------------------------- toy workflow
# Rule names mirror the pipeline so the shipped profile's groups apply. Each job writes the
# Slurm job id it ran under into its log (empty in the local reference run).

TOY_SNAKEFILE = r'''
TFS = ["TFA", "TFB"]
ARCHS = ["cnn", "rnn"]
localrules: all

rule all:
    input:
        "results/summary/auc_table.tsv",
        expand("results/{tf}/{arch}/{what}.txt", tf=TFS, arch=ARCHS,
               what=["saliency", "jaspar"]),

rule simulate_data:
    output: "resources/simulated/{tf}/genome.txt"
    log: "logs/simulate_data/{tf}.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; python -c 'import random; random.seed(\"{wildcards.tf}\"); print(\"\".join(random.choice(\"ACGT\") for _ in range(200)))' > {output}"

rule train_model:
    input: "resources/simulated/{tf}/genome.txt"
    output: "results/{tf}/{arch}/model.txt"
    log: "logs/train_model/{tf}_{arch}.log"
    threads: 1
    resources: gpu=config.get("gpu", 0), mem_mb=1500, runtime=20
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; (cat {input}; echo {wildcards.arch}) | sha256sum > {output}"

rule compute_saliency:
    input: "results/{tf}/{arch}/model.txt"
    output: "results/{tf}/{arch}/saliency.txt"
    log: "logs/compute_saliency/{tf}_{arch}.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; cut -c1-16 {input} > {output}"

rule extract_filter_motifs:
    input: "results/{tf}/{arch}/model.txt"
    output: "results/{tf}/{arch}/filters.txt"
    log: "logs/extract_filter_motifs/{tf}_{arch}.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; cut -c17-32 {input} > {output}"

rule match_jaspar:
    input: "results/{tf}/{arch}/filters.txt"
    output: "results/{tf}/{arch}/jaspar.txt"
    log: "logs/match_jaspar/{tf}_{arch}.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; rev {input} > {output}"

rule summarize_metrics:
    input: expand("results/{tf}/{arch}/model.txt", tf=TFS, arch=ARCHS)
    output: "results/summary/auc_table.tsv"
    log: "logs/summarize_metrics/all.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; for f in {input}; do echo \"$f\t$(cut -c1-8 $f)\"; done > {output}"
'''
TOY_RULES = {"simulate_data", "train_model", "compute_saliency", "extract_filter_motifs",
             "match_jaspar", "summarize_metrics"}


def write_toy(workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "Snakefile").write_text(TOY_SNAKEFILE)
    return workdir / "Snakefile"


# --------------------------------------------------------------------------- profile checks

def test_shipped_profile_is_site_only():
    prof = yaml.safe_load(SHIPPED_PROFILE.read_text())
    assert prof["executor"] == "slurm"
    for key, value in {"jobs": 100, "latency-wait": 60, "retries": 1, "rerun-incomplete": True,
                       "printshellcmds": True}.items():
        assert prof[key] == value, key
    defaults = prof["default-resources"]
    # job needs come from config/config.yaml through the rules, never from the profile
    assert "gpu" not in defaults and "gres" not in defaults
    assert "cpus_per_task" not in defaults, "would override every rule's threads"
    assert "slurm_partition" not in defaults, "site-specific: the cluster's default partition"
    assert not prof.get("set-resources"), "a CLI --set-resources would silently replace it"
    assert "software-deployment-method" not in prof and "sdm" not in prof
    grouped = set(prof["groups"])
    assert grouped <= PIPELINE_RULES
    assert GPU_RULE not in grouped, "the GPU rule must stay one Slurm job per (tf, arch)"
    assert set(prof["group-components"]) == set(prof["groups"].values())
    # group jobs are sized as sequences (the plugin runs their pieces one after another)
    assert prof["resources"]["serial_in_group"] == 1
    assert prof["set-resource-scopes"]["serial_in_group"] == "local"
    assert defaults["serial_in_group"] == 1


def test_shipped_profile_dry_run_toy(tmp_path):
    """`snakemake -n --profile slurm` parses the shipped profile; only train_model asks for a GPU."""
    work = tmp_path / "toy"
    write_toy(work)
    shutil.copytree(SHIPPED_PROFILE.parent, work / "slurm")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    rc, out, _ = run_snakemake(["-n", "--profile", "slurm", "--config", "gpu=1"], cwd=work,
                               env=env, timeout=300)
    assert rc == 0, tail(out)
    jobs = parse_dry_run(out)
    assert {r for r, _ in jobs} >= TOY_RULES
    for rule, res in jobs:
        if rule == GPU_RULE:
            assert res.get("gpu") == "1", (rule, res)
        elif rule != "all":
            assert res.get("gpu", "0") == "0" and "gres" not in res, (rule, res)
    groups = re.findall(r"Group job (\w+)", out)
    assert sorted(set(groups)) == ["data", "interpret"], groups
    # 2 TFs x 2 archs: 4 saliency + 4 filter->jaspar chains = 8 pieces = one interpret job
    assert groups.count("interpret") == 1 and groups.count("data") == 1, groups


def test_pipeline_dry_run_gpu_only_for_train_model(tmp_path):
    """The real pipeline under the shipped profile: train_model carries gpu, no other rule does."""
    snakefile, _ = pipeline_paths()
    if snakefile is None:
        pytest.skip("the pipeline (Snakefile) does not exist yet")
    override = tmp_path / "gpu.yaml"
    override.write_text("resources:\n  train:\n    gpu: 1\n")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    rc, out, _ = run_snakemake(["-n", "--profile", "slurm", "-s", str(snakefile),
                                "--configfile", str(override)],
                               cwd=REPO, env=env, log=tmp_path / "dryrun.out", timeout=600)
    assert rc == 0, tail(out)
    jobs = parse_dry_run(out)
    train = [res for rule, res in jobs if rule == GPU_RULE]
    assert train, "no train_model jobs in the dry run:\n" + tail(out)
    assert all(res.get("gpu") == "1" for res in train), train[:3]
    others = [(rule, res) for rule, res in jobs if rule != GPU_RULE]
    bad = [(r, res) for r, res in others if res.get("gpu", "0") not in ("0",) or "gres" in res]
    assert not bad, bad[:3]


# --------------------------------------------------------------------------- real Slurm

@pytest.mark.slurm
def test_sbatch_hostname(slurm_cluster, tmp_path):
    t0 = time.monotonic()
    jid = slurm_cluster.run("sbatch", "--parsable", "-D", str(tmp_path), "-o", "hostname-%j.out",
                            "--wrap", "hostname").stdout.strip().split(";")[0]
    states = slurm_cluster.wait_jobs_done([jid], timeout=120)
    assert states[jid] == "COMPLETED", (states, slurm_cluster.diagnostics())
    out = (tmp_path / f"hostname-{jid}.out").read_text().strip()
    assert out.split(".")[0] == slurm_cluster.nodename
    rec = {r["JobId"]: r for r in slurm_cluster.completed_jobs()}[jid]
    assert rec["JobState"] == "COMPLETED" and rec["Partition"] == "debug"
    print(f"\n[timing] sbatch --wrap hostname: {time.monotonic() - t0:.1f}s")


@pytest.mark.slurm
def test_toy_workflow_through_slurm_matches_local(slurm_cluster, tmp_path):
    """The shipped profile (plus test overrides) runs every job through Slurm, outputs == local."""
    profile = make_test_profile(tmp_path / "profile", partition=slurm_cluster.partition)
    slurm_dir, local_dir = tmp_path / "slurm_run", tmp_path / "local_run"
    snakefile = write_toy(slurm_dir)
    write_toy(local_dir)

    try:
        rc, out, secs = run_snakemake(["--profile", str(profile), "-s", str(snakefile)],
                                      cwd=slurm_dir, env=slurm_cluster.env)
    finally:
        slurm_cluster.cancel_all()
    assert rc == 0, f"{tail(out)}\n{slurm_cluster.diagnostics()}"
    print(f"\n[timing] toy workflow through Slurm: {secs:.1f}s")

    submitted = assert_all_jobs_went_through_slurm(out, slurm_dir, slurm_cluster, TOY_RULES)
    # every rule job saw a SLURM_JOB_ID of one of the submitted jobs
    for logf in (slurm_dir / "logs").rglob("*.log"):
        jid = logf.read_text().strip().removeprefix("SLURM_JOB_ID=")
        assert jid in submitted, f"{logf}: ran outside the submitted Slurm jobs ({jid!r})"
    # grouping: 2 data + 8 interpretation pieces arrive as 2 Slurm jobs; 4 train + 1 summary
    rule_jobs = [r for r in re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", out) if r != "all"]
    assert len(rule_jobs) == 2 + 4 + 3 * 4 + 1, rule_jobs
    assert len(submitted) == 7, (len(submitted), submitted)
    # the interpret group job is sized as a sequence: 1 CPU, runtime = sum of its 12 jobs
    records = {r["JobId"]: r for r in slurm_cluster.completed_jobs()}
    group_ids = [j for j, p in submitted.items() if "group_interpret" in str(p)]
    assert len(group_ids) == 1, submitted
    rec = records[group_ids[0]]
    assert rec["ProcCnt"] == "1", rec
    assert rec["TimeLimit"] == "120", rec   # 12 jobs x runtime 10 (test default-resources)

    t0 = time.monotonic()
    rc, lout, _ = run_snakemake(["--cores", "2", "-s", str(local_dir / "Snakefile")],
                                cwd=local_dir, timeout=600)
    assert rc == 0, tail(lout)
    print(f"[timing] toy workflow locally: {time.monotonic() - t0:.1f}s")
    problems = []
    for sub in ("results", "resources"):
        problems += compare_trees(slurm_dir / sub, local_dir / sub)
    assert not problems, problems


@pytest.mark.slurm
def test_pipeline_tiny_config_through_slurm_matches_local(slurm_cluster, tmp_path):
    """The real pipeline's tiny config (.test/) through Slurm; outputs match a local run."""
    snakefile, test_dir = pipeline_paths()
    if snakefile is None or test_dir is None:
        pytest.skip("the pipeline (Snakefile) or its tiny config (.test/) does not exist yet")
    profile = make_test_profile(tmp_path / "profile", partition=slurm_cluster.partition)
    slurm_dir, local_dir = tmp_path / "slurm_run", tmp_path / "local_run"
    shutil.copytree(test_dir, slurm_dir)
    shutil.copytree(test_dir, local_dir)
    cfg = tiny_configfile(slurm_dir)
    common = ["-s", str(snakefile)]

    def args(workdir):
        c = tiny_configfile(workdir)
        return common + ["--directory", str(workdir)] + (["--configfile", str(c)] if c else [])

    try:
        rc, out, secs = run_snakemake(["--profile", str(profile), *args(slurm_dir)],
                                      cwd=slurm_dir, env=slurm_cluster.env,
                                      log=tmp_path / "slurm_run.out")
    finally:
        slurm_cluster.cancel_all()
    assert rc == 0, f"{tail(out)}\n{slurm_cluster.diagnostics()}"
    print(f"\n[timing] pipeline .test config through Slurm: {secs:.1f}s (config {cfg})")
    ran = set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", out)) - ALLOWED_LOCAL_RULES
    assert GPU_RULE in ran, sorted(ran)
    assert_all_jobs_went_through_slurm(out, slurm_dir, slurm_cluster, ran)

    rc, lout, lsecs = run_snakemake(["--cores", "2", *args(local_dir)], cwd=local_dir,
                                    log=tmp_path / "local_run.out")
    assert rc == 0, tail(lout)
    print(f"[timing] pipeline .test config locally: {lsecs:.1f}s")
    problems = []
    for sub in ("results", "resources"):
        if (slurm_dir / sub).exists() or (local_dir / sub).exists():
            problems += compare_trees(slurm_dir / sub, local_dir / sub)
    assert not problems, problems
