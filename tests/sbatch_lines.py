"""The sbatch command of every Slurm submission of a dry run, built by the Slurm executor plugin's own code.

    python tests/sbatch_lines.py OUT.json [--attempts 2] -- <snakemake arguments, e.g. -n --profile slurm>

Runs ``snakemake`` in this process; every job the dry run would submit (a group job as one submission,
with the cores and settings of the cluster run) is handed to the plugin's ``get_submit_command`` and
``set_gres_string`` as the plugin's ``Executor.run_job`` does, once per attempt (the job's ``attempt``
set as Snakemake sets it for a retry). Downloads and other local jobs are not submissions and are left
out. Group jobs are sized as in a cluster run (a dry run sizes them as if run locally). OUT.json: a list of ``{"group", "rules", "attempt", "sbatch", "runtime", "mem_mb", "gpus"}`` with
runtime (``-t``, minutes), mem_mb (``--mem``) and gpus parsed from the command line.

Account and partition come from the plugin's ``get_account_arg`` / ``get_partition_arg`` with account
validation (``sacctmgr``, which needs a cluster) switched off. Used by tests/test_pipeline_slurm.py and
benchmarks/dag_scale.py.
"""

from __future__ import annotations

import json
import re
import sys
import types


def sbatch_record(job, attempt: int) -> dict:
    import snakemake_executor_plugin_slurm as plugin
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    if job.attempt != attempt:
        job.attempt = attempt  # Snakemake's retry: resources evaluated again with the new attempt
    executor = types.SimpleNamespace(_partitions=None, _fallback_partition="", _fallback_account_arg="",
                                     logger=types.SimpleNamespace(warning=print, info=print, debug=print))
    name = f"group_{job.name}" if job.is_group() else f"rule_{job.name}"
    params = {"run_uuid": "RUN", "slurm_logfile": f".snakemake/slurm_logs/{name}/%j.log",
              "comment_str": name, "account": next(plugin.Executor.get_account_arg(executor, job)),
              "partition": plugin.Executor.get_partition_arg(executor, job), "workdir": "."}
    call = get_submit_command(job, params, settings=plugin.ExecutorSettings(), failed_nodes=set())
    call += set_gres_string(job)
    gpus = re.search(r"--gpus=(?:[\w.]+:)?(\d+)", call) or re.search(r"--gres=gpu(?::[\w.]+)?(?::(\d+))?", call)
    return {"group": job.groupid if job.is_group() else None,
            "rules": [j.rule.name for j in job.jobs] if job.is_group() else [job.rule.name],
            "attempt": attempt, "sbatch": call,
            "runtime": int(re.search(r" -t (\d+)", call).group(1)) if " -t " in call else None,
            "mem_mb": int(re.search(r" --mem (\d+)", call).group(1)) if " --mem " in call else None,
            "gpus": int(gpus.group(1) or 1) if gpus else 0}


def main(argv: list[str]) -> None:
    out, rest = argv[0], argv[1:]
    attempts = 1
    if rest[:1] == ["--attempts"]:
        attempts, rest = int(rest[1]), rest[2:]
    snakemake_args = rest[rest.index("--") + 1:] if "--" in rest else rest

    import snakemake_executor_plugin_slurm as plugin
    from snakemake.cli import main as snakemake_main
    from snakemake.executors import dryrun
    from snakemake.resources import GroupResources

    plugin.validate_account = lambda account, logger: account  # sacctmgr needs a cluster
    records: list[dict] = []
    run_job = dryrun.Executor.run_job

    def submit(self, job):
        # a dry run marks every job local; a cluster run keeps local the ungrouped localrules/norun jobs
        # (Workflow.is_local without its local_exec)
        if job.is_group() or not (job.rule.norun or job.rule.name in job.dag.workflow._localrules):
            records.append(sbatch_record(job, 1))
            # the first attempt's resources are kept for the dry run's listing: setting job.attempt back
            # to 1 evaluates them (and every member's) once more, half the time of a large dry run
            first = [(each, each._resources) for each in (job, *(job.jobs if job.is_group() else ()))]
            records.extend(sbatch_record(job, attempt) for attempt in range(2, attempts + 1))
            if job.attempt != 1:
                job.attempt = 1
                for each, resources in first:
                    each._resources = resources
        return run_job(self, job)

    dryrun.Executor.run_job = submit
    # A dry run executes "locally", which also changes how Snakemake sizes a group job: the sum of its
    # toposort levels' memory instead of the largest, as submitted (run_local=False in a cluster run).
    layered = GroupResources.basic_layered.__func__
    GroupResources.basic_layered = classmethod(lambda cls, *args, **kwargs: layered(cls, *args, **{**kwargs, "run_local": False}))
    code = 0
    try:
        snakemake_main(["-n", *snakemake_args])
    except SystemExit as exit_:
        code = exit_.code or 0
    with open(out, "w") as handle:
        json.dump(records, handle)
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
