"""Sequences from a genome FASTA (deepmotif.data.genome): bedtools extraction against an independent slice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmotif.data.genome import chrom_sizes, extract_sequences, write_fasta
from deepmotif.simulation.genome import simulate_genome


@pytest.fixture(scope="module")
def genome_fasta(tmp_path_factory):
    genome = simulate_genome(3, 20_000, seed=7)
    path = tmp_path_factory.mktemp("genome") / "genome.fa"
    write_fasta(path, genome, width=61)
    return path, genome

def test_bedtools_extraction_equals_an_independent_slice(genome_fasta):
    path, genome = genome_fasta
    # independent reading of the FASTA file, without the index
    records, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:]
            records[name] = []
        else:
            records[name].append(line)
    from_file = {k: "".join(v) for k, v in records.items()}
    assert from_file == genome
    rng = np.random.default_rng(0)
    windows = pd.DataFrame({"chrom": rng.choice(list(genome), 50),
                            "start": rng.integers(0, 19_000, 50)})
    windows["end"] = windows["start"] + 101
    seqs = extract_sequences(windows, path)
    expected = [from_file[c][s:e] for c, s, e in windows[["chrom", "start", "end"]].itertuples(index=False)]
    assert seqs == expected
    assert chrom_sizes(path) == {k: len(v) for k, v in genome.items()}
