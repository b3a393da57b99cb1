"""Peaks to sequences (deepmotif.data.peaks): summit windows, N and wrong-genome checks."""

from __future__ import annotations

import pandas as pd
import pytest

from deepmotif.data.genome import write_fasta
from deepmotif.data.peaks import peak_sequences, summit_windows
from deepmotif.errors import InputError

NARROWPEAK = ["chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue",
              "peak"]


def test_summit_windows_are_centred_strongest_first_and_inside_chromosomes():
    peaks = pd.DataFrame([
        ("chr1", 100, 400, "a", 0, ".", 5.0, 0, 0, 150),   # summit 250
        ("chr1", 0, 60, "b", 0, ".", 9.0, 0, 0, 10),       # runs off the start
        ("chr1", 900, 1000, "c", 0, ".", 7.0, 0, 0, -1),   # midpoint 950, runs off the end (1000)
        ("chr2", 10, 300, "d", 0, ".", 8.0, 0, 0, 90),     # summit 100
    ], columns=NARROWPEAK)
    windows = summit_windows(peaks, length=101, sizes={"chr1": 1000, "chr2": 1000})
    assert windows["id"].tolist() == ["d", "a"]
    assert windows[["start", "end"]].values.tolist() == [[50, 151], [200, 301]]
    assert ((windows["start"] + windows["end"]) // 2).tolist() == [100, 250]


def test_peak_sequences_drops_n_and_names_wrong_genome(tmp_path):
    genome = {"chr1": "A" * 300 + "N" * 10 + "C" * 290}
    write_fasta(tmp_path / "g.fa", genome)
    peaks = pd.DataFrame([("chr1", 0, 200, "a", 0, ".", 1.0, 0, 0, 100),
                          ("chr1", 250, 350, "b", 0, ".", 2.0, 0, 0, 50)], columns=NARROWPEAK)
    seqs = peak_sequences(peaks, tmp_path / "g.fa", length=51)
    assert seqs["id"].tolist() == ["a"] and seqs["seq"][0] == "A" * 51
    wrong = peaks.assign(chrom="1")
    with pytest.raises(InputError, match="same assembly and naming"):
        peak_sequences(wrong, tmp_path / "g.fa", length=51, peaks_path="x.narrowPeak")
