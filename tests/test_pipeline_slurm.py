"""The shipped Slurm profile (slurm/config.yaml) against a real single-node Slurm.

Tests marked `slurm` start a private slurmctld/slurmd (tests/slurm_cluster.py; needs root and
`.ci/install_slurm.sh`): they are skipped when Slurm is not installed, and fail under CI=true.
The profile checks and dry runs need only snakemake and run in the default suite.

    sudo .ci/install_slurm.sh && sudo -E python -m pytest tests/test_pipeline_slurm.py -m slurm -s
    (-s prints the timings; the test daemons run as root)

Every Slurm run uses a copy of the shipped profile with test overrides (make_test_profile):
partition `debug`, status via `squeue` (with accounting off, the default `sacct` cannot see
jobs and the run stalls), a short first status check, small default memory.
"""

from __future__ import annotations

import collections
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import run_snakemake
from slurm_cluster import slurm_cluster  # noqa: F401  (session fixture)

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PROFILE = REPO / "slurm" / "config.yaml"  # the site profile
WORKFLOW_PROFILE = REPO / "profiles" / "default" / "config.yaml"  # groups, group-components, retries
GPU_RULE = "train_model"
# Rules that run on the submit host instead of Slurm: exactly the downloads (compute nodes often
# have no internet), plus the target rule `all`.
DOWNLOAD_RULES = {"download_peaks", "download_genome", "download_blacklist", "download_urls",
                  "download_archive"}
ALLOWED_LOCAL_RULES = {"all"} | DOWNLOAD_RULES
MAX_RUNTIME = 240  # minutes: no Slurm job may ask for more (4-hour partitions)
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


def make_test_profile(dst: Path, partition: str = "debug", **overrides) -> Path:
    """A copy of the shipped profile with the overrides a single-node test cluster needs."""
    prof = yaml.safe_load(SHIPPED_PROFILE.read_text())
    prof["default-resources"] = {**prof.get("default-resources", {}), "slurm_partition": partition,
                                 "mem_mb": 1000, "runtime": 10, "serial_in_group": 1}  # the toys' rules
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


def slurm_submissions(text: str, local_rules: set[str] = ALLOWED_LOCAL_RULES) -> list[dict]:
    """The Slurm jobs a `snakemake -n` run under the profile would submit.

    One entry per submission: ``{"group": name or None, "rules": [...], "runtime": minutes,
    "gpu": ...}``; a group job's runtime is the sum of its members' (the profile's serial_in_group
    sizing), its gpu the largest. Jobs of `local_rules` are not submissions (a dry run does not mark
    local jobs; test_downloads_are_exactly_the_local_rules checks the set).
    """
    subs: list[dict] = []
    group = current = None
    for line in text.splitlines():
        m = re.match(r"^\[[^]]+\] Group job (\w+)", line)
        if m:
            group = {"group": m.group(1), "rules": [], "runtime": 0, "gpu": 0}
            subs.append(group)
            continue
        m = re.match(r"^(\s*)(local)?rule (\w+):\s*$", line)
        if m:
            indent, local, rule = m.groups()
            if not indent:
                group = None
            if local or (rule in local_rules and not indent):
                current = None
            elif group is not None and indent:
                current = group
                group["rules"].append(rule)
            else:
                current = {"group": None, "rules": [rule], "runtime": 0, "gpu": 0}
                subs.append(current)
            continue
        m = re.match(r"^\s*resources: (.*)$", line)
        if m and subs and current is not None:
            res = dict(kv.split("=", 1) for kv in m.group(1).split(", ") if "=" in kv)
            current["runtime"] += int(res.get("runtime", 0))
            current["gpu"] = max(current["gpu"], int(res.get("gpu", 0)))
    return subs


def dry_run_profile(tmp_path: Path, *args: str, name: str = "dryrun", snakefile: Path | None = None) -> str:
    """`snakemake -n --forceall --profile slurm ARGS` of the real pipeline (or of ``snakefile``, e.g. a probe that
    includes it) from the repository root."""
    pipeline, _ = pipeline_paths()
    if pipeline is None:
        pytest.skip("the pipeline (Snakefile) does not exist yet")
    snakefile = snakefile or pipeline
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    env["PYTHONPATH"] = str(REPO / "src")  # this checkout's package, also for a probe Snakefile elsewhere
    run = run_snakemake(REPO, "-n", "--forceall", "--profile", "slurm", *args, snakefile=snakefile,
                        configfile=None, cores=None, env=env, log=tmp_path / f"{name}.out", timeout=900)
    assert run.returncode == 0, tail(run.stdout)
    return run.stdout


def assert_all_jobs_went_through_slurm(out: str, cluster, expected_rules: set[str]):
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


TIMING = re.compile(r"second|time|elapsed|date|host|duration", re.I)


def compare_outputs(ref: Path, other: Path, rel_tol: float = 1e-4,
                    skip=re.compile(r"(^|/)benchmarks/")) -> list[str]:
    """Every file under `ref` must exist under `other` with equal content: bytes, or numbers
    within rel_tol for JSON/TSV/CSV (fields named like timings ignored), decompressed for .gz,
    arrays for .npz; other binaries (checkpoints, images, html) only need to exist."""
    import gzip

    problems = []
    for pa in sorted(p for p in ref.rglob("*") if p.is_file()):
        rel = pa.relative_to(ref)
        if skip.search(rel.as_posix()):
            continue
        pb = other / rel
        if not pb.is_file():
            problems.append(f"missing: {rel}")
            continue
        ba, bb = pa.read_bytes(), pb.read_bytes()
        if ba == bb:
            continue
        name = rel.name
        if name.endswith(".gz"):
            ok = gzip.decompress(ba) == gzip.decompress(bb)
        elif name.endswith(".json"):
            ok = _close(json.loads(ba), json.loads(bb), rel_tol)
        elif name.endswith((".tsv", ".csv", ".txt")):
            ok = _tables_close(ba.decode(errors="replace"), bb.decode(errors="replace"), rel_tol)
        elif name.endswith(".npz"):
            import numpy as np
            with np.load(pa) as za, np.load(pb) as zb:
                ok = set(za) == set(zb) and all(
                    np.allclose(za[k], zb[k], rtol=rel_tol, atol=rel_tol, equal_nan=True)
                    if za[k].dtype.kind in "fiub" else np.array_equal(za[k], zb[k]) for k in za)
        elif name.endswith((".fa", ".fai", ".bed", ".narrowPeak", ".meme")):
            ok = False
        else:
            ok = True  # binary (checkpoints, images, html with timestamps): existence only
        if not ok:
            problems.append(f"differs: {rel}")
    return problems


def _close(x, y, tol) -> bool:
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(TIMING.search(k) or _close(x[k], y[k], tol) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_close(i, j, tol) for i, j in zip(x, y))
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return math.isclose(x, y, rel_tol=tol, abs_tol=tol)
    return x == y


def _tables_close(ta: str, tb: str, tol) -> bool:
    la, lb = ta.splitlines(), tb.splitlines()
    if len(la) != len(lb):
        return False
    sep = "\t" if "\t" in (la[0] if la else "") else ","
    header = la[0].split(sep) if la else []
    for ra, rb in zip(la, lb):
        ca, cb = ra.split(sep), rb.split(sep)
        if len(ca) != len(cb):
            return False
        for i, (x, y) in enumerate(zip(ca, cb)):
            if x == y or (i < len(header) and TIMING.search(header[i])):
                continue
            try:
                if not math.isclose(float(x), float(y), rel_tol=tol, abs_tol=tol):
                    return False
            except ValueError:
                return False
    return True


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

rule interpret_model:
    input: "results/{tf}/{arch}/model.txt"
    output: saliency="results/{tf}/{arch}/saliency.txt", jaspar="results/{tf}/{arch}/jaspar.txt"
    log: "logs/interpret_model/{tf}_{arch}.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; cut -c1-16 {input} > {output.saliency}; cut -c17-32 {input} | rev > {output.jaspar}"

rule summarize_metrics:
    input: expand("results/{tf}/{arch}/model.txt", tf=TFS, arch=ARCHS)
    output: "results/summary/auc_table.tsv"
    log: "logs/summarize_metrics/all.log"
    shell: "echo SLURM_JOB_ID=${{SLURM_JOB_ID:-}} > {log}; for f in {input}; do echo \"$f\t$(cut -c1-8 $f)\"; done > {output}"
'''
TOY_RULES = {"simulate_data", "train_model", "interpret_model", "summarize_metrics"}


def write_toy(workdir: Path) -> Path:
    """The toy workflow with the pipeline's group-job handling and its workflow profile beside it."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "Snakefile").write_text(f"include: {str(REPO / 'workflow/rules/group_jobs.smk')!r}\n" + TOY_SNAKEFILE
                                       + "\nrestart_in_slurm_job()\n")
    profile = yaml.safe_load(WORKFLOW_PROFILE.read_text())  # the toy's rules name no group: the profile does
    profile["groups"] = {"simulate_data": "data", "interpret_model": "interpret"}
    (workdir / "profiles" / "default").mkdir(parents=True, exist_ok=True)
    (workdir / "profiles" / "default" / "config.yaml").write_text(yaml.safe_dump(profile))
    return workdir / "Snakefile"


# --------------------------------------------------------------------------- profile checks

def test_shipped_profile_is_site_only():
    """slurm/ holds what belongs to a cluster site; nothing a user's own site profile would have to copy."""
    prof = yaml.safe_load(SHIPPED_PROFILE.read_text())
    assert prof["executor"] == "slurm"
    for key, value in {"jobs": 100, "latency-wait": 60, "keep-going": True, "keep-incomplete": True,
                       "printshellcmds": True}.items():
        assert prof[key] == value, key
    workflow_keys = {"groups", "group-components", "retries", "resources", "set-resource-scopes", "set-resources",
                     "rerun-incomplete"}
    assert not workflow_keys & set(prof), sorted(workflow_keys & set(prof))
    defaults = prof["default-resources"]
    # job needs come from config/config.yaml through the rules, never from the profile
    assert set(defaults) == {"runtime", "mem_mb"}, "site settings only as comments; sizes are the workflow's"
    assert "software-deployment-method" not in prof and "sdm" not in prof


def job_groups(text: str) -> list[tuple[str, str | None]]:
    """(rule, group) of every job printed by `snakemake -n`: the group job's name without its number
    (data0: data), None for a job of its own."""
    jobs: list[tuple[str, str | None]] = []
    group = None
    for line in text.splitlines():
        m = re.search(r"Group job (\w+?)\d* \(", line)
        if m:
            group = m.group(1)
            continue
        m = re.match(r"^(\s*)(?:local)?rule (\w+):\s*$", line)
        if m:
            jobs.append((m.group(2), group if m.group(1) else None))
    return jobs


def every_source(workdir: Path) -> Path:
    """A workdir whose sheet has a row of each kind of data (simulated, ENCODE with its blacklist, local
    peaks, DeepBind files) and the shipped profile as ``slurm/``; returns its config file."""
    workdir.mkdir(parents=True)
    for name in ("a.bed", "g.fa", "a_AC.seq.gz", "a_B.seq.gz"):
        (workdir / name).write_text("")
    (workdir / "tfs.tsv").write_text("tf\tsource\tmotifs\taccession\tgenome\tpeaks\tfasta\ttrain\ttest\n"
                                     "SIM\tsimulated\tMA0139.1\t\t\t\t\t\t\n"
                                     "ENC\tencode\t\tENCFF618VMC\tGRCh38\t\t\t\t\n"
                                     "LOC\tlocal\t\t\t\ta.bed\tg.fa\t\t\n"
                                     "DB\tdeepbind\t\t\t\t\t\ta_AC.seq.gz\ta_B.seq.gz\n")
    config = {"tfs": "tfs.tsv", "architectures": ["cnn"], "encode": {"blacklist": True},
              "genomes": {"GRCh38": {"url": "https://example.org/GRCh38.fa.gz",
                                     "blacklist": "https://example.org/GRCh38.blacklist.bed.gz"}}}
    (workdir / "c.yaml").write_text(yaml.safe_dump(config))
    shutil.copytree(SHIPPED_PROFILE.parent, workdir / "slurm")
    return workdir / "c.yaml"


def test_workflow_profile_and_the_groups_of_the_rules(tmp_path):
    """profiles/default (Snakemake's default workflow profile, beside the Snakefile): group-components of
    every group of deepmotif.plan.cluster, retries; nothing of a site. In a dry run of every kind of sheet
    row under the profile, each job of a rule of GROUP_PIECES runs in a group job of its group and no other
    job is grouped; every cluster rule Snakemake lists has a size."""
    prof = yaml.safe_load(WORKFLOW_PROFILE.read_text())
    assert set(prof) == {"retries", "rerun-incomplete", "group-components"}, sorted(prof)
    assert prof["retries"] >= 1 and prof["rerun-incomplete"] is True
    from deepmotif.plan.cluster import GROUP_PIECES, JOB_SIZES
    assert set(GROUP_PIECES) == set(prof["group-components"])
    piece_group = {rule: group for group, pieces in GROUP_PIECES.items() for chain in pieces for rule in chain}
    config = every_source(tmp_path / "work")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    run = run_snakemake(config.parent, "-n", "--forceall", "--profile", "slurm", configfile=config.name, cores=None,
                        env=env, timeout=300)
    assert run.returncode == 0, tail(run.stdout)
    jobs = job_groups(run.stdout)
    assert set(piece_group) <= {rule for rule, _ in jobs}, sorted(set(piece_group) - {rule for rule, _ in jobs})
    misplaced = sorted({(rule, group) for rule, group in jobs if group != piece_group.get(rule)})
    assert not misplaced, f"(rule, group job) against GROUP_PIECES: {misplaced}"
    listed = run_snakemake(config.parent, "--list-rules", configfile=config.name, cores=None, env=env, timeout=300)
    assert listed.returncode == 0, tail(listed.stdout)
    pipeline_rules = set(re.findall(r"^(\w+)$", listed.stdout, re.M))
    assert {"all", GPU_RULE, *piece_group, *DOWNLOAD_RULES} <= pipeline_rules, sorted(pipeline_rules)
    cluster_rules = pipeline_rules - DOWNLOAD_RULES - {"all", GPU_RULE}
    assert cluster_rules <= set(JOB_SIZES), f"rules without a size: {sorted(cluster_rules - set(JOB_SIZES))}"


def test_shipped_profile_dry_run_toy(tmp_path):
    """`snakemake -n --profile slurm` parses the shipped profile; only train_model asks for a GPU."""
    work = tmp_path / "toy"
    write_toy(work)
    shutil.copytree(SHIPPED_PROFILE.parent, work / "slurm")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    run = run_snakemake(work, "-n", "--profile", "slurm", "--config", "gpu=1", snakefile=work / "Snakefile",
                        configfile=None, cores=None, env=env, timeout=300)
    out = run.stdout
    assert run.returncode == 0, tail(out)
    jobs = parse_dry_run(out)
    assert {r for r, _ in jobs} >= TOY_RULES
    for rule, res in jobs:
        if rule == GPU_RULE:
            assert res.get("gpu") == "1", (rule, res)
        elif rule != "all":
            assert res.get("gpu", "0") == "0" and "gres" not in res, (rule, res)
    groups = re.findall(r"Group job (\w+)", out)
    assert sorted(set(groups)) == ["data", "interpret"], groups
    n = yaml.safe_load(WORKFLOW_PROFILE.read_text())["group-components"]
    # 2 TFs: 2 data pieces; 2 x 2 (tf, arch): 4 interpret_model pieces
    assert groups.count("data") == math.ceil(2 / n["data"]), groups
    assert groups.count("interpret") == math.ceil(4 / n["interpret"]), groups


def test_pipeline_dry_run_gpu_only_for_train_model(tmp_path):
    """`snakemake --profile slurm` with no other flag (default config, from the repository root):
    every train_model job asks for one GPU and passes --gpus=1 to `deepmotif train`; no other job
    asks for a GPU; every submission stays within 4 hours; the interpretation rules are grouped."""
    out = dry_run_profile(tmp_path)
    jobs = parse_dry_run(out)
    train = [res for rule, res in jobs if rule == GPU_RULE]
    assert train, "no train_model jobs in the dry run:\n" + tail(out)
    assert all(res.get("gpu") == "1" for res in train), train[:3]
    bad = [(r, res) for r, res in jobs
           if r != GPU_RULE and (res.get("gpu", "0") != "0" or "gres" in res)]
    assert not bad, bad[:3]
    shells = re.findall(r"python -m deepmotif train .*", out)
    assert len(shells) == len(train) and all("--gpus=1" in c for c in shells), shells[:2]
    assert "Group job interpret" in out, "the interpretation rules are no longer grouped"
    subs = slurm_submissions(out)
    assert max(s["runtime"] for s in subs) <= MAX_RUNTIME, max(subs, key=lambda s: s["runtime"])
    assert all(s["gpu"] == (1 if GPU_RULE in s["rules"] else 0) for s in subs), subs
    assert all(set(s["rules"]) == {GPU_RULE} for s in subs if GPU_RULE in s["rules"]), \
        "training shares Slurm jobs only with training"


def test_pipeline_dry_run_gpus_switched_off(tmp_path):
    """The documented switch for CPU-only clusters (slurm/cpu.yaml = resources.train.gpu: 0): no job
    asks for a GPU, training passes --gpus=0, runs one Slurm job each, within 4 hours."""
    out = dry_run_profile(tmp_path, "--configfile", str(REPO / "slurm" / "cpu.yaml"))
    jobs = parse_dry_run(out)
    assert [r for r, _ in jobs].count(GPU_RULE) > 0
    assert not [(r, res) for r, res in jobs if res.get("gpu", "0") != "0" or "gres" in res]
    assert all("--gpus=0" in c for c in re.findall(r"python -m deepmotif train .*", out))
    subs = slurm_submissions(out)
    assert not [s for s in subs if (s["group"] or "").startswith("train")], "CPU training is not grouped"
    assert max(s["runtime"] for s in subs) <= MAX_RUNTIME


def test_pipeline_dry_run_gpu_model_and_gres(tmp_path):
    """resources.train.gpu_model selects a GPU type (--gpus=<model>:1); resources.train.gres replaces
    --gpus by a gres string; the job still tells `deepmotif train` that it has one GPU."""
    override = tmp_path / "gpu.yaml"
    override.write_text("resources:\n  train:\n    gpu_model: a100\n")
    jobs = parse_dry_run(dry_run_profile(tmp_path, "--configfile", str(override), "--until", GPU_RULE))
    train = [res for rule, res in jobs if rule == GPU_RULE]
    assert train and all(res.get("gpu") == "1" and res.get("gpu_model") == "a100" for res in train)
    override.write_text("resources:\n  train:\n    gres: gpu:v100:1\n")
    out = dry_run_profile(tmp_path, "--configfile", str(override), "--until", GPU_RULE)
    train = [res for rule, res in parse_dry_run(out) if rule == GPU_RULE]
    assert train and all(res.get("gres") == "gpu:v100:1" and "gpu" not in res for res in train), train[:2]
    assert all("--gpus=1" in c for c in re.findall(r"python -m deepmotif train .*", out))


def test_site_default_resources_keep_job_sizes(tmp_path):
    """A site's `--default-resources slurm_account=...` (as the plugin's docs suggest) replaces the
    profile's default-resources but cannot strip runtime/memory: they are the workflow's."""
    out = dry_run_profile(tmp_path, "--default-resources", "slurm_account=mylab", "--until", "build_dataset",
                          "interpret_model", GPU_RULE)
    from deepmotif.plan.cluster import JOB_DISK_MB

    jobs = [(r, res) for r, res in parse_dry_run(out) if r != "all"]
    assert jobs
    for rule, res in jobs:
        assert int(res["runtime"]) > 0 and res["mem_mb"] not in ("", "<TBD>"), (rule, res)
        assert res["slurm_account"] == "mylab" and res["serial_in_group"] == "1", (rule, res)
        # a fixed disk, not Snakemake's default from the input sizes (evaluated per job; nothing submitted reads it)
        assert res["disk_mb"] == str(JOB_DISK_MB), (rule, res)


def _sheet(path: Path, rows: list[str]) -> Path:
    path.write_text("tf\tsource\taccession\tgenome\tpeaks\tfasta\ttrain\ttest\n" + "\n".join(rows) + "\n")
    return path


def test_downloads_are_exactly_the_local_rules(tmp_path):
    """The rules that run where snakemake runs are exactly the downloads (and the target `all`); an
    ENCODE sheet, a local row with URL peaks + URL genome FASTA and a DeepBind row with URL files plan
    every download, and nothing else runs locally: everything else goes to Slurm."""
    url = "https://example.org/files"
    sheet = _sheet(tmp_path / "tfs.tsv", [
        "CTCF_enc\tencode\tENCFF002CEL\thg38\t\t\t\t",
        "REST_enc\tencode\tENCFF001PXY\thg19\t\t\t\t",
        f"LOC\tlocal\t\t\t{url}/loc.narrowPeak.gz\t{url}/genome.fa.gz\t\t",
        f"DB\tdeepbind\t\t\t\t\t{url}/DB_AC.seq.gz\t{url}/DB_B.seq.gz",
    ])
    # Snakemake marks local jobs only in a real run's log; the rules' flags decide it (Workflow.is_local:
    # listed in `localrules` and in no group): read them from the parsed workflow under the profile
    probe = tmp_path / "probe.smk"
    probe.write_text(f"include: {str(REPO / 'Snakefile')!r}\n\n"
                     "print('LOCAL_RULES=' + ','.join(sorted(r.name for r in workflow.rules\n"
                     "      if (r.name in workflow._localrules or r.norun) and r.group is None)))\n")
    blacklist = tmp_path / "blacklist.yaml"
    blacklist.write_text("encode:\n  blacklist: true\n")
    out = dry_run_profile(tmp_path, "--configfile", str(blacklist), "--config", f"tfs={sheet}", "--until", GPU_RULE,
                          snakefile=probe)
    local = set(re.search(r"^LOCAL_RULES=(.*)$", out, re.M).group(1).split(","))
    assert local == ALLOWED_LOCAL_RULES, local
    out = dry_run_profile(tmp_path, "--configfile", str(blacklist), "--config", f"tfs={sheet}",
                          "--until", GPU_RULE, name="sheet")
    planned = set(re.findall(r"^\s*rule (\w+):", out, re.M))
    assert planned >= DOWNLOAD_RULES - {"download_archive"}, planned
    assert "prepare_genome" in planned and "filter_peaks" in planned  # cluster jobs beside the downloads
    out = dry_run_profile(tmp_path, "--configfile", str(REPO / "config" / "paper.yaml"), name="paper")
    assert {"download_archive", "extract_archive"} <= set(re.findall(r"^\s*rule (\w+):", out, re.M))


def sbatch_lines(tmp_path: Path, *args: str, attempts: int = 2, name: str = "sbatch", cwd: Path = REPO,
                 ok: bool = True) -> list[dict] | str:
    """Every Slurm submission of `snakemake -n --profile slurm ARGS` at attempts 1..`attempts`, with the
    sbatch line the Slurm plugin's own code builds from the real (group) job objects (tests/sbatch_lines.py).
    With ok=False the run must fail: returns its output."""
    snakefile, _ = pipeline_paths()
    if snakefile is None:
        pytest.skip("the pipeline (Snakefile) does not exist yet")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    env["PYTHONPATH"] = str(REPO / "src")
    out = tmp_path / f"{name}.json"
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "sbatch_lines.py"), str(out), "--attempts",
                           str(attempts), "--", "--profile", str(REPO / "slurm"), "-s", str(snakefile), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if not ok:
        assert proc.returncode != 0, tail(proc.stdout + proc.stderr)
        return proc.stdout + proc.stderr
    assert proc.returncode == 0, tail(proc.stdout + proc.stderr)
    return json.loads(out.read_text())


MAX_MEM_MB = 16000  # config resources.max_mem_mb: what a retry's memory grows to at most


def _deepbind_rows(n: int) -> list[str]:
    url = "https://example.org/files"
    return [f"TF{i:04d}\tdeepbind\t\t\t\t\t{url}/{i}_AC.seq.gz\t{url}/{i}_B.seq.gz" for i in range(n)]


def _simulated_rows(n: int) -> list[str]:
    motifs = ["MA0139.1", "MA0138.2", "MA0035.4", "MA0091.1,MA0035.4"]
    return [f"TF{i:04d}\tsimulated\t\t\t\t\t\t\t{motifs[i % 4]}" for i in range(n)]


def _archive_checkpoint(workdir: Path, n: int) -> None:
    """The list_datasets checkpoint of config/paper.yaml as done: n datasets (a dry run cannot evaluate it).
    Files are made in the order the rules would make them (archive, extracted folder, table)."""
    data = workdir / "resources" / "archive" / "data"
    data.parent.mkdir(parents=True)
    (data.parent / "datasets.tar.gz").write_bytes(b"")
    rows = ["name\ttrain\ttest"]
    for i in range(n):
        folder = data / "deepbind" / f"DS{i:03d}"
        folder.mkdir(parents=True)
        for split in ("train", "test"):
            (folder / f"{split}.fa").write_text(">s\nACGT\n")
        rows.append(f"DS{i:03d}\t{folder / 'train.fa'}\t{folder / 'test.fa'}")
    later = time.time() + 2
    os.utime(data, (later, later))
    (data.parent / "datasets.tsv").write_text("\n".join(rows) + "\n")
    os.utime(data.parent / "datasets.tsv", (later + 2, later + 2))


def _config(tmp_path: Path, case: str) -> tuple[list[str], Path]:
    """Arguments (and working directory) of a dry run of one of the configurations users run."""
    sheet_columns = "tf\tsource\taccession\tgenome\tpeaks\tfasta\ttrain\ttest\tmotifs\n"
    archs = "architectures=[cnn,rnn,cnn_rnn]"
    if case in ("default", "default-cpu"):
        return ["--forceall", *(["--configfile", str(REPO / "config/config.yaml"), str(REPO / "slurm/cpu.yaml")]
                                if case == "default-cpu" else [])], REPO
    if case == "paper":
        work = tmp_path / "paper"
        _archive_checkpoint(work, 108)
        return ["--configfile", str(REPO / "config/paper.yaml"), "--directory", str(work)], REPO
    n = int(case.split("-")[1])
    sheet = tmp_path / f"{case}.tsv"
    if case.startswith("simulated"):
        sheet.write_text(sheet_columns + "\n".join(_simulated_rows(n)) + "\n")
        return ["--forceall", "--config", f"tfs={sheet}", archs], REPO
    # imported TFs (the paper's route), scored against a VCF of their own
    sheet.write_text(sheet_columns + "\n".join(_deepbind_rows(n)) + "\n")
    vcf, fasta = tmp_path / "calls.vcf", tmp_path / "genome.fa"
    vcf.write_text("##fileformat=VCFv4.2\n")
    fasta.write_text(">chr1\nACGT\n")
    variants = tmp_path / "variants.yaml"
    variants.write_text(f"variants:\n  vcfs:\n    - {{name: calls, vcf: {vcf}, genome: {fasta}}}\n")
    return ["--forceall", "--configfile", str(REPO / "config/config.yaml"), str(variants), "--config", f"tfs={sheet}",
            archs], REPO


@pytest.mark.parametrize("case", ["default", "default-cpu", "paper", "simulated-108", "imported-108", "simulated-690"])
def test_every_submission_within_time_and_memory(tmp_path, case):
    """Every Slurm submission, as submitted (group jobs), on its first attempt and its retry: at most 240
    minutes and MAX_MEM_MB; GPUs only for training, one per job; the groups of the profile in use.
    Configurations: the default (simulated TFs with ground-truth variants) on GPUs and CPUs, the paper's
    108-dataset archive, 108 simulated TFs, 108 imported TFs with a VCF, 690 simulated TFs."""
    args, cwd = _config(tmp_path, case)
    subs = sbatch_lines(tmp_path, *args, cwd=cwd, name=case)
    first = [s for s in subs if s["attempt"] == 1]
    longest, largest = max(subs, key=lambda s: s["runtime"]), max(subs, key=lambda s: s["mem_mb"])
    print(f"\n[limits] {case}: {len(first)} submissions; longest -t {longest['runtime']} ({longest['group'] or longest['rules'][0]}, "
          f"attempt {longest['attempt']}), largest --mem {largest['mem_mb']} ({largest['group'] or largest['rules'][0]}, "
          f"attempt {largest['attempt']})")
    assert all(s["runtime"] and s["runtime"] <= MAX_RUNTIME for s in subs), longest["sbatch"]
    assert all(s["mem_mb"] and s["mem_mb"] <= MAX_MEM_MB for s in subs), largest["sbatch"]
    for s in subs:
        assert s["gpus"] == (1 if GPU_RULE in s["rules"] and case != "default-cpu" else 0), s["sbatch"]
        assert GPU_RULE not in s["rules"] or set(s["rules"]) == {GPU_RULE}, s["rules"]
    groups = {re.sub(r"\d+$", "", s["group"]) for s in first if s["group"]}  # data0, data1, ...: group data
    expected = {"data", "interpret", "figures"} | ({"train"} if case != "default-cpu" else set())
    assert groups >= expected, groups
    if case == "imported-108" or case == "paper":
        assert len(first) <= 300, collections.Counter(s["group"] or s["rules"][0] for s in first)


def test_user_resources_cannot_turn_a_gpu_group_parallel(tmp_path):
    """`--resources gpu=8` and `--default-resources slurm_account=...` (site settings a user may give)
    leave a training group job one GPU running its trainings one after another, sized as such."""
    subs = sbatch_lines(tmp_path, "--forceall", "--resources", "gpu=8", "--default-resources", "slurm_account=mylab",
                        "--until", GPU_RULE, attempts=1)
    train = [s for s in subs if (s["group"] or "").startswith("train")]
    assert train and all(s["gpus"] == 1 and s["runtime"] == 20 * len(s["rules"]) and s["mem_mb"] == 4000
                         and " -A mylab" in s["sbatch"] for s in train), [s["sbatch"] for s in train]


def test_sbatch_site_settings_from_the_plugin(tmp_path):
    """Partition, account and constraint per rule reach the plugin's sbatch line; no GPU outside training."""
    subs = sbatch_lines(tmp_path, "--forceall", "--set-resources", "train_model:slurm_partition=gpu",
                        "train_model:constraint=a100", "train_model:slurm_account=mylab",
                        "summarize_metrics:slurm_partition=cpu", attempts=1)
    train = [s["sbatch"] for s in subs if GPU_RULE in s["rules"]]
    assert train and all(" --gpus=1" in c and " -p gpu" in c and " -A mylab" in c and " -C a100" in c for c in train)
    other = [s["sbatch"] for s in subs if GPU_RULE not in s["rules"]]
    assert other and not [c for c in other if "--gpus" in c or "--gres" in c], other
    summary = next(s["sbatch"] for s in subs if s["rules"] == ["summarize_metrics"])
    assert " -p cpu" in summary and " -A " not in summary, summary


def test_train_runtime_is_honoured_or_refused(tmp_path):
    """resources.train.runtime as set, doubled on the retry up to what fits a group job; a value that
    cannot fit is refused with the fix, never cut (it gave 40 for 90)."""
    override = tmp_path / "train.yaml"
    override.write_text("resources:\n  train:\n    runtime: 30\n")
    def training(name, *args):
        subs = sbatch_lines(tmp_path, "--forceall", "--configfile", str(override), *args, "--until", GPU_RULE, name=name)
        return [s for s in subs if GPU_RULE in s["rules"]]

    subs = training("gpu30")
    assert subs
    for s in subs:  # 6 per group job: 30 min first, 40 (= 240 / 6) on the retry
        assert s["runtime"] == len(s["rules"]) * (30 if s["attempt"] == 1 else 40), s
    override.write_text("resources:\n  train:\n    runtime: 90\n")
    out = sbatch_lines(tmp_path, "--forceall", "--configfile", str(override), "--until", GPU_RULE, ok=False, name="gpu90")
    assert "resources.train.runtime: 90 minutes x 6 trainings per Slurm job" in out and "--group-components train=2" in out, tail(out)
    subs = training("gpu90x2", "--group-components", "train=2", "data=6", "interpret=6", "figures=6")
    assert max(len(s["rules"]) for s in subs) == 2, subs  # 90, then 120 (= 240 / 2) per training
    assert all(s["runtime"] == len(s["rules"]) * (90 if s["attempt"] == 1 else 120) for s in subs), subs
    override.write_text("resources:\n  train:\n    runtime: 90\n    gpu: 0\n")
    subs = training("cpu90")
    assert {(s["attempt"], s["runtime"], s["mem_mb"]) for s in subs} == {(1, 90, 4000), (2, 180, 8000)}, subs


def test_per_rule_gpu_zero_is_training_on_cpus(tmp_path):
    """`--set-resources train_model:gpu=0` means CPU training everywhere: no group `train`, the CPU runtime,
    `deepmotif train --gpus=0` (it kept the GPU grouping and 20 minutes)."""
    subs = sbatch_lines(tmp_path, "--forceall", "--set-resources", "train_model:gpu=0", "--until", GPU_RULE, attempts=1)
    train = [s for s in subs if GPU_RULE in s["rules"]]
    assert train and all(s["group"] is None and s["gpus"] == 0 and s["runtime"] == 120 for s in train), train[:2]


def test_group_components_beyond_the_time_limit_are_refused(tmp_path):
    out = sbatch_lines(tmp_path, "--forceall", "--group-components", "data=12", "train=6", "interpret=6", "figures=6",
                       ok=False, attempts=1)
    assert "group-components data: 12 pieces of up to 30 minutes" in out and "--group-components data=8" in out, tail(out)


# --------------------------------------------------------------------------- the GPU check


def test_train_without_visible_gpu_stops_before_training(tmp_path):
    """`deepmotif train --gpus=1` where torch sees no GPU (this machine: CPU torch) fails within
    seconds with one line naming torch's build, is_available, CUDA_VISIBLE_DEVICES, host and fix,
    and writes nothing (never trains on the CPU instead)."""
    import socket

    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a usable GPU")
    sequences = tmp_path / "sequences.tsv"
    sequences.write_text("id\tseq\tlabel\tsplit\n" + "".join(
        f"s{i}\t{'ACGT' * 25}A\t{i % 2}\t{('train', 'valid', 'test')[i % 3]}\n" for i in range(30)))
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "0", "PYTHONPATH": str(REPO / "src")}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "deepmotif", "train", str(sequences), "--arch", "cnn",
                           "-o", str(tmp_path / "out"), "--gpus=1"], capture_output=True, text=True,
                          env=env, timeout=300)
    seconds = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("deepmotif train: error: asked for 1 GPU(s) but torch sees 0"), proc.stderr
    for part in (f"torch.version.cuda={torch.version.cuda}", "torch.cuda.is_available()=False",
                 "CUDA_VISIBLE_DEVICES='0'", socket.gethostname(), "Fix: this torch is a CPU build",
                 "--sdm conda", "Traceback"):
        assert (part in proc.stderr) == (part != "Traceback"), (part, proc.stderr)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    print(f"\n[timing] train --gpus=1 without CUDA fails after {seconds:.1f}s (load {os.getloadavg()[0]:.1f})")


def test_require_gpus_messages():
    """What to fix follows what was seen: a CPU build, no GPU allocated, or CUDA that does not start."""
    from deepmotif.models import device

    seen = {"host": "node7", "torch": "2.13.0", "torch_cuda": "12.6", "cuda_available": False,
            "device_count": 0, "CUDA_VISIBLE_DEVICES": "0"}
    assert device.require_gpus(0, seen)["host"] == "node7"
    with pytest.raises(device.GPUUnavailableError, match=r"node7.*torch.version.cuda=12.6.*driver supports CUDA 12.6"):
        device.require_gpus(1, seen)
    seen["CUDA_VISIBLE_DEVICES"] = None
    with pytest.raises(device.GPUUnavailableError, match="no GPU is allocated to this job"):
        device.require_gpus(1, seen)
    seen.update(torch_cuda=None)
    with pytest.raises(device.GPUUnavailableError, match="CPU build"):
        device.require_gpus(1, seen)
    seen.update(torch_cuda="12.6", cuda_available=True, device_count=1, CUDA_VISIBLE_DEVICES="0")
    assert device.require_gpus(1, seen)["device_count"] == 1
    with pytest.raises(device.GPUUnavailableError, match="asked for 2 GPU"):
        device.require_gpus(2, seen)


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
        run = run_snakemake(slurm_dir, "--profile", str(profile), snakefile=snakefile, configfile=None,
                            cores=None, env=slurm_cluster.env, timeout=SNAKEMAKE_TIMEOUT)
    finally:
        slurm_cluster.cancel_all()
    out = run.stdout
    assert run.returncode == 0, f"{tail(out)}\n{slurm_cluster.diagnostics()}"
    print(f"\n[timing] toy workflow through Slurm: {run.seconds:.1f}s")

    submitted = assert_all_jobs_went_through_slurm(out, slurm_cluster, TOY_RULES)
    # every rule job saw the SLURM_JOB_ID of one of the submitted jobs
    for logf in (slurm_dir / "logs").rglob("*.log"):
        jid = logf.read_text().strip().removeprefix("SLURM_JOB_ID=")
        assert jid in submitted, f"{logf}: ran outside the submitted Slurm jobs ({jid!r})"
    rule_jobs = [r for r in re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", out) if r != "all"]
    assert len(rule_jobs) == 2 + 4 + 4 + 1, rule_jobs
    # grouping: data and interpretation pieces are bundled; train and summary one job each
    n = yaml.safe_load(WORKFLOW_PROFILE.read_text())["group-components"]
    groups = {g: [j for j, p in submitted.items() if f"group_{g}_" in str(p)]
              for g in ("data", "interpret")}
    assert len(groups["data"]) == math.ceil(2 / n["data"]), submitted
    assert len(groups["interpret"]) == math.ceil(4 / n["interpret"]), submitted
    assert len(submitted) == len(groups["data"]) + 4 + len(groups["interpret"]) + 1, submitted
    # group jobs are sized as sequences (serial_in_group): 1 CPU, runtime = sum of their jobs
    records = {r["JobId"]: r for r in slurm_cluster.completed_jobs()}
    for g, n_jobs in (("data", 2), ("interpret", 4)):
        assert all(records[j]["ProcCnt"] == "1" for j in groups[g]), [records[j] for j in groups[g]]
        assert sum(int(records[j]["TimeLimit"]) for j in groups[g]) == n_jobs * 10, g

    local = run_snakemake(local_dir, snakefile=local_dir / "Snakefile", configfile=None, cores=2, timeout=600)
    assert local.returncode == 0, tail(local.stdout)
    print(f"[timing] toy workflow locally: {local.seconds:.1f}s")
    problems = []
    for sub in ("results", "resources"):
        problems += compare_outputs(local_dir / sub, slurm_dir / sub)
        problems += compare_outputs(slurm_dir / sub, local_dir / sub)
    assert not problems, problems


@pytest.mark.slurm
def test_pipeline_tiny_config_through_slurm_matches_local(slurm_cluster, tmp_path):
    """The real pipeline's tiny config (.test/) through Slurm, as tests/test_pipeline.py runs it
    locally. Outputs are compared with a local run up to training (data, simulated genomes,
    models' metrics/predictions/histories); the rest only has to exist (snakemake checks)."""
    snakefile, test_dir = pipeline_paths()
    if snakefile is None or test_dir is None:
        pytest.skip("the pipeline (Snakefile) or its tiny config (.test/) does not exist yet")
    profile = make_test_profile(tmp_path / "profile", partition=slurm_cluster.partition)
    slurm_dir, local_dir = tmp_path / "slurm_run", tmp_path / "local_run"
    for d in (slurm_dir, local_dir):
        shutil.copytree(test_dir, d / ".test")

    configfiles = ["--configfile", ".test/config.yaml", str(REPO / "slurm" / "cpu.yaml")]  # GPUs switched off:
    # training on the CPU, as locally
    try:
        run = run_snakemake(slurm_dir, "--profile", str(profile), *configfiles, snakefile=snakefile,
                            configfile=None, cores=None, env=slurm_cluster.env, log=tmp_path / "slurm_run.out",
                            timeout=SNAKEMAKE_TIMEOUT)
    finally:
        slurm_cluster.cancel_all()
    out = run.stdout
    assert run.returncode == 0, f"{tail(out)}\n{slurm_cluster.diagnostics()}"
    ran = set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", out)) - ALLOWED_LOCAL_RULES
    submitted = assert_all_jobs_went_through_slurm(out, slurm_cluster, ran)
    print(f"\n[timing] pipeline .test config through Slurm: {run.seconds:.1f}s, "
          f"{len(SUBMITTED_RE.findall(out))} Slurm jobs for "
          f"{len(re.findall(r'Finished jobid: ', out))} rule jobs")
    assert GPU_RULE in ran, sorted(ran)
    assert any(re.search(r"group_interpret\d+_", str(p)) for p in submitted.values()), submitted

    local = run_snakemake(local_dir, "--until", GPU_RULE, *configfiles, snakefile=snakefile, configfile=None,
                          cores=2, log=tmp_path / "local_run.out", timeout=SNAKEMAKE_TIMEOUT)
    assert local.returncode == 0, tail(local.stdout)
    print(f"[timing] pipeline .test config locally, up to {GPU_RULE}: {local.seconds:.1f}s")
    problems = []
    for sub in ("results", "resources"):
        if (local_dir / sub).exists():
            problems += compare_outputs(local_dir / sub, slurm_dir / sub)
    assert not problems, problems


@pytest.mark.slurm
def test_gpu_training_without_cuda_fails_loudly(slurm_cluster, tmp_path):
    """The shipped profile (GPUs on, the default) on the test node, whose one `gpu` GRES has no
    CUDA behind it: train_model is scheduled with the GPU allocated (CUDA_VISIBLE_DEVICES set by
    Slurm), stops within seconds before any training, and the run fails, naming what it saw."""
    snakefile, test_dir = pipeline_paths()
    if snakefile is None or test_dir is None:
        pytest.skip("the pipeline (Snakefile) or its tiny config (.test/) does not exist yet")
    profile = make_test_profile(tmp_path / "profile", partition=slurm_cluster.partition)
    workdir = tmp_path / "run"
    shutil.copytree(test_dir, workdir / ".test")
    target = "results/CTCF/cnn/model.ckpt"
    try:
        run = run_snakemake(workdir, target, "--profile", str(profile), snakefile=snakefile, cores=None,
                            env=slurm_cluster.env, log=tmp_path / "run.out", timeout=SNAKEMAKE_TIMEOUT)
    finally:
        slurm_cluster.cancel_all()
    out = run.stdout
    assert run.returncode != 0, "training on a node without CUDA must fail:\n" + tail(out)
    assert re.search(r"sbatch .*--gpus=1", out), "train_model was not submitted with --gpus=1"
    train_log = workdir / "logs" / "train_model" / "CTCF.cnn.log"
    message = train_log.read_text()
    for part in ("asked for 1 GPU(s) but torch sees 0", "CUDA_VISIBLE_DEVICES='0'",  # allocated by Slurm
                 "torch.cuda.is_available()=False", "torch.version.cuda=", f"host {slurm_cluster.nodename}",
                 "Not training on the CPU instead", "Fix: "):
        assert part in message, (part, message)
    assert "epoch" not in message and not (workdir / "results" / "CTCF" / "cnn" / "checkpoints").exists()
    records = [r for r in slurm_cluster.completed_jobs() if r["JobState"] != "COMPLETED"]
    assert records, "the failed training job is not in the job-completion log"
    from datetime import datetime
    seconds = [(datetime.fromisoformat(r["EndTime"]) - datetime.fromisoformat(r["StartTime"])).total_seconds()
               for r in records]
    print(f"\n[timing] GPU training job without CUDA: failed after {min(seconds):.0f}s in Slurm "
          f"(whole run {run.seconds:.0f}s, load {os.getloadavg()[0]:.1f})")
    assert min(seconds) < 120, records


# --------------------------------------------------------------------------- failures inside a group job

GROUP_FAIL_SNAKEFILE = r'''
include: {group_jobs!r}

TFS = ["A", "B", "C", "D"]


rule all:
    input:
        expand("out/{{tf}}.txt", tf=TFS),


# C fails on its first attempt only; D fails until the file `fix_D` exists. Every start is counted in
# runs/<tf> (outside the outputs, never removed).
rule work:
    output:
        "out/{{tf}}.txt",
    log:
        "logs/work/{{tf}}.log",
    group:
        "g"
    resources:
        mem_mb=lambda wildcards, attempt: 300 * attempt,
        runtime=5,
    shell:
        "mkdir -p runs; echo $SLURM_JOB_ID >> runs/{{wildcards.tf}};"
        " if [ {{wildcards.tf}} = D ] && [ ! -e fix_D ]; then exit 1; fi;"
        " if [ {{wildcards.tf}} = C ] && [ ! -e runs/C.failed ]; then touch runs/C.failed; exit 1; fi;"
        " echo {{wildcards.tf}} > {{output}} 2> {{log}}"


restart_in_slurm_job()
'''


@pytest.mark.slurm
def test_group_member_fails_alone(slurm_cluster, tmp_path):
    """Four jobs in one group job on a real Slurm, retried once: C fails on its first attempt, D on every
    attempt. The finished members A and B keep their outputs and run exactly once (the retry runs only C
    and D, with more memory); C succeeds on the retry; the run fails because of D alone. A resume after D
    is fixed runs D only."""
    profile = make_test_profile(tmp_path / "profile", partition=slurm_cluster.partition, retries=1,
                                **{"keep-going": True, "group-components": {"g": 4}})
    assert yaml.safe_load((profile / "config.yaml").read_text())["keep-incomplete"] is True  # the shipped site profile
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "Snakefile").write_text(GROUP_FAIL_SNAKEFILE.format(
        group_jobs=str(REPO / "workflow" / "rules" / "group_jobs.smk")))

    def run(name):
        try:
            return run_snakemake(workdir, "--profile", str(profile), "--workflow-profile", "none",
                                 snakefile=workdir / "Snakefile", configfile=None, cores=None,
                                 env=slurm_cluster.env, log=tmp_path / f"{name}.out", timeout=SNAKEMAKE_TIMEOUT)
        finally:
            slurm_cluster.cancel_all()

    failed = run("first")
    out = failed.stdout
    runs = {tf: (workdir / "runs" / tf).read_text().split() for tf in "ABCD"}
    print(f"\n[timing] group job with failing members through Slurm: {failed.seconds:.1f}s; runs {runs}")
    assert failed.returncode != 0, "D fails on every attempt:\n" + tail(out)
    submitted = SUBMITTED_RE.findall(out)
    assert len(submitted) == 2 and all("group_g" in log for *_, log in submitted), submitted  # attempt 1, retry
    first, retry = (jid for _, jid, _ in submitted)
    assert runs["A"] == [first] and runs["B"] == [first], runs  # finished once, not again on the retry
    assert runs["C"] == [first, retry] and runs["D"] == [first, retry], runs
    retry_log = (workdir / ".snakemake" / "slurm_logs" / "group_g_work" / f"{retry}.log").read_text()
    skipped = re.search(r"Finished in an earlier attempt, not run again: (.*)", retry_log).group(1).split()
    assert sorted(skipped) == ["work:tf=A", "work:tf=B"], retry_log[-3000:]
    assert {p.name for p in (workdir / "out").iterdir()} == {"A.txt", "B.txt", "C.txt"}
    records = {r["JobId"]: r for r in slurm_cluster.completed_jobs()}
    assert records[first]["JobState"] != "COMPLETED" and records[retry]["JobState"] != "COMPLETED"
    mtimes = {tf: (workdir / "out" / f"{tf}.txt").stat().st_mtime for tf in "ABC"}

    (workdir / "fix_D").touch()
    resume = run("resume")
    assert resume.returncode == 0, tail(resume.stdout)
    assert {tf: len((workdir / "runs" / tf).read_text().split()) for tf in "ABCD"} == {"A": 1, "B": 1, "C": 2, "D": 3}
    assert {tf: (workdir / "out" / f"{tf}.txt").stat().st_mtime for tf in "ABC"} == mtimes
    assert (workdir / "out" / "D.txt").read_text().strip() == "D"
    print(f"[timing] resume after fixing D: {resume.seconds:.1f}s")
