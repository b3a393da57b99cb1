"""What each cluster job asks for, and the checks that keep every Slurm job within the time limit.

``workflow/rules/cluster.smk`` applies these sizes to the rules; nothing here imports Snakemake.

Sizes (docs/slurm.md, "How the jobs are sized"): per-job wall times of the tiny ``.test`` config on the
2-core development machine under load 10-16 (2026-12-01; results/benchmarks/ and the run's log): data
jobs 4-18 s, the interpretation steps of one model 230-330 s together, training 53-97 s (CPU), the plots
and page of one TF ~5 min together, peak RSS of any job <= 520 MB. Interpretation works on a fixed number
of test sequences (``interpret.n_sequences`` / ``n_evaluate``), so its time does not grow with the dataset;
data jobs do (import of ~100k sequences, GC-matched negatives on hg38). Runtimes are >= 3x the slowest time
measured on that overloaded machine (>= 10x on an idle core).

A group job (groups and group-components: profiles/default/config.yaml; its pieces: :data:`GROUP_PIECES`)
asks for the sum of its members' runtimes (they run one after another) and the largest memory. On a retry
every job asks for its memory times the attempt; runtimes stay (the margins above are wide; an
out-of-memory kill is the likelier failure), except training's, which doubles (a timed-out training
resumes from its last epoch).
"""

from __future__ import annotations

from collections.abc import Mapping

from deepmotif.errors import InputError

JOB_SIZES: dict[str, dict[str, int]] = {
    # data (group `data`, one chain per TF)
    "simulate_data": {"runtime": 5, "mem_mb": 2000},
    "simulate_variants": {"runtime": 5, "mem_mb": 2000},  # the ground-truth VCF of a simulated TF
    "filter_peaks": {"runtime": 5, "mem_mb": 2000},
    "extract_positives": {"runtime": 5, "mem_mb": 4000},
    "build_dataset": {"runtime": 15, "mem_mb": 8000},  # GC-matched negatives scan the genome
    "prepare_genome": {"runtime": 15, "mem_mb": 2000},  # copies + indexes a genome (hg38: 3 GB)
    "import_sequences": {"runtime": 10, "mem_mb": 4000},
    # the dataset archive (config/paper.yaml): one job each
    "extract_archive": {"runtime": 15, "mem_mb": 2000},
    "list_datasets": {"runtime": 5, "mem_mb": 2000},
    # interpretation: one job per (TF, architecture) runs all methods (group `interpret`); the seven
    # separate steps it replaced took 16-77 s each, 230-330 s together per model under load 10-16
    "compile_tomtom": {"runtime": 10, "mem_mb": 2000},
    # with the motif dependencies (interpret.cooperativity: 2-11 s of CPU as a job of its own)
    "interpret_model": {"runtime": 20, "mem_mb": 3000},
    # genome tracks and motif instances of one model (group `interpret`, one job): tracks of 1,000 regions took
    # 50 s under load 12 (10,000: 408 s), the instances ~19 s
    "make_tracks": {"runtime": 20, "mem_mb": 4000},
    # figures (group `figures`): a TF's variants scored by all its models and explained, then its plots
    # and dashboard page (the plots took 7-91 s each, about 5 min together under load 10-16)
    "score_variants": {"runtime": 15, "mem_mb": 4000},
    "build_dashboard": {"runtime": 15, "mem_mb": 3000},
    "build_genome_view": {"runtime": 5, "mem_mb": 2000},  # a TF's genome view page (group `figures`)
    "bundle_igv": {"runtime": 5, "mem_mb": 2000},
    # across TFs: one job each
    "summarize_metrics": {"runtime": 10, "mem_mb": 2000},
    "plot_summary": {"runtime": 10, "mem_mb": 2000},
    "summarize_ground_truth": {"runtime": 10, "mem_mb": 2000},
    "summarize_variants": {"runtime": 10, "mem_mb": 2000},
    "summarize_variants_ground_truth": {"runtime": 10, "mem_mb": 2000},
    "summarize_known_motifs": {"runtime": 10, "mem_mb": 2000},
    "summarize_instances": {"runtime": 10, "mem_mb": 2000},
    "summarize_cooperativity": {"runtime": 10, "mem_mb": 2000},
    "build_index": {"runtime": 10, "mem_mb": 2000},
}
# rules the table does not know yet (new ones): tests/test_pipeline_slurm.py fails for a cluster rule missing here
FALLBACK_SIZE = {"runtime": 20, "mem_mb": 4000}
TRAIN_RULE = "train_model"

# Disk (MB) of every cluster job, declared by the workflow in cluster runs (workflow/rules/cluster.smk) in place of
# Snakemake's default for cluster runs, max(2 * input size, 1000), which Snakemake evaluates for every job (through
# a new asyncio event loop: a quarter of the CPU of a dry run at 690 TFs; `<TBD>` in a dry run, where the inputs do
# not exist). Nothing we submit reads it: the Slurm executor plugin puts no disk in sbatch, and the snakemake inside
# a Slurm job limits no disk. A job writes its outputs to the shared file system, at most a few tens of MB (a whole
# TF folder of the default run is 24 MB), so 1000 MB, the floor of Snakemake's default, bounds it; reading a genome
# takes no disk. `--set-resources RULE:disk_mb=N` wins. Downloads (local rules) keep Snakemake's default.
JOB_DISK_MB = 1000

# The pieces a group job is made of (the chain of grouped jobs of one TF, or one model): the longest decides
# how many fit in one Slurm job (group-components). The rules name their group (workflow/rules/*.smk).
GROUP_PIECES: dict[str, list[list[str]]] = {
    "data": [["simulate_data", "extract_positives", "build_dataset", "simulate_variants"],
             ["filter_peaks", "extract_positives", "build_dataset"],
             ["extract_positives", "build_dataset"],  # a local row (its genome: prepare_genome, a job of its own)
             ["import_sequences"]],
    "interpret": [["interpret_model", "make_tracks"]],
    "figures": [["score_variants", "build_dashboard", "build_genome_view"]],
    "train": [[TRAIN_RULE]],
}


# Names a resource expression of the command line or a profile (`--default-resources`, `--set-resources`) can use
# that differ from job to job (Snakemake's evaluation namespace, snakemake.resources.Resource.cli_evaluator).
JOB_NAMES = frozenset({"wildcards", "input", "attempt", "threads", "rulename", "async_run"})


def is_job_independent(expression: str, has_input: bool = True) -> bool:
    """True if a resource ``expression`` names nothing of a job, so it has one value for every job.

    Snakemake evaluates such an expression (its default ``tmpdir=system_tmpdir``, a site profile's
    ``slurm_partition: compute``) again for every job; one that names none of :data:`JOB_NAMES` (nor holds a
    lambda, whose body could) gives every job the same value; so does one that names ``input`` in a rule without
    input files (``has_input`` False: ``input`` is empty for every job, e.g. Snakemake's default ``disk_mb`` of a
    download). Text that is no Python expression (``--nice=100``) is kept as it is by Snakemake: job-independent
    too.
    """
    try:
        code = compile(expression, "<resource>", "eval")
    except (SyntaxError, ValueError):
        return True
    nested = any(hasattr(const, "co_names") for const in code.co_consts)
    job_names = JOB_NAMES if has_input else JOB_NAMES - {"input"}
    return not nested and not job_names & set(code.co_names)


def grown_memory(mem_mb: int, attempt: int, max_mem_mb: int) -> int:
    """MB of a job at ``attempt``: ``mem_mb`` times the attempt, grown to at most ``max_mem_mb``.

    A size above ``max_mem_mb`` (a user's) is kept as it is, never cut.
    """
    return max(mem_mb, min(mem_mb * attempt, max_mem_mb))


def job_size(rule: str, attempt: int = 1, overrides: Mapping[str, object] | None = None,
             max_mem_mb: int = 16000) -> dict[str, int]:
    """Runtime (minutes) and memory (MB) of a cluster job of ``rule`` at ``attempt``.

    Memory grows with the attempt (an out-of-memory kill is retried with twice, three times... as much,
    up to ``max_mem_mb``); runtime does not. ``overrides`` are the rule's ``--set-resources`` values, which
    win.
    """
    size = {**JOB_SIZES.get(rule, FALLBACK_SIZE)}
    size["mem_mb"] = grown_memory(size["mem_mb"], attempt, max_mem_mb)
    size.update({k: v for k, v in (overrides or {}).items() if k in size and isinstance(v, int)})
    return size


def train_runtime_limits(runtime: int | None, on_gpu: bool, per_group: int, max_runtime: int) -> tuple[int, int]:
    """(minutes of a training's first attempt, most minutes of any attempt).

    Parameters
    ----------
    runtime: int or None
        ``resources.train.runtime`` of the config; None: 20 on a GPU, 120 on CPUs.
    on_gpu: bool
        Training on GPUs, where ``per_group`` trainings share one Slurm job (group ``train``).
    per_group: int
        ``group-components`` of group ``train`` (1 on CPUs: each training is a Slurm job of its own).
    max_runtime: int
        ``resources.max_runtime``: the partition's time limit, minutes.

    Raises
    ------
    InputError
        When the first attempt alone cannot fit: the runtime is honoured or refused, never cut.
    """
    per_group = per_group if on_gpu else 1
    cap = max_runtime // per_group
    first = runtime if runtime is not None else min(20 if on_gpu else 120, cap)
    if first > cap:
        shared = (f" x {per_group} trainings per Slurm job (group-components train: {per_group})"
                  if per_group > 1 else "")
        fix = (f"lower it to {cap}, or put fewer trainings in one job (--group-components train="
               f"{max(1, max_runtime // first)}), or raise resources.max_runtime if your partition allows"
               if per_group > 1 else "lower it, or raise resources.max_runtime if your partition allows")
        raise InputError(f"config resources.train.runtime: {first} minutes{shared} exceeds resources.max_runtime "
                         f"({max_runtime} minutes, the partition's time limit); {fix}")
    return first, cap


def check_group_budget(group_components: Mapping[str, int], max_runtime: int, attempts: int,
                       overrides: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, int]:
    """Minutes the largest job of each group asks for; InputError if one exceeds ``max_runtime``.

    A group job runs its pieces one after another, so it asks for ``group-components`` x the longest
    piece (:data:`GROUP_PIECES`, runtimes of :func:`job_size` at the last attempt, ``--set-resources``
    included). Training is checked by :func:`train_runtime_limits`.
    """
    overrides = overrides or {}
    longest = {}
    for group, pieces in GROUP_PIECES.items():
        if group == "train":
            continue
        n = int(group_components.get(group, 1))
        piece = max(sum(job_size(rule, attempts, overrides.get(rule))["runtime"] for rule in chain)
                    for chain in pieces)
        longest[group] = n * piece
        if n * piece > max_runtime:
            raise InputError(
                f"group-components {group}: {n} pieces of up to {piece} minutes make Slurm jobs of {n * piece} "
                f"minutes, more than resources.max_runtime ({max_runtime}, the partition's time limit); use "
                f"--group-components {group}={max(1, max_runtime // piece)} (or raise resources.max_runtime)")
    return longest
