"""Motif instances (deepmotif.interpret.instances): tiles that hold every motif whole, the patterns of
MoDISco's either sign, and end to end on the small CNN of tests/_trained_tf.py: its instances recover the
planted CTCF sites of the test chromosome (precision and recall >= 0.9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmotif.apply import tracks


@pytest.mark.parametrize("size", [40, 100, 101, 250, 999])
def test_tiles_hold_every_motif_position_whole(size):
    from deepmotif.interpret.instances import tile_starts

    starts = tile_starts(size, 100, 20)
    inside = {(a, a + 20) for s in starts for a in range(s, min(s + 100, size) - 20 + 1)}
    assert inside == {(a, a + 20) for a in range(0, size - 20 + 1)}
    assert starts[0] == 0 and all(s < size for s in starts)


@pytest.fixture(scope="module")
def trained_tracks() -> dict:
    """:func:`_trained_tf.trained_tracks`: the trained CNN's tracks and instances over its test peaks."""
    from _trained_tf import trained_tracks

    return trained_tracks()


def test_cnn_instances_recover_the_planted_sites_of_the_test_chromosome(trained_tracks):
    """Ground truth: tracks of the trained CNN over the test peaks, Fi-NeMo instances of its MoDISco patterns."""
    from deepmotif.interpret import instances

    f, out, regions = trained_tracks["files"], trained_tracks["out"], trained_tracks["regions"]
    back = instances.read_instances(out / "instances.bed")
    assert list(back.columns) == instances.BED_COLUMNS and len(back) == len(trained_tracks["hits"])
    planted = pd.read_csv(f["planted"], sep="\t")
    recovery = instances.planted_recovery(back, planted, regions).set_index("motif")
    assert recovery.loc["all", "n_sites"] == trained_tracks["n_test"]  # one planted site per peak, in its window
    assert recovery.loc["all", "recall"] >= 0.9, recovery
    assert recovery.loc["all", "precision"] >= 0.9, recovery
    assert (back["attribution"] > 0).mean() > 0.9  # instances are where the model's attribution is
    # the logit track is high where the model calls a peak
    logits = [np.nanmean(tracks.read_track(out / "logit.bw", c, s, e)) for c, s, e in regions.itertuples(index=False)]
    assert np.median(logits) > 0


def test_instances_of_a_jaspar_matrix_the_model_does_not_use_are_few(trained_tracks):
    """GATA1 (MA0035.5) is not planted: called on the CTCF model's attributions it finds (almost) nothing,
    while CTCF's own JASPAR matrix finds the planted sites."""
    from deepmotif.interpret import instances

    f, out, regions = trained_tracks["files"], trained_tracks["out"], trained_tracks["regions"]
    patterns = instances.jaspar_patterns(["MA0035.5", "MA0139.2"])
    hits = instances.call_instances(regions, f["genome"], out / "attr.bw", patterns)
    counts = hits["jaspar"].value_counts()
    assert counts.get("CTCF", 0) >= 0.8 * trained_tracks["n_test"]
    assert counts.get("GATA1", 0) <= 0.1 * counts.get("CTCF", 0)


def test_modisco_patterns_keep_what_the_model_uses_of_either_sign(tmp_path):
    """Positive and negative patterns are called; the half of a composite whose CWM has the other sign is not."""
    import h5py

    from deepmotif.interpret import instances

    rng = np.random.default_rng(0)
    cwm = np.zeros((30, 4))
    cwm[5:12, :] = np.eye(4)[rng.integers(0, 4, 7)] * 2.0   # the half the model uses
    cwm[18:25, :] = np.eye(4)[rng.integers(0, 4, 7)] * -0.3  # the half it does not (attribution below zero)
    negative = np.zeros((30, 4))
    negative[10:20, :] = np.eye(4)[rng.integers(0, 4, 10)] * -1.5
    with h5py.File(tmp_path / "modisco.h5", "w") as f:
        f.create_dataset("pos_patterns/pattern_0/contrib_scores", data=cwm)
        f.create_dataset("neg_patterns/pattern_0/contrib_scores", data=negative)
    table = tmp_path / "patterns.tsv"
    pd.DataFrame({"pattern": ["pos_patterns.pattern_0", "neg_patterns.pattern_0"], "match_name": ["A::B", "C"],
                  "sub_matches": ["5-12:A(MA1.1);18-25:B(MA2.1)", ""]}).to_csv(table, sep="\t", index=False)
    patterns = instances.modisco_patterns(tmp_path / "modisco.h5", table)
    assert patterns.names == ["pos_patterns.pattern_0[5:12]"] * 2 + ["neg_patterns.pattern_0"] * 2
    assert patterns.jaspar == ["A", "A", "C", "C"] and patterns.strands == ["+", "-", "+", "-"]
    assert patterns.expected[0] == pytest.approx(14.0) and patterns.expected[2] == pytest.approx(-15.0)
    assert patterns.cwms.shape == (4, 4, 30) and np.allclose(np.sqrt((patterns.cwms ** 2).sum(axis=(1, 2))), 1)
