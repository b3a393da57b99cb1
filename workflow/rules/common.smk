# Wiring: the plan (deepmotif.plan: validated config, TF sheet, every decision) and input functions
# that look it up. No decisions here; they are tested in tests/test_plan.py. Building the DAG imports
# no torch.
import functools
import inspect
import json
import os
import shlex
import sys
import types
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# Rules run `python -m deepmotif ...` from this checkout's src/ in any environment (local, conda, Slurm).
SRC = str(Path(workflow.basedir, "src").resolve())
sys.path.insert(0, SRC)
_environment = os.environ  # jobs inherit it; cluster jobs re-read this file and set it again
_environment["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, _environment.get("PYTHONPATH")]))
# `python` in the shell commands is the one running Snakemake (e.g. .venv/bin/snakemake, not activated)
_environment["PATH"] = os.pathsep.join(filter(None, [str(Path(sys.executable).parent), _environment.get("PATH")]))

from deepmotif.plan import Plan, alternatives, pairs  # noqa: E402

PLAN = Plan.load(config, base_dir=workflow.basedir)  # fills in the schema's defaults
ARCHS = PLAN.archs
SIMULATED_TFS = PLAN.simulated_tfs


# Constant patterns, never lists of the sheet's TFs (Plan.tf_constraint: Snakemake scans every job's paths
# with them). Rules for some TFs only (simulation, tracks, variants) refuse the others by name in their
# input functions (Plan.simulated_files, track_inputs, variant_inputs).
wildcard_constraints:
    tf=PLAN.tf_constraint(),
    arch=alternatives(ARCHS),


@functools.cache
def _settings_json(arch=None):
    section = PLAN.interpret_job_settings(arch) if arch else PLAN.interpret
    return json.dumps(section, separators=(",", ":"))


def interpret_settings(wildcards=None):
    """The config section interpret as JSON: a model's job gets what changes its outputs, the dashboards all
    (made once per architecture)."""
    return _settings_json(wildcards.arch if wildcards else None)


def by_tf(method):
    """An input function calling ``method(tf)``."""
    return lambda wildcards: method(wildcards.tf)


def archive_datasets():
    """Datasets of the archive, name → (train, test): evaluates the list_datasets checkpoint."""
    import pandas as pd

    table = pd.read_csv(checkpoints.list_datasets.get().output[0], sep="\t", dtype=str)
    PLAN.check_datasets(table["name"])
    return {row.name: (row.train, row.test) for row in table.itertuples(index=False)}


def all_tfs():
    """Sheet TFs, then the archive's (evaluates the checkpoint: call only inside input functions)."""
    return [*PLAN.tfs.index, *(archive_datasets() if PLAN.has_archive else [])]


sequences_file = by_tf(PLAN.sequences_file)
peak_inputs, peak_files = by_tf(PLAN.peak_inputs), by_tf(PLAN.peak_files)
track_inputs = by_tf(PLAN.track_inputs)
simulated_files = by_tf(PLAN.simulated_files)
variant_inputs = by_tf(PLAN.variant_inputs)
negative_inputs = by_tf(PLAN.negative_inputs)
dashboard_inputs = by_tf(PLAN.dashboard_inputs)
tf_description, ground_truth_files = PLAN.tf_description, PLAN.ground_truth_files


def import_inputs(wildcards):
    datasets = archive_datasets() if PLAN.has_archive and wildcards.tf not in PLAN.tfs.index else {}
    return PLAN.import_inputs(wildcards.tf, datasets)


def shell_args(args):
    """Arguments of the plan as one string for `shell:`, each quoted."""
    return " ".join(map(shlex.quote, args))


# Where interpret_model, build_dashboard (and train_model, cluster.smk) need several values of the plan, one
# input function and one params function return them all, by name. Snakemake inspects the signature of every
# callable of every job (a dry run of 690 TFs called ~50,000 of them).


def interpret_inputs(wildcards):
    """interpret_model's inputs: planted motifs (simulated TFs), the model, its sequences, the compiled Tomtom."""
    return {
        **PLAN.planted_inputs(wildcards.tf),
        "model": f"results/{wildcards.tf}/{wildcards.arch}/model.ckpt",
        "sequences": PLAN.sequences_file(wildcards.tf),
        "tomtom": "resources/tomtom.compiled",
    }


def output_options(output, skip=()):
    """`--NAME-out=PATH` of each named output but ``skip`` (NAME with dashes, PATH quoted as `{output.NAME:q}`).

    One string per job instead of a placeholder per file in `shell:`: Snakemake formats a job's command three
    times when it lists the job.
    """
    return " ".join(
        f"--{name.replace('_', '-')}-out={shlex.quote(path)}" for name, path in output.items() if name not in skip
    )


def interpret_args(wildcards, input, output):
    """The plan's arguments of interpret_model's command, by name (its params.args[...])."""
    outputs = dict(output.items())
    return {
        "planted": shell_args(PLAN.planted_args(dict(input.items()))),
        "motifs": shell_args(PLAN.known_motif_args(wildcards.tf)),  # a real TF's JASPAR ids: the known-motif check
        "settings": interpret_settings(wildcards),  # the config section interpret (InterpretSettings.from_config)
        "outputs": output_options(output, skip=COOPERATIVITY_OUTPUTS),  # --saliency-out=... --modisco-distances-out=...
        "cooperativity": shell_args(PLAN.cooperativity_args(wildcards.tf, outputs)),
    }


def dashboard_args(wildcards, input, output):
    """The plan's arguments of build_dashboard's command, by name (its params.args[...])."""
    return {
        "files": shell_args(PLAN.dashboard_args(dict(input.items()))),
        "motifs": pairs(ARCHS, output.motifs),
        "description": tf_description(wildcards.tf),
    }


def metrics_files(wildcards=None):
    return [f"results/{tf}/{arch}/metrics.json" for tf in all_tfs() for arch in ARCHS]


COOPERATIVITY_OUTPUTS = PLAN.cooperativity_outputs()  # their options are Plan.cooperativity_args


def cooperativity_outputs():
    """The outputs rule interpret_model adds when interpret.cooperativity.enabled (Plan.cooperativity_outputs)."""
    outputs = dict(COOPERATIVITY_OUTPUTS)
    if "cooperativity_figure" in outputs:
        outputs["cooperativity_figure"] = report(
            outputs["cooperativity_figure"],
            caption="../report/cooperativity.rst",
            category="{tf}",
            subcategory="motif dependencies",
        )
    return outputs


def cooperativity_files(wildcards=None):
    return PLAN.cooperativity_files(all_tfs())


def cooperativity_index_args(wildcards, input):
    return f"--cooperativity={shlex.quote(input.cooperativity[0])}" if input.cooperativity else ""


def dashboard_files(wildcards=None):
    return [f"results/{tf}/dashboard.html" for tf in all_tfs()]


def known_motif_files(wildcards=None):
    return PLAN.known_motif_files(all_tfs())


def final_outputs(wildcards=None):
    return PLAN.final_outputs(all_tfs())


# Snakemake reads the signature of every input, params, resource, group and conda function for every job
# (inspect.signature, not cached: a tenth of a dry run of 690 TFs). A function's `__signature__`, which
# inspect.signature returns as it is, saves building it again; the functions are unchanged otherwise.


def _functions(each):
    """The Python functions of a rule that Snakemake calls per job (input, params, resource, group, conda)."""
    items = [*each.input, *each.params, getattr(each, "_group", None), each.conda_env]
    items += [getattr(resource, "_evaluator", None) for resource in each.resources.values()]
    for item in items:
        item = getattr(getattr(item, "_file", item), "callable", item)  # input functions, also unpack()ed
        if callable(item):
            item = inspect.unwrap(item)
            if isinstance(item, types.FunctionType):
                yield item


def cache_signatures():
    """Give every function of every rule its signature (inspect.signature then returns it without building
    it again); call once all rules exist."""
    for each in workflow.rules:
        for function in _functions(each):
            if "__signature__" not in vars(function):
                function.__signature__ = inspect.signature(function)
