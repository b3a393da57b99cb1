"""The workflow's plan: every decision Snakemake needs, without Snakemake and without torch.

``workflow/rules/common.smk`` builds one :class:`Plan` from the config and the TF sheet and its input
functions only look things up here: each TF's source and route to ``sequences.tsv``, per-TF seeds,
where a URL is downloaded to, which genome an ENCODE row uses, each job's parameters and the files
of the dashboards. Everything here is testable alone (``tests/test_plan.py``).

Routes of a TF to ``results/{tf}/data/``:

* ``peaks`` (sources ``simulated``, ``encode``, ``local`` with peaks): ``extract_positives`` →
  ``build_dataset`` → ``sequences.tsv``;
* ``import`` (``deepbind``, ``demo``, ``local`` with train/test files, archive datasets):
  ``import_sequences`` → ``imported.tsv``.

:meth:`Plan.sequences_file` names the table a TF's later jobs read.
"""

from deepmotif.runtime.lazy import lazy_getattr

# name -> submodule, imported on first use: deepmotif.plan.config (the schemas, read by `deepmotif --help`)
# must not import pandas through the sheet
_EXPORTS = {
    "Plan": "plan",
    "alternatives": "decisions",
    "check_dataset_names": "decisions",
    "download_name": "decisions",
    "pairs": "decisions",
    "tf_seed": "decisions",
    "validate_config": "plan",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS)


__all__ = sorted(_EXPORTS)
