# What each cluster job needs and how group jobs behave, in one place. The sizes and the checks are
# decisions of the package (deepmotif.plan.cluster, tested in tests/test_pipeline_slurm.py); here they are applied:
# the GPU, runtime and memory of the training jobs (config `resources.train`, used by train.smk) and the
# size of every other job, set by size_cluster_jobs() (called by the Snakefile once all rules exist) as if
# each rule declared it in `resources`, so a site's `--default-resources` cannot strip it and
# `--set-resources` still wins; the group each per-TF rule joins (grouped(), below), cut by group-components
# of profiles/default/config.yaml (Snakemake's default workflow profile); docs/slurm.md.
import functools
import re

from snakemake.iocontainers import InputFiles
from snakemake.resources import Resources

from deepmotif.plan.cluster import (
    JOB_DISK_MB,
    check_group_budget,
    grown_memory,
    is_job_independent,
    job_size,
    train_runtime_limits,
)

MAX_RUNTIME = PLAN.section("resources")["max_runtime"]  # minutes: the partition's time limit
MAX_MEM_MB = PLAN.section("resources")["max_mem_mb"]  # what a retry's memory grows to at most


def _plain(resource):
    """The value of a --set-resources entry (a parsed Resource); itself when it needs a job to evaluate."""
    try:
        return getattr(resource, "value", resource)
    except ValueError:
        return resource


SET_RESOURCES = {  # --set-resources RULE:NAME=VALUE, as plain values
    rule_name: {name: _plain(value) for name, value in values.items()}
    for rule_name, values in workflow.resource_settings.overwrite_resources.items()
}
CLUSTER_RUN = workflow.resource_settings.nodes is not None or workflow.remote_exec


@functools.cache
def group_limits():
    """(first, most) minutes of a training, after checking every group job against MAX_RUNTIME.

    Evaluated with the first job's resources: Snakemake hands the workflow its group-components and
    retries only after reading this file. Refuses (InputError) settings that make a job too long.
    """
    components = workflow.group_settings.group_components
    if CLUSTER_RUN and not workflow.remote_exec:  # the submitting snakemake of a cluster run (or its dry run)
        check_group_budget(components, MAX_RUNTIME, 1 + workflow.execution_settings.retries, SET_RESOURCES)
    return train_runtime_limits(train_setting("runtime"), TRAIN_ON_GPU, int(components.get("train", 1)), MAX_RUNTIME)


# --- training: GPUs and runtime (train.smk) ------------------------------------------------------------


def train_setting(key, default=None):
    """A key of resources.train: --set-resources train_model:KEY=... first, then the config."""
    if key in SET_RESOURCES.get("train_model", {}):
        return SET_RESOURCES["train_model"][key]
    return PLAN.section("resources")["train"].get(key, default)


def _train_gpus():
    value = train_setting("gpu", "auto")
    if value != "auto":
        return int(value)
    # A cluster run: --jobs is kept only for non-local executors (snakemake turns it into --cores for the
    # local one), known when this file is read, also in dry runs and in the job's slurm-jobstep process;
    # the snakemake that finally runs the job (srun ... --mode remote) has no --jobs but remote_exec.
    # tests/test_pipeline_slurm.py checks all three levels (--gpus=1 reaches `deepmotif train` inside Slurm).
    return 1 if CLUSTER_RUN else 0


TRAIN_GPUS = 0 if train_setting("gres", "") else _train_gpus()  # a gres string replaces --gpus
TRAIN_ON_GPU = bool(TRAIN_GPUS or "gpu" in train_setting("gres", ""))


def train_runtime(wildcards, attempt):
    """Minutes: the configured first attempt (or refused), doubled on a retry up to what fits a group job
    (training resumes from its last epoch)."""
    first, most = group_limits()
    return min(first * attempt, most)


def train_mem_mb(wildcards, attempt):
    """MB: resources.train.mem_mb, times the attempt (an out-of-memory kill is retried with more)."""
    return grown_memory(PLAN.train_resource("mem_mb"), attempt, MAX_MEM_MB)


def train_slurm_gpu():
    """The plugin's GPU resources of a training job: gpu (+ gpu_model) or gres; empty on the CPU."""
    gres, model = train_setting("gres", ""), train_setting("gpu_model", "")
    if gres:
        return {"gres": gres}
    if not TRAIN_GPUS:
        return {}
    return {"gpu": TRAIN_GPUS, **({"gpu_model": model} if model else {})}


def job_gpus(resources):
    """GPUs the job was given, from its resources (so --set-resources train_model:gpu=... counts)."""
    gres = str(resources.get("gres", ""))
    if resources.get("gpu"):
        return int(resources.gpu)
    match = re.fullmatch(r"gpu(?::[\w.]+)?(?::(\d+))?", gres)
    return int(match.group(1) or 1) if match else 0


def train_args(wildcards, resources):
    """train_model's params.args: its architecture's training settings (JSON) and the GPUs it was given.

    One params function for both: Snakemake inspects every callable of every job.
    """
    return {
        "train": json.dumps(PLAN.training_params(wildcards.arch), separators=(",", ":")),
        "gpus": job_gpus(resources),
    }


def train_env(wildcards, params):
    return "../../envs/deepmotif-cuda.yaml" if int(params.args["gpus"]) else "../../envs/deepmotif.yaml"


# --- group jobs ----------------------------------------------------------------------------------------
# Rules that run per TF or per model join a group, cut into group jobs of `group-components` pieces
# (profiles/default/config.yaml): pieces 0..N-1 in the group <parent>0, N..2N-1 in <parent>1, ... by their
# place in the sheet (then the archive's datasets). Snakemake's own cutting (one group id, N components per
# job) is applied again to its own result each time the DAG is updated, as after the archive's
# list_datasets checkpoint: 12 x 12 interpretations in one job asked for 36 hours. Each id here holds at
# most N pieces, so cutting again changes nothing. Cluster runs only: local runs ignore groups.


@functools.cache
def _archive_index():
    """Archive dataset → its place after the sheet's TFs (evaluates the checkpoint; cached once done)."""
    return {name: len(PLAN.tfs.index) + i for i, name in enumerate(archive_datasets())}


SHEET_INDEX = {tf: i for i, tf in enumerate(PLAN.tfs.index)}


def grouped(parent, per_model=False):
    """A rule's `group:`: `parent` cut into ids of at most group-components[parent] pieces (one TF's chain,
    or one model with per_model)."""

    def group(wildcards):
        size = max(1, int(workflow.group_settings.group_components.get(parent, 1)))
        index = SHEET_INDEX.get(wildcards.tf)
        index = _archive_index()[wildcards.tf] if index is None else index
        if per_model:
            index = index * len(ARCHS) + ARCHS.index(wildcards.arch)
        bucket = f"{parent}{index // size}"
        workflow.parent_groupids[bucket] = parent  # group-components[parent] applies to the bucket
        return bucket

    return group


# --- every other cluster job ----------------------------------------------------------------------------


def _memory(rule_name):
    """The rule's memory (MB) at the job's attempt: it grows on a retry (its runtime does not: a constant)."""

    def mem_mb(wildcards, attempt):
        group_limits()
        return job_size(rule_name, attempt, max_mem_mb=MAX_MEM_MB)["mem_mb"]

    return mem_mb


def _evaluated_once(resource, rule):
    """``resource`` evaluated now if it is an expression of the command line or a profile that names nothing of
    a job (deepmotif.plan.cluster.is_job_independent: Snakemake's default `tmpdir=system_tmpdir`, a site's
    partition or account; Snakemake's default `disk_mb` of a rule without input files), else itself. Snakemake
    would evaluate it again for every job, to the same value."""
    has_input = bool(rule.input)
    if not (resource.is_evaluable() and isinstance(resource.raw, str) and is_job_independent(resource.raw, has_input)):
        return resource
    try:
        return resource.evaluate(
            wildcards=None,
            input=None if has_input else InputFiles(),
            attempt=1,
            threads=1,
            rulename=rule.name,
            async_run=workflow.async_run,
        )
    except Exception:  # any error is Snakemake's to report, per job, with the rule's name
        return resource


def size_cluster_jobs():
    """Set the sizes of deepmotif.plan.cluster (and serial_in_group) on the rules; call once all exist.

    In cluster runs also the disk of the cluster jobs (JOB_DISK_MB: a fixed value instead of Snakemake's
    default, which it evaluates from the input sizes for every job and nothing submitted reads). Runtimes
    are constants and resource expressions that name nothing of a job are evaluated once (_evaluated_once):
    Snakemake evaluates every callable resource of every job, a tenth of a dry run's CPU.
    """
    for each in workflow.rules:
        sizes = {"serial_in_group": 1}
        if CLUSTER_RUN and each.name not in workflow._localrules:
            sizes["disk_mb"] = JOB_DISK_MB
        if each.name != "train_model":
            sizes.update({"runtime": job_size(each.name)["runtime"], "mem_mb": _memory(each.name)})
        each.resources.update(Resources.from_mapping(sizes))
        each.resources.update(Resources.from_mapping(workflow.resource_settings.overwrite_resources.get(each.name, {})))
        for name, value in list(each.resources.items()):
            each.resources[name] = _evaluated_once(value, each)
