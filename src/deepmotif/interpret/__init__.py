"""Interpretation of trained networks: saliency, temporal scores, class optimization, ISM, filter motifs.

Every method takes a network (``X (n, 4, length) -> logits (n,)``) and one-hot ``X`` as a float
tensor, evaluates it in eval mode and returns CPU tensors; :mod:`deepmotif.interpret.motifs` turns the
resulting PWMs into MEME files and JASPAR matches, :mod:`deepmotif.simulation.groundtruth` checks them
against planted motifs, and :func:`~deepmotif.interpret.interpretation.interpret_model` runs them all
on one model.
"""

from deepmotif.runtime.lazy import lazy_getattr

# name -> submodule; imported on first use, so that reading results (dashboards, summaries) through
# deepmotif.interpret.motifs or .modisco does not import torch (~1.5 s CPU per job)
_EXPORTS = {
    "filter_pwms": "filters",
    "input_gradients_enabled": "saliency",
    "ism": "mutagenesis",
    "jaspar_motifs": "motifs",
    "match_jaspar": "motifs",
    "optimize_class_input": "optimize",
    "saliency_map": "saliency",
    "temporal_scores": "temporal",
    "trim_pwm": "motifs",
    "write_meme": "motifs",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS)


__all__ = [
    "filter_pwms",
    "input_gradients_enabled",
    "ism",
    "jaspar_motifs",
    "match_jaspar",
    "optimize_class_input",
    "saliency_map",
    "temporal_scores",
    "trim_pwm",
    "write_meme",
]
