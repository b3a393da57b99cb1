# Group jobs: sized as the sequence they run, and a failed job of a group job fails alone. Included by the
# Snakefile (and by the toy workflows of tests/test_pipeline_slurm.py), which calls restart_in_slurm_job() once all
# rules exist; needs nothing else of the workflow.
#
# Sizing. The Slurm plugin runs the jobs of a group job one after another (its inner snakemake has
# --jobs 1), but Snakemake sizes a group job as if independent pieces ran side by side (the sum of their
# CPUs, memory and GPUs; the longest runtime). Every job holds one `serial_in_group` slot (cluster.smk,
# size_cluster_jobs), of which a group job has one (scope `local`: a limit per group job, never counted
# across the workflow): Snakemake then sizes it as a sequence (the largest CPUs, memory and GPUs; the sum
# of runtimes). Registered here, not in a profile, so that a user's --resources (e.g. gpu=8) cannot drop
# it and turn six trainings run one after another into a --gpus=6 job.
#
# Failures. The snakemake that runs a group job inside Slurm (started by the plugin; no setting changes
# its options) stops at the first failed job (no --keep-going) and always runs every job of the group (its
# --target-jobs are forced): one failing member stopped its group-mates, and the retry ran every member
# again from scratch. Here that snakemake restarts itself at once with --keep-going, without
# --keep-incomplete (it removes the outputs of its own failed jobs) and, on a retry, without the jobs that
# finished in an earlier attempt of the same group job (all their outputs are newer than the marker the
# first attempt left in .snakemake/group_jobs/). The submitting snakemake must keep the outputs of a failed
# group job's finished members: `keep-incomplete: true` (slurm/config.yaml; Snakemake removes a job's old
# outputs when it starts it and deepmotif writes every file atomically, so a job killed by Slurm leaves no
# half-written or stale file). tests/test_pipeline_slurm.py::test_group_member_fails_alone shows it on a real Slurm;
# docs/slurm.md, "Failures, retries and resuming".
import os
import sys
from pathlib import Path

from snakemake.io import apply_wildcards
from snakemake.target_jobs import parse_target_jobs_cli_args


resource_scopes:
    serial_in_group="local",


# Only where jobs are grouped: a cluster run's submitting snakemake (--jobs, also in its dry run) and the
# snakemake inside a cluster job. A local run (--cores) groups nothing, and one slot there would let only
# one job run at a time, however many cores it has.
SERIAL_SLOTS = 1 if workflow.resource_settings.nodes is not None or workflow.remote_exec else sys.maxsize
if "serial_in_group" not in workflow.global_resources:
    workflow.register_resource("serial_in_group", SERIAL_SLOTS)

GROUP_MARKERS = Path(".snakemake", "group_jobs")  # one file per group job, touched by its first attempt


def option_values(args, option):
    """The values after ``option`` in ``args`` (up to the next option), or []."""
    if option not in args:
        return []
    values = args[args.index(option) + 1 :]
    return values[: next((i for i, a in enumerate(values) if a.startswith("--")), len(values))]


def finished_in_earlier_attempt(spec, since):
    """True if every output of the target job ``spec`` (rule:wildcard=value,...) is newer than ``since``."""
    (target,) = parse_target_jobs_cli_args([spec])
    outputs = [Path(apply_wildcards(str(f), target.wildcards_dict)) for f in workflow.get_rule(target.rulename).output]
    return all(path.exists() and path.stat().st_mtime >= since for path in outputs)


def inner_snakemake_args(args, finished=()):
    """The arguments the snakemake inside a Slurm job runs with, given ``args`` and the target jobs that
    ``finished`` in an earlier attempt; None when nothing is left to run."""
    args = [a for a in args if a != "--keep-incomplete"] + ([] if "--keep-going" in args else ["--keep-going"])
    targets = option_values(args, "--target-jobs")
    left = [t for t in targets if t not in finished]
    if targets and not left:
        return None
    start = args.index("--target-jobs") + 1 if targets else 0
    return args[:start] + left + args[start + len(targets) :] if targets else args


def restart_in_slurm_job():
    """In the snakemake a Slurm job runs: restart with inner_snakemake_args (exit when all is done).

    That snakemake (`python -m snakemake ... --executor slurm-jobstep`) runs the job's jobs, each in a
    snakemake of its own started with srun, which is left as it is.
    """
    args = sys.argv[1:]
    if not (
        workflow.remote_exec
        and Path(sys.argv[0]).parent.name == "snakemake"
        and option_values(args, "--executor") == ["slurm-jobstep"]
    ):
        return
    finished = []
    group_id = option_values(args, "--local-groupid")
    if group_id:  # a group job
        marker = GROUP_MARKERS / group_id[0]
        if int((option_values(args, "--attempt") or ["1"])[0]) == 1 or not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            since = marker.stat().st_mtime
            finished = [t for t in option_values(args, "--target-jobs") if finished_in_earlier_attempt(t, since)]
            print(f"Finished in an earlier attempt, not run again: {' '.join(finished) or 'none'}", file=sys.stderr)
    restarted = inner_snakemake_args(args, finished)
    if restarted is None:
        sys.exit(0)
    if restarted != args:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "snakemake", *restarted])
