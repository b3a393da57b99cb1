"""Tests of deepmotif.simulation.groundtruth and the class-optimization windows, on hand-made inputs.

Every expected value is worked out by hand in the test; the checks on trained models are in
tests/test_cli_interpret.py.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
import torch

from _interpret_fixtures import MotifNet, X_of
from deepmotif.simulation.groundtruth import (
    base_id,
    jaspar_recovery,
    planted_sites,
    same_family,
    saliency_overlap,
    summarize,
    temporal_check,
)
from deepmotif.interpret.optimize import importance_windows, optimize_class_input, window_motifs

torch.set_num_threads(1)


@pytest.fixture
def positives() -> pd.DataFrame:
    return pd.DataFrame({"id": ["p1", "p2", "p3"], "chrom": ["chr1", "chr1", "chr2"],
                         "start": [100, 500, 1000], "end": [120, 520, 1020]})


@pytest.fixture
def planted() -> pd.DataFrame:
    return pd.DataFrame({
        "peak": ["p1", "p1", "p2", "p3", "p4"],
        "chrom": ["chr1", "chr1", "chr1", "chr2", "chr3"],
        "start": [104, 112, 495, 1030, 10],
        "end": [108, 116, 503, 1034, 14],
        "strand": ["+", "+", "-", "+", "+"],
        "motif_id": ["MA0091.1", "MA0035.4", "MA0139.1", "MA0139.1", "MA0139.1"],
        "motif_name": ["TAL1::TCF3", "GATA1", "CTCF", "CTCF", "CTCF"],
    })


def test_planted_sites_window_coordinates(positives, planted):
    sites = planted_sites(positives, planted)
    # p1: two motifs at 104-108, 112-116 → 4-8, 12-16; p2: 495-503 clipped to 0-3; p3 outside; p4 no window
    assert sites[["id", "start", "end"]].values.tolist() == [["p1", 4, 8], ["p1", 12, 16], ["p2", 0, 3]]
    assert list(sites["motif_name"]) == ["TAL1::TCF3", "GATA1", "CTCF"]


def test_saliency_overlap_by_hand(positives, planted):
    sites = planted_sites(positives, planted)
    X_attr = np.zeros((3, 4, 20))
    X_attr[0, 0, [5, 13, 0]] = [3.0, 2.0, 1.0]  # p1: top 2 = 5 (in 4-8) and 13 (in 12-16)
    X_attr[1, 2, [10, 11]] = [5.0, 4.0]         # p2: top 2 = 10, 11, motif at 0-3: miss
    X_attr[1, 1, 2] = -9.0                      # a large negative score is not "salient"
    out = saliency_overlap(X_attr, ["p1", "p2", "p3"], sites, top=2)
    assert out["id"].tolist() == ["p1", "p2"]    # p3 has no planted site inside its window
    assert out["hit"].tolist() == [True, False]
    assert out["precision"].tolist() == [1.0, 0.0]
    # chance: 2 random positions of 20 touching 8 (p1) or 3 (p2) motif positions
    assert out["chance_hit"].tolist() == pytest.approx([1 - comb(12, 2) / comb(20, 2), 1 - comb(17, 2) / comb(20, 2)])
    assert out["chance_precision"].tolist() == pytest.approx([8 / 20, 3 / 20])


def test_saliency_overlap_rejects_bad_shapes(positives, planted):
    sites = planted_sites(positives, planted)
    with pytest.raises(ValueError, match="one row per id"):
        saliency_overlap(np.zeros((2, 4, 20)), ["p1"], sites)
    with pytest.raises(ValueError, match="top must be"):
        saliency_overlap(np.zeros((1, 4, 20)), ["p1"], sites, top=21)


def test_temporal_check_by_hand(positives, planted):
    sites = planted_sites(positives, planted)  # p1: element 4-16
    forward = np.full((1, 20), 0.1)
    forward[0, 10:] = 0.9                       # jumps at 10, before the element's last base 15
    backward = np.full((1, 20), 0.2)
    backward[0, :9] = 0.8                       # high on suffixes starting at or before 8
    out = temporal_check(forward, backward, ["p1"], sites)
    row = out.iloc[0]
    assert (row["start"], row["end"]) == (4, 16)
    assert (row["forward_before"], row["forward_after"], row["forward_ok"]) == (0.1, 0.9, True)
    assert (row["backward_before"], row["backward_after"], row["backward_ok"]) == (0.2, 0.8, True)
    assert (row["jump"], row["jump_offset"]) == (10, 10 - 15)
    flat = temporal_check(np.full((1, 20), 0.9), backward, ["p1"], sites)
    assert not flat["forward_ok"].iloc[0]       # already high before the element: no switch


def test_temporal_check_skips_elements_at_the_window_ends(positives, planted):
    sites = planted_sites(positives, planted)  # p2's motif starts at 0: no prefix before it
    assert temporal_check(np.zeros((1, 20)), np.zeros((1, 20)), ["p2"], sites).empty


def test_family_and_ids():
    assert base_id("MA0139.2") == "MA0139"
    assert same_family("GATA1", "Gata3") and same_family("TAL1::TCF3", "TAL1")
    assert not same_family("CTCF", "CTCFL") and not same_family("REST", "GATA1")


def test_jaspar_recovery_top_hit_version_free_and_q(planted):
    matches = pd.DataFrame({
        "query": ["f1", "f1", "f2", "opt1.w1", "f3"],
        "target_id": ["MA0139.2", "MA1102.3", "MA0036.4", "MA0035.5", "MA0035.5"],
        "target_name": ["CTCF", "CTCFL", "GATA2", "GATA1", "GATA1"],
        "p_value": [1e-9, 1e-5, 1e-6, 1e-3, 1e-8],
        "q_value": [1e-6, 1e-2, 1e-4, 0.2, 1e-5],
        "rank": [1, 2, 1, 1, 2],
    })
    out = jaspar_recovery(matches, planted, max_q=0.01).set_index("motif_id")
    assert out.loc["MA0139.1", "recovered"] and out.loc["MA0139.1", "query"] == "f1"
    # GATA1 is a top hit only with q = 0.2 and a rank-2 hit: not recovered; GATA2 (f2) is its family
    assert not out.loc["MA0035.4", "recovered"]
    assert out.loc["MA0035.4", "family_recovered"] and out.loc["MA0035.4", "family_query"] == "f2"
    assert not out.loc["MA0091.1", "recovered"] and not out.loc["MA0091.1", "family_recovered"]
    row = summarize("cnn", pd.DataFrame({"hit": [True, False], "precision": [0.5, 0.0], "chance_hit": [0.2, 0.2],
                                         "chance_precision": [0.1, 0.1]}), recovery=out.reset_index())
    assert (row["saliency_hit_rate"], row["jaspar_recovered"], row["jaspar_queries"]) == (0.5, 1, "f1:MA0139.2")


def test_importance_windows_find_the_motif():
    # an input that is uniform except for one GATA at 30-34 (and a GATA-free background elsewhere)
    pwm = torch.full((1, 4, 60), 0.25)
    pwm[0, :, 30:34] = X_of(["GATA"])[0]
    windows = importance_windows(MotifNet("GATA"), pwm, width=8, max_windows=2)
    assert len(windows) >= 1
    first = windows.iloc[0]
    assert first["start"] <= 30 and first["end"] >= 34   # the window covers the motif
    motifs, names = window_motifs(pwm, windows)
    assert names[0] == "opt1.w1"
    np.testing.assert_array_equal(motifs[0], pwm[0, :, int(first["start"]):int(first["end"])].numpy())
    with pytest.raises(ValueError, match="width"):
        importance_windows(MotifNet("GATA"), pwm, width=0)


def test_class_optimization_from_onehot_sequences():
    # steps=0: the start itself, random one-hot sequences (each column one base)
    pwms, _ = optimize_class_input(MotifNet("GATA"), 30, n_restarts=3, steps=0, lr=0.05, l2=0.009, seed=0, init="onehot")
    assert pwms.shape == (3, 4, 30)
    assert torch.all(pwms.sum(dim=1) == 1) and torch.all((pwms == 0) | (pwms == 1))
    pwms, scores = optimize_class_input(MotifNet("GATA"), 30, n_restarts=3, steps=200, lr=0.05, l2=0.009, seed=0,
                                        init="onehot")
    assert torch.all(scores > 0.5)  # every restart found a GATA
    with pytest.raises(ValueError, match="init must be"):
        optimize_class_input(MotifNet("GATA"), 30, n_restarts=1, steps=1, lr=0.05, l2=0.009, seed=0, init="zeros")
