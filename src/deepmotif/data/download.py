"""Moved: :mod:`deepmotif.data.http` (downloads), :mod:`deepmotif.data.encode` (ENCODE portal),
:mod:`deepmotif.data.genome` (genome FASTA). Only ``same_assembly`` stays importable from here, for
``workflow/rules/common.smk``, until the planning layer imports it from :mod:`deepmotif.data.encode`.
"""

from deepmotif.data.encode import same_assembly

__all__ = ["same_assembly"]
