"""The dataset of a TF (deepmotif.data.dataset): held-out chromosomes, pairs kept together, low-complexity
positives dropped (also on import)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmotif.data.dataset import build_dataset, split_by_chromosome
from deepmotif.errors import InputError


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
