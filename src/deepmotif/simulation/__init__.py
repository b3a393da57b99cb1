"""Simulations with a known truth: genomes with planted motifs, ground-truth variants, motif grammars, and the
checks of what a model learned against them."""
