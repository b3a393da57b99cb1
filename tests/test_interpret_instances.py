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


def _planted_tiles(n: int = 3) -> tuple:
    """``n`` random 200-bp tiles with one 8-bp motif each where all the attribution is, and the motif as patterns."""
    from deepmotif.interpret import instances

    rng = np.random.default_rng(0)
    motif = np.eye(4)[rng.integers(0, 4, 8)].T
    patterns = instances._both_strands(["p"], ["P"], [motif], [np.ones(8)], expected=True)
    tiles = []
    for t in range(n):
        seq = rng.choice(list("ACGT"), 200)
        seq[40 + 50 * t:48 + 50 * t] = ["ACGT"[i] for i in motif.argmax(0)]
        values = rng.normal(0, 0.02, 200).astype(np.float32)
        values[40 + 50 * t:48 + 50 * t] = 1.0
        tiles.append(("chr1", 1000 * t, "".join(seq), values))
    return tiles, patterns, np.full(len(patterns), 0.7, dtype=np.float32)


def test_fi_nemo_gets_the_step_cap_and_batch_and_a_capped_tile_is_logged(monkeypatch, caplog):
    """``max_steps`` and ``fit_batch`` reach ``fit_contribs`` (the batch no longer than the tiles); the batch
    leaves the instances as they are; a cap below what the fit needs shows in the scores and in the log."""
    import logging

    from deepmotif.interpret import instances
    from deepmotif.runtime.lazy import import_skipping_package_init

    hitcaller = import_skipping_package_init("finemo.hitcaller")
    real, seen = hitcaller.fit_contribs, []

    def spy(*args, **kwargs):
        seen.append((kwargs["max_steps"], kwargs["batch_size"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(hitcaller, "fit_contribs", spy)
    tiles, patterns, lambdas = _planted_tiles()
    one_by_one = instances.fit_tiles(tiles, patterns, lambdas, max_steps=500, fit_batch=1)
    together = instances.fit_tiles(tiles, patterns, lambdas)
    assert seen == [(500, 1), (1000, 3)]
    assert together[["chrom", "start", "end", "row"]].values.tolist() == [
        ["chr1", 40, 48, 0], ["chr1", 1090, 1098, 0], ["chr1", 2140, 2148, 0]]
    assert together[["start", "row"]].equals(one_by_one[["start", "row"]])
    assert np.allclose(together["score"], one_by_one["score"], rtol=1e-4)
    with caplog.at_level(logging.INFO, logger="deepmotif.interpret.instances"):
        capped = instances.fit_tiles(tiles, patterns, lambdas, max_steps=1)
    assert "3 of 3 tiles not converged within max_steps=1" in caplog.text and "chr1:1000" in caplog.text
    assert capped["score"].max() < 0.5 * together["score"].min()


def test_instance_settings_default_to_the_schema():
    """The library's and both commands' defaults of the Fi-NeMo settings are the config schema's."""
    import inspect

    from deepmotif.cli import build_parser
    from deepmotif.interpret import instances
    from deepmotif.plan.config import schema_default

    keys = {"lam": "lambda", "min_attribution": "min_attribution", "tile": "tile", "max_steps": "max_steps",
            "fit_batch": "fit_batch"}
    schema = {arg: schema_default(f"tracks.instances.{key}") for arg, key in keys.items()}
    assert (schema["max_steps"], schema["fit_batch"]) == (1000, 20)
    library = inspect.signature(instances.call_instances).parameters
    assert {arg: library[arg].default for arg in keys} == schema
    fit = inspect.signature(instances.fit_tiles).parameters
    assert (fit["max_steps"].default, fit["fit_batch"].default) == (schema["max_steps"], schema["fit_batch"])
    for argv in (["instances", "--attribution", "a.bw", "--regions", "r.bed", "--genome", "g.fa", "-o", "o.bed"],
                 ["tracks", "--model", "m.ckpt", "--genome", "g.fa", "--regions", "r.bed", "--logit-out", "l.bw"]):
        args = build_parser().parse_args(argv)
        assert {arg: getattr(args, arg) for arg in keys} == schema, argv[0]
