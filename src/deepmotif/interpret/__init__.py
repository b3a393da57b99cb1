"""Interpretation of trained networks: saliency, temporal scores, class optimization, ISM, filter motifs.

Every method takes a network (``X (n, 4, length) -> logits (n,)``) and one-hot ``X`` as a float
tensor, evaluates it in eval mode and returns CPU tensors; :mod:`deepmotif.interpret.motifs` turns the
resulting PWMs into MEME files and JASPAR matches, :mod:`deepmotif.interpret.groundtruth` checks them
against planted motifs, and :func:`~deepmotif.interpret.interpretation.interpret_model` runs them all
on one model.
"""

from deepmotif.interpret.filters import filter_pwms
from deepmotif.interpret.ism import ism
from deepmotif.interpret.motifs import jaspar_motifs, match_jaspar, trim_pwm, write_meme
from deepmotif.interpret.optimize import optimize_class_input
from deepmotif.interpret.saliency import input_gradients_enabled, saliency_map
from deepmotif.interpret.temporal import temporal_scores

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
