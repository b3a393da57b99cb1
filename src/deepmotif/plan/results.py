"""Names of the result files the stages hand each other, in one place (no pandas, no torch).

The workflow (``Plan.dashboard_inputs``) and ``deepmotif dashboard`` (its options) both read these.
"""

from __future__ import annotations

# results/{tf}/{arch}/ files a TF's dashboard reads, by the option of `deepmotif dashboard` that takes them
# (`--metrics cnn=... rnn=...`); every model has them (empty where a method does not apply)
MODEL_FILES = {
    "metrics": "metrics.json",
    "predictions": "predictions.tsv",
    "history": "training.csv",
    "saliency": "saliency.npz",
    "ism": "ism.npz",
    "temporal": "temporal.npz",
    "class_optimization": "class_optimization.npz",
    "class_meme": "class_optimization.meme",
    "filter_meme": "filters.meme",
    "filter_table": "filters.tsv",
    "matches": "jaspar_matches.tsv",
}
# TF-MoDISco's files of a model (written empty when interpret.modisco.enabled is false)
MODISCO_FILES = {
    "modisco": "modisco.h5",
    "modisco_patterns": "modisco_patterns.tsv",
    "modisco_distances": "modisco_distances.tsv",
}
