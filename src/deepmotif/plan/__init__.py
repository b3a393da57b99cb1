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

from deepmotif.plan.decisions import (
    alternatives,
    check_dataset_names,
    download_name,
    n_evaluate,
    pairs,
    tf_seed,
)
from deepmotif.plan.plan import Plan, validate_config

__all__ = ["Plan", "alternatives", "check_dataset_names", "download_name", "n_evaluate", "pairs", "tf_seed",
           "validate_config"]
