"""Data stage: simulation, summit windows, bedtools extraction, shuffles and splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmotif.data.dataset import build_dataset, split_by_chromosome
from deepmotif.data.encoding import decode, one_hot
from deepmotif.data.genome import chrom_sizes, extract_sequences, write_fasta
from deepmotif.data.negatives import dinucleotide_shuffles
from deepmotif.data.peaks import peak_sequences, summit_windows
from deepmotif.simulation.genome import fetch_jaspar_motif, plant_peaks, simulate_genome
from deepmotif.errors import InputError

NARROWPEAK = ["chrom", "start", "end", "name", "score", "strand", "signalValue", "pValue", "qValue",
              "peak"]


def test_one_hot_rows_are_acgt_and_n_is_zero():
    X = one_hot(["ACGTN", "ttgca"])
    assert X.shape == (2, 4, 5)
    assert X[0, :, :4].argmax(axis=0).tolist() == [0, 1, 2, 3]
    assert X[0, :, 4].sum() == 0
    assert decode(X) == ["ACGTN", "TTGCA"]


def test_one_hot_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="sequence 1 has length 3, expected 4"):
        one_hot(["ACGT", "ACG"])


@pytest.fixture(scope="module")
def genome_fasta(tmp_path_factory):
    genome = simulate_genome(3, 20_000, seed=7)
    path = tmp_path_factory.mktemp("genome") / "genome.fa"
    write_fasta(path, genome, width=61)
    return path, genome


def test_simulated_genome_is_cpg_depleted_and_deterministic():
    a = simulate_genome(2, 50_000, seed=3)
    assert a == simulate_genome(2, 50_000, seed=3)
    assert a != simulate_genome(2, 50_000, seed=4)
    seq = "".join(a.values())
    cpg = seq.count("CG") / len(seq)
    gpc = seq.count("GC") / len(seq)
    assert cpg < 0.5 * gpc  # human-like CpG depletion
    gc = (seq.count("G") + seq.count("C")) / len(seq)
    assert 0.37 < gc < 0.45


def test_planted_composite_has_fixed_spacing_and_matches_genome():
    genome = simulate_genome(2, 30_000, seed=1)
    motifs = [fetch_jaspar_motif("MA0091.1"), fetch_jaspar_motif("MA0035.4")]
    new, peaks, planted = plant_peaks(genome, motifs, n_peaks=20, spacing=7, jitter=10, seed=2)
    assert len(peaks) == 20 and len(planted) == 40
    for _, pair in planted.groupby("peak"):
        pair = pair.sort_values("start")
        first, second = pair.iloc[0], pair.iloc[1]
        assert second["start"] - first["end"] == 7  # fixed gap
        assert first["strand"] == second["strand"]
    for _, peak in peaks.iterrows():  # the summit lies within ±jitter of the element's centre
        sites = planted[planted["peak"] == peak["name"]]
        centre = (sites["start"].min() + sites["end"].max()) / 2
        assert abs(centre - (peak["start"] + peak["peak"])) <= 11
    # the planted site is in the new genome and (almost surely) not in the old one
    row = planted.iloc[0]
    assert new[row["chrom"]][row["start"]:row["end"]] != genome[row["chrom"]][row["start"]:row["end"]]


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


def dinucleotide_counts(seq: str) -> dict[str, int]:
    """Counts of each overlapping dinucleotide in ``seq`` (the oracle of the shuffle test)."""
    counts: dict[str, int] = {}
    for i in range(len(seq) - 1):
        counts[seq[i:i + 2]] = counts.get(seq[i:i + 2], 0) + 1
    return counts


def test_dinucleotide_shuffle_keeps_counts_exactly():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 101)) for _ in range(200)]
    shuffled = dinucleotide_shuffles(seqs, seed=1)
    assert len(shuffled) == 200
    for s, t in zip(seqs, shuffled):
        assert dinucleotide_counts(s) == dinucleotide_counts(t)
        assert s[0] == t[0] and s[-1] == t[-1]
    assert sum(s != t for s, t in zip(seqs, shuffled)) > 190
    assert dinucleotide_shuffles(seqs, seed=1) == shuffled


def test_dinucleotide_shuffle_rejects_n():
    with pytest.raises(ValueError, match="other than ACGT"):
        dinucleotide_shuffles(["ACGTN" * 5])


def test_build_dataset_holds_out_chromosomes_and_keeps_pairs_together():
    rng = np.random.default_rng(0)
    positives = pd.DataFrame({
        "id": [f"p{i}" for i in range(60)],
        "chrom": [f"chr{1 + i % 6}" for i in range(60)],
        "seq": ["".join(rng.choice(list("ACGT"), 101)) for _ in range(60)],
    })
    df = build_dataset(positives, valid_chroms=["chr2"], test_chroms=["chr3", "chr4"])
    assert len(df) == 120 and df["label"].sum() == 60
    by_id = df.set_index("id")
    for pid, chrom in zip(positives["id"], positives["chrom"]):
        expected = {"chr2": "valid", "chr3": "test", "chr4": "test"}.get(chrom, "train")
        assert by_id.loc[pid, "split"] == expected == by_id.loc[f"{pid}_shuf", "split"]
    with pytest.raises(InputError, match="valid split has no sequences"):
        build_dataset(positives, valid_chroms=["chrX"], test_chroms=["chr3"])
    with pytest.raises(InputError, match="both valid_chroms and test_chroms"):
        split_by_chromosome(positives["chrom"], ["chr1"], ["chr1"])


def test_low_complexity_positive_identical_to_its_shuffle_is_dropped(caplog):
    # issue 10.10: poly-A and (AC)n have only themselves as dinucleotide shuffle; the pair got both labels
    import logging

    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGT"), 101)) for _ in range(40)]
    seqs[5], seqs[17] = "A" * 101, "AC" * 50 + "A"
    positives = pd.DataFrame({"id": [f"p{i}" for i in range(40)], "seq": seqs})
    caplog.set_level(logging.INFO, logger="deepmotif.data.dataset")
    df = build_dataset(positives, valid_fraction=0.2, test_fraction=0.2, seed=1)
    assert len(df) == 76 and df["label"].sum() == 38
    assert not df["seq"].duplicated().any()
    assert {"p5", "p17", "p5_shuf", "p17_shuf"}.isdisjoint(df["id"])
    assert "dropped 2 positives whose dinucleotide shuffle is the sequence itself" in caplog.text


def test_import_drops_identical_shuffles_too(tmp_path):
    from deepmotif.data.imports import import_dataset

    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list("ACGT"), 50)) for _ in range(20)] + ["T" * 50]
    train = pd.DataFrame({"id": [f"t{i}" for i in range(21)], "seq": seqs, "label": 1})
    test = pd.DataFrame({"id": ["a", "b"], "seq": [seqs[0], seqs[1]], "label": [1, 0]})
    out = import_dataset(train, test, valid_fraction=0.2)
    rows = out[out["split"] != "test"]
    assert len(rows) == 40 and not rows["seq"].duplicated().any() and "t20" not in set(rows["id"])
