"""The grammar benchmark's data (deepmotif.simulation.grammar) and its ground-truth checks
(deepmotif.simulation.grammar_checks), on hand-built inputs with hand-checkable answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmotif.data.encoding import one_hot
from deepmotif.simulation.grammar import grammar_dataset, other_arrangement
from deepmotif.simulation.genome import Motif, reverse_complement
from deepmotif.errors import InputError
from deepmotif.simulation.grammar_checks import (
    arrangement_share,
    attribution_vs_mask,
    headline_metrics,
    temporal_grammar_check,
)

A_SEQ, B_SEQ = "CAGCTG", "AGATAA"  # an E-box and a GATA site, both 6 bp


def pwm_of(seq: str, p: float = 0.97) -> np.ndarray:
    """A sharp probability matrix with ``seq`` as consensus."""
    pwm = np.full((4, len(seq)), (1 - p) / 3)
    pwm[["ACGT".index(b) for b in seq], np.arange(len(seq))] = p
    return pwm


MOTIFS = (Motif("MA_A.1", "A", pwm_of(A_SEQ, 1.0)), Motif("MA_B.1", "B", pwm_of(B_SEQ, 1.0)))


def _sites_of(planted: pd.DataFrame, sid: str) -> list[tuple[str, int, int, str]]:
    rows = planted[planted["id"] == sid].sort_values("start")
    return list(rows[["motif_name", "start", "end", "strand"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("negatives", ["spacing", "order", "orientation", "arrangement"])
def test_grammar_negatives_carry_both_motifs_in_another_arrangement(negatives):
    data, planted = grammar_dataset(MOTIFS, n_positives=60, length=60, spacing=4, negatives=negatives,
                                    max_spacing=12, seed=3)
    assert list(data.columns) == ["id", "seq", "label", "split"]
    assert (data["label"] == 1).sum() == (data["label"] == 0).sum() == 60
    assert set(data["split"]) == {"train", "valid", "test"}
    seqs = data.set_index("id")["seq"]
    for sid, label in data[["id", "label"]].itertuples(index=False):
        (n1, s1, e1, t1), (n2, s2, e2, t2) = _sites_of(planted, sid)
        motif = {"A": A_SEQ, "B": B_SEQ}
        for name, s, e, t in ((n1, s1, e1, t1), (n2, s2, e2, t2)):  # the planted site is in the sequence
            site = seqs[sid][s:e]
            assert (site if t == "+" else reverse_complement(site)) == motif[name]
        planted_arrangement = (t1 == t2) and s2 - e1 == 4 and ((n1, t1) in (("A", "+"), ("B", "-")))
        assert planted_arrangement == (label == 1), (sid, n1, t1, n2, t2, s2 - e1)


def test_grammar_controls_and_errors():
    data, planted = grammar_dataset(MOTIFS, n_positives=30, length=60, negatives="background", seed=1)
    assert set(planted["label"]) == {1}  # background negatives carry no motif
    data, planted = grammar_dataset(MOTIFS, n_positives=30, length=60, negatives="shuffle", seed=1)
    neg = data[data["label"] == 0]["seq"]
    assert len(neg) == 30 and all(len(s) == 60 for s in neg)
    with pytest.raises(InputError, match="exactly two motifs"):
        grammar_dataset(MOTIFS[:1])
    with pytest.raises(InputError, match="negatives must be one of"):
        grammar_dataset(MOTIFS, negatives="nope")
    with pytest.raises(InputError, match="does not fit"):
        grammar_dataset(MOTIFS, n_positives=2, length=14, spacing=4)


def test_spacing_negatives_avoid_the_planted_gap():
    rng = np.random.default_rng(0)
    gaps = {other_arrangement("spacing", 5, 20, 3, rng).gap for _ in range(300)}
    assert gaps == set(range(0, 3)) | set(range(8, 21))


def _inputs(seqs: list[str]) -> np.ndarray:
    return one_hot(seqs).astype(np.float64)


def test_arrangement_share_needs_order_strand_and_spacing():
    flank = "T" * 10
    gap4 = "TTTT"
    seqs = [
        flank + A_SEQ + gap4 + B_SEQ + flank,                                          # planted
        reverse_complement(flank + A_SEQ + gap4 + B_SEQ + flank),                      # planted, minus strand
        flank + B_SEQ + gap4 + A_SEQ + flank,                                          # wrong order
        flank + A_SEQ + "TTTTTTTTTT" + B_SEQ + "TTTT",                                 # wrong spacing
        flank + A_SEQ + gap4 + reverse_complement(B_SEQ) + flank,                      # wrong orientation
        flank + A_SEQ + gap4 + "TTTTTT" + flank,                                       # only A
    ]
    out = arrangement_share(_inputs(seqs), pwm_of(A_SEQ), pwm_of(B_SEQ), spacing=4, tolerance=1)
    assert out["arranged"].tolist() == [True, True, False, False, False, False]
    assert out["both"].tolist() == [True, True, True, True, True, False]
    assert out["has_a"].all()
    assert out.loc[3, "gaps"] == "10"
    soft = _inputs(seqs[:1]) * 0.8 + 0.05  # a class-optimized input is a soft, not one-hot, matrix
    assert arrangement_share(soft, pwm_of(A_SEQ), pwm_of(B_SEQ), spacing=4)["arranged"].tolist() == [True]


def test_temporal_grammar_check_switch_after_second_motif():
    length = 30
    sites = pd.DataFrame({"id": ["a", "a", "b", "b", "c"], "start": [5, 15, 5, 15, 5], "end": [10, 20, 10, 20, 10]})
    pos = np.arange(length)
    forward = np.stack([np.where(pos >= 19, 0.9, 0.1),   # a: on once the second motif is complete
                        np.where(pos >= 9, 0.9, 0.1),    # b: on after the first motif
                        np.full(length, 0.9)])           # c: one site only -> skipped
    backward = np.stack([np.where(pos <= 5, 0.9, 0.1), np.where(pos <= 15, 0.9, 0.1), np.full(length, 0.9)])
    out = temporal_grammar_check(forward, backward, ["a", "b", "c"], sites).set_index("id")
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", ["forward_ok", "backward_ok", "forward_first", "backward_first"]].tolist() == [
        True, True, False, False]
    assert out.loc["b", ["forward_ok", "backward_ok", "forward_first", "backward_first"]].tolist() == [
        False, False, True, True]
    assert out.loc["a", "switch"] == 19 and out.loc["a", "switch_offset"] == 0
    assert out.loc["b", "switch_offset"] == -10
    with pytest.raises(ValueError, match="must have shape"):
        temporal_grammar_check(forward, backward[:2], ["a", "b", "c"], sites)


def test_attribution_vs_mask_against_hand_computed_values():
    mask = np.zeros((2, 10), dtype=bool)
    mask[:, 2:4] = True
    X_attr = np.zeros((2, 4, 10))
    X_attr[0, 0, 2:4] = 5.0      # the motif is the most salient: precision 2/2, AUROC 1
    X_attr[1, 1, 6:8] = 5.0      # salient outside the motif; motif positions tie with the rest (0)
    out = attribution_vs_mask(X_attr, mask, top=2)
    assert out["top_precision"].tolist() == [1.0, 0.0]
    assert out["chance_precision"].tolist() == [0.2, 0.2]
    # row 1: each of 2 motif positions (score 0) ties 6 non-motif zeros and loses to 2: (2 * 6 * 0.5) / (2 * 8)
    assert out["auroc"].tolist() == pytest.approx([1.0, 6 / 16])
    summary = headline_metrics(out)
    assert summary["top_precision"] == 0.5 and summary["top_precision_chance"] == pytest.approx(0.2)
    assert summary["attribution_auroc_chance"] == 0.5
    with pytest.raises(ValueError, match="top must be"):
        attribution_vs_mask(X_attr, mask, top=11)


def test_sites_mask_clips_to_window():
    sites = pd.DataFrame({"id": ["x", "y"], "start": [-2, 8], "end": [2, 14]})
    from deepmotif.simulation.groundtruth import site_mask

    mask = site_mask(["x", "y", "z"], sites, 10)
    assert mask.sum(axis=1).tolist() == [2, 2, 0]


def test_simulate_grammar_command_writes_a_trainable_dataset(tmp_path, capsys):
    from deepmotif.cli import main
    from deepmotif.data.dataset import read_dataset

    out, planted = tmp_path / "sequences.tsv", tmp_path / "planted.tsv"
    argv = ["simulate-grammar", "--motifs=MA0091.1,MA0035.4", "--negatives=order", "--n-positives=40",
            f"--output={out}", f"--planted={planted}"]
    assert main(argv) == 0
    data = read_dataset(str(out))
    assert len(data) == 80 and data["seq"].str.len().eq(101).all()
    sites = pd.read_csv(planted, sep="\t")
    assert sites.groupby("id").size().eq(2).all() and sites["motif_id"].value_counts().eq(80).all()
    bad = tmp_path / "bad.tsv"
    bad_planted = tmp_path / "bad_planted.tsv"
    assert main([*argv[:2], "--negatives=sideways", f"--output={bad}", f"--planted={bad_planted}"]) == 2
    assert "negatives must be one of" in capsys.readouterr().err
    assert not bad.exists() and not bad_planted.exists()
