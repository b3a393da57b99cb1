# What each cluster job needs, in one place: the GPU, runtime and memory of the training jobs (from config
# `resources.train`, used by train.smk) and a table of runtime (minutes, sbatch -t) and memory (MB,
# sbatch --mem) for every other cluster job. The Snakefile calls size_cluster_jobs() once all rules
# exist; it sets the table's values as if each rule declared them in `resources`, so a site's
# `--default-resources slurm_account=...` cannot strip them, and `--set-resources` still wins.
# Downloads are local rules (data.smk) and need no cluster size.
#
# Sizes (docs/slurm.md, "How the jobs are sized"): per-job wall times of the tiny .test config on the
# 2-core development machine under load 10-16 (2026-12-01; results/benchmarks/ and the run's log): data
# jobs 4-18 s, the interpretation steps of one model 230-330 s together, training 53-97 s (CPU), the
# plots and page of one TF ~5 min together, peak RSS of any job <= 520 MB. Interpretation works on a
# fixed number of test sequences (interpret.n_sequences / n_evaluate), so its time does not grow with
# the dataset; data jobs do (import of ~100k sequences, GC-matched negatives on hg38). Runtimes are
# >= 3x the slowest time measured on that overloaded machine (>= 10x on an idle core); with the group
# sizes of slurm/config.yaml every group job stays within 240 minutes (the sum of its members'
# runtimes; tests/test_slurm.py checks the default config and 108 datasets, dag_scale.py 690 TFs).
# Every job also holds one `serial_in_group` slot, so group jobs are sized as the sequence the plugin
# runs (slurm/config.yaml) even when a site replaces the profile's default-resources.

# --- training: GPUs and runtime (train.smk) ------------------------------------------------------------


def train_setting(key, default=None):
    """A key of config resources.train (schema defaults filled in), or ``default``."""
    return PLAN.section("resources")["train"].get(key, default)


def _train_gpus():
    value = train_setting("gpu", "auto")
    if value != "auto":
        return int(value)
    # A cluster run: --jobs is kept only for non-local executors (snakemake turns it into --cores for the
    # local one), known when this file is read, also in dry runs and in the job's slurm-jobstep process;
    # the snakemake that finally runs the job (srun ... --mode remote) has no --jobs but remote_exec.
    # tests/test_slurm.py checks all three levels (--gpus=1 reaches `deepmotif train` inside Slurm).
    return 1 if workflow.resource_settings.nodes is not None or workflow.remote_exec else 0


TRAIN_GPUS = 0 if train_setting("gres", "") else _train_gpus()  # a gres string replaces --gpus
TRAIN_ON_GPU = bool(TRAIN_GPUS or "gpu" in train_setting("gres", ""))
TRAIN_RUNTIME_CAP = 40 if TRAIN_ON_GPU else 240  # minutes; x group-components train (6) <= 240
TRAIN_RUNTIME = train_setting("runtime", 20 if TRAIN_ON_GPU else 120)  # attempt 1, see docs/slurm.md


def train_runtime(wildcards, attempt):
    """Minutes: the base doubled on a retry (a timed-out run resumes from its last epoch), capped."""
    return min(TRAIN_RUNTIME * attempt, TRAIN_RUNTIME_CAP)


def train_slurm_gpu():
    """The plugin's GPU resources of a training job: gpu (+ gpu_model) or gres; empty on the CPU."""
    gres, model = train_setting("gres", ""), train_setting("gpu_model", "")
    if gres:
        return {"gres": gres}
    if not TRAIN_GPUS:
        return {}
    return {"gpu": TRAIN_GPUS, **({"gpu_model": model} if model else {})}


def job_gpus(wildcards, resources):
    """GPUs the job was given, from its resources (so --set-resources train_model:gpu=... counts)."""
    gres = str(resources.get("gres", ""))
    if resources.get("gpu"):
        return int(resources.gpu)
    match = re.fullmatch(r"gpu(?::[\w.]+)?(?::(\d+))?", gres)
    return int(match.group(1) or 1) if match else 0


def train_env(wildcards, params):
    return "../../envs/deepmotif-cuda.yaml" if int(params.gpus) else "../../envs/deepmotif.yaml"


# --- every other cluster job ----------------------------------------------------------------------------

JOB_RESOURCES = {
    # data (group `data`, one chain per TF)
    "simulate_data": {"runtime": 5, "mem_mb": 2000},
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
    "interpret_model": {"runtime": 15, "mem_mb": 3000},
    # figures and the dashboard page of one TF in one job (group `figures`): its plots took 7-91 s each,
    # about 5 min together under load 10-16
    "build_dashboard": {"runtime": 15, "mem_mb": 3000},
    # across TFs: one job each
    "summarize_metrics": {"runtime": 10, "mem_mb": 2000},
    "plot_summary": {"runtime": 10, "mem_mb": 2000},
    "summarize_ground_truth": {"runtime": 10, "mem_mb": 2000},
    "build_index": {"runtime": 10, "mem_mb": 2000},
}
# rules the table does not know yet (new ones) get the size of the profile's default-resources
JOB_RESOURCES_FALLBACK = {"runtime": 20, "mem_mb": 4000}


def size_cluster_jobs():
    """Set JOB_RESOURCES (and serial_in_group) on the rules; call once every rule is defined."""
    from snakemake.resources import Resources

    overrides = workflow.resource_settings._parsed_overwrite_resources  # --set-resources, parsed
    local = set(workflow._localrules)
    for each in workflow.rules:
        sizes = {"serial_in_group": 1}
        if each.name not in local and each.name != "train_model":
            sizes.update(JOB_RESOURCES.get(each.name, JOB_RESOURCES_FALLBACK))
        each.resources.update(Resources.from_mapping(sizes))
        each.resources.update(overrides.get(each.name, {}))
