"""TF-MoDISco on signed attributions (deepmotif.interpret.modisco, ``deepmotif modisco``).

Closed forms on hand-built networks; pattern bookkeeping on hand-built patterns (a merged composite matched
by its halves); and end to end: the small CNN of tests/_trained_tf.py, trained on simulated CTCF, gives back
CTCF as a significant TF-MoDISco pattern from both kinds of attributions.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from _interpret_fixtures import AdditiveNet, X_of, random_seqs
from deepmotif.interpret.modisco import (
    hypothetical_contributions,
    pattern_table,
    seqlet_distances,
)


def test_gradient_hypothetical_contributions_are_base_centred_gradients():
    net = AdditiveNet(values=(0.5, -1.0, 2.0, -0.25))
    X = X_of(random_seqs(3, 12))
    X_hyp = hypothetical_contributions(net, X, "grad_x_input")
    centred = torch.tensor([0.5, -1.0, 2.0, -0.25]) - 0.3125
    assert X_hyp.shape == X.shape
    assert torch.allclose(X_hyp, centred[None, :, None].expand_as(X_hyp), atol=1e-6)


def test_deep_lift_shap_contributions_sum_to_the_difference_from_the_references():
    # AdditiveNet's logit depends on base counts only, which a dinucleotide shuffle keeps: every
    # reference scores as the sequence, so the contributions of each sequence sum to zero, while the
    # hypothetical contribution of base b is values[b] minus the average value of the references' bases.
    net = AdditiveNet(values=(0.5, -1.0, 2.0, -0.25))
    X = X_of(random_seqs(4, 30, seed=2))
    X_hyp = hypothetical_contributions(net, X, "deep_lift_shap", n_shuffles=8)
    assert X_hyp.shape == X.shape
    assert torch.allclose((X_hyp * X).sum(dim=(1, 2)), torch.zeros(4), atol=1e-4)
    differences = X_hyp[:, 2] - X_hyp[:, 1]  # G minus C: 2.0 - (-1.0) at every position
    assert torch.allclose(differences, torch.full_like(differences, 3.0), atol=1e-5)
    with pytest.raises(ValueError, match="method must be one of"):
        hypothetical_contributions(net, X, "saliency")


def _pattern(seqlets: list[tuple[int, int, int]], consensus: str = "ACGTAC") -> SimpleNamespace:
    """A stand-in for modisco-lite's SeqletSet: ``seqlets`` as (example, start, end)."""
    onehot = np.eye(4)[["ACGT".index(b) for b in consensus]]  # (k, 4), as modisco-lite stores it
    return SimpleNamespace(seqlets=[SimpleNamespace(example_idx=e, start=s, end=t) for e, s, t in seqlets],
                           sequence=onehot, contrib_scores=onehot)


def test_seqlet_distances_and_modes_by_hand():
    a = _pattern([(0, 10, 20), (1, 10, 20), (2, 0, 10)])
    b = _pattern([(0, 30, 40), (1, 35, 45), (1, 0, 10)])  # example 2 has no b
    d = seqlet_distances([a, b], [])
    ab = d[(d["pattern_a"] == "pos_patterns.pattern_0") & (d["pattern_b"] == "pos_patterns.pattern_1")]
    assert dict(zip(ab["distance"], ab["count"])) == {20.0: 1, 25.0: 1, -10.0: 1}
    bb = d[(d["pattern_a"] == "pos_patterns.pattern_1") & (d["pattern_b"] == "pos_patterns.pattern_1")]
    assert bb["distance"].abs().tolist() == [35.0]  # the two b seqlets of example 1, counted once


def test_only_significant_tomtom_hits_are_matches():
    pos = [_pattern([(0, 0, 6)] * 3), _pattern([(1, 0, 6)], "TTGACA")]
    matches = pd.DataFrame({"query": ["pos_patterns.pattern_0", "pos_patterns.pattern_1"],
                            "target_id": ["MA1.1", "MA2.1"], "target_name": ["ONE", "TWO"],
                            "q_value": [0.01, 0.2], "rank": [1, 1]})
    table = pattern_table(pos, [], matches, max_q=0.05)
    assert table["match_name"].tolist() == ["ONE", ""]
    assert table["consensus"].tolist() == ["ACGTAC", "TTGACA"]
    assert table["n_seqlets"].tolist() == [3, 1]


@pytest.mark.parametrize("method", ["grad_x_input", "deep_lift_shap"])
def test_modisco_command_recovers_the_planted_motif(tmp_path, method):
    from _trained_tf import trained_tf
    from deepmotif.cli import main

    sequences, model = trained_tf()["sequences"], trained_tf()["model"]
    out = {k: tmp_path / f"{k}" for k in ("modisco.h5", "patterns.tsv", "patterns.meme", "distances.tsv")}
    settings = {"modisco": {"method": method, "n_shuffles": 5, "n_sequences": 150}}
    status = main(["modisco", str(model), str(sequences), f"--output={out['modisco.h5']}",
                   f"--patterns={out['patterns.tsv']}", f"--meme={out['patterns.meme']}",
                   f"--distances={out['distances.tsv']}", f"--logos={tmp_path / 'logos'}",
                   f"--attributions={tmp_path / 'attributions.npz'}", "--settings", json.dumps(settings)])
    assert status == 0
    table = pd.read_csv(out["patterns.tsv"], sep="\t", keep_default_na=False)
    assert len(table) >= 1
    top = table[table["sign"] == 1].sort_values("n_seqlets", ascending=False).iloc[0]
    assert top["match_id"].split(".")[0] == "MA0139", table.to_string()  # CTCF, q < 0.05
    assert float(top["match_q"]) < 0.05
    assert "sub_matches" in table.columns  # the pipeline's table: one implementation (interpret's)
    attributions = np.load(tmp_path / "attributions.npz")
    assert attributions["X_hyp"].shape == (150, 4, 101) and str(attributions["method"]) == method
    assert "MOTIF pos_patterns.pattern_0" in out["patterns.meme"].read_text()
    import h5py

    with h5py.File(out["modisco.h5"]) as h5:
        assert "pos_patterns" in h5
    assert (tmp_path / "logos" / "pos_patterns.pattern_0.png").stat().st_size > 1000


def _composite_pattern(n_seqlets: int = 40) -> tuple[SimpleNamespace, int]:
    """A pattern that merges a composite: 5 uniform columns, TAL1::TCF3 (MA0091.1), 7 uniform columns,
    GATA1 (MA0035.4), 5 uniform columns, as base frequencies of ``n_seqlets`` seqlets; and its width."""
    from deepmotif.simulation.genome import fetch_jaspar_motif

    tal1, gata1 = (fetch_jaspar_motif(m).pwm for m in ("MA0091.1", "MA0035.4"))
    ppm = np.hstack([np.full((4, 5), 0.25), tal1, np.full((4, 7), 0.25), gata1, np.full((4, 5), 0.25)])
    # seqlets: forward in example 0 from 10, reverse-complemented in example 1 from 20
    seqlets = [SimpleNamespace(example_idx=i % 2, start=10 + 10 * (i % 2), end=10 + 10 * (i % 2) + ppm.shape[1],
                               is_revcomp=bool(i % 2)) for i in range(n_seqlets)]
    return SimpleNamespace(seqlets=seqlets, sequence=ppm.T * n_seqlets, contrib_scores=ppm.T), ppm.shape[1]


def test_a_merged_composite_is_matched_by_its_halves_and_gives_the_planted_spacing():
    from deepmotif.simulation.groundtruth import modisco_check
    from deepmotif.interpret.modisco import pattern_queries, query_centres
    from deepmotif.interpret.motifs import jaspar_motifs, match_jaspar

    pattern, width = _composite_pattern()
    pwms, queries = pattern_queries([pattern], [])
    subs = queries[queries["query"] != queries["pattern"]]
    assert len(subs) == 2, queries  # the whole pattern and one window per half
    assert subs["start"].iloc[0] >= 5 and subs["end"].iloc[0] <= 17  # inside TAL1's columns [5, 17)
    assert subs["start"].iloc[1] >= 24 and subs["end"].iloc[1] <= 35  # inside GATA1's [24, 35)
    matches = match_jaspar(pwms, list(queries["query"]), jaspar_motifs(), top_k=3)
    top = matches[matches["rank"] == 1].set_index("query")
    assert top.loc[subs["query"].iloc[0], "target_id"].startswith("MA0091")
    assert top.loc[subs["query"].iloc[1], "target_id"].startswith("MA0035")
    assert (top.loc[subs["query"], "q_value"] < 0.01).all()

    centres = query_centres([pattern], [], queries)
    # a reverse-complemented seqlet mirrors the columns: the first half lies to the right of the second
    first = centres[(centres["query"] == subs["query"].iloc[0])].groupby("example")["centre"].first()
    second = centres[(centres["query"] == subs["query"].iloc[1])].groupby("example")["centre"].first()
    assert first[0] < second[0] and first[1] > second[1]
    # planted: TAL1 [40, 52) and GATA1 [59, 70) in both sequences: centres 18.5 bp apart
    sites = pd.DataFrame({"id": ["s0", "s0", "s1", "s1"], "motif_id": ["MA0091.1", "MA0035.4"] * 2,
                          "motif_name": ["TAL1::TCF3", "GATA1"] * 2, "start": [40, 59] * 2, "end": [52, 70] * 2,
                          "strand": "+"})
    row = modisco_check(matches, centres, ["s0", "s1"], sites, sites, max_q=0.01)
    assert row["modisco_recovered"] == 2
    assert row["planted_spacing"] == 18.5
    learned = abs(((subs["start"].iloc[1] + subs["end"].iloc[1] - 1) - (subs["start"].iloc[0] + subs["end"].iloc[0] - 1)) / 2)
    assert row["modisco_spacing_mode"] == learned
    assert row["modisco_spacing_ok"] == (abs(learned - 18.5) <= 1)


def test_discover_finds_the_motif_a_hand_built_network_detects():
    """discover alone (the pipeline's and the command's TF-MoDISco): a network that scores the CTCF consensus
    (plus a weak background filter, so attributions are not zero off the motif) on sequences that carry it."""
    from _interpret_fixtures import MotifNet
    from deepmotif.interpret.modisco import discover
    from deepmotif.interpret.motifs import jaspar_motifs

    ctcf = "CCACCAGGGGGCGC"
    starts = np.random.default_rng(0).integers(10, 80, 300)
    seqs = [s[:p] + ctcf + s[p + len(ctcf):] for s, p in zip(random_seqs(300, 101, seed=1), starts)]

    class Detector(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.motif = MotifNet(ctcf, weight=1.0, bias=-10.0)
            torch.manual_seed(0)
            self.background = torch.nn.Conv1d(4, 1, 3, padding=1)
            with torch.no_grad():
                self.background.weight.mul_(0.05)

        def forward(self, X):
            return self.motif(X) + self.background(X).mean(dim=(1, 2))

    found = discover(Detector().eval(), X_of(seqs), jaspar_motifs(), "grad_x_input", n_shuffles=5,
                     n_leiden_runs=2, top_k=3, max_q=0.01, seed=0)
    table = found["table"]
    assert list(table["consensus"]) == [ctcf] and table["match_name"].item() == "CTCF"
    assert float(table["match_q"].item()) < 0.01
    [pattern] = found["pos"]
    for seqlet in pattern.seqlets:  # every seqlet lies on the planted site of its sequence
        start = starts[seqlet.example_idx]
        assert seqlet.start < start + len(ctcf) and start < seqlet.end
    assert found["X_hyp"].shape == (300, 4, 101)


@pytest.mark.parametrize("overlay, fraction, n_train", [((), 0.03, 0), (("deepbind.yaml",), 0.1, 10000)])
def test_the_configs_seqlet_settings_reach_modisco_lite(repo_root, monkeypatch, overlay, fraction, n_train):
    # ChIP-seq windows: config/deepbind.yaml keeps at least 10 % of the windows as seqlet candidates and adds
    # the training positives; the simulated default keeps modisco-lite's 3 % and the test positives alone
    import deepmotif.interpret.modisco as modisco
    from deepmotif.interpret.interpretation import InterpretSettings, discover_positives
    from deepmotif.plan import Plan

    interpret = Plan.from_files(repo_root / "config" / "config.yaml",
                                *(repo_root / "config" / name for name in overlay), base_dir=repo_root).interpret
    settings = InterpretSettings.from_config(interpret, temporal=False)
    seen = {}

    def fake_discover(net, X, targets, *args, tfmodisco=None, **kwargs):
        seen.update(n=len(X), **tfmodisco)
        return {"table": pd.DataFrame({"n_seqlets": [], "match_id": []}), "seconds": {"attribution": 0.0,
                                                                                     "modisco": 0.0}}

    monkeypatch.setattr(modisco, "discover", fake_discover)
    seqs = random_seqs(6, 30, seed=1)
    table = pd.DataFrame({"id": [f"s{i}" for i in range(6)], "seq": seqs, "label": [1, 1, 0, 1, 1, 1],
                          "split": ["test", "test", "test", "train", "train", "valid"]})
    discover_positives(None, table, settings, targets=None)
    assert settings.modisco_min_seqlet_fraction == fraction and settings.modisco_n_train_sequences == n_train
    assert seen["min_passing_windows_frac"] == fraction
    assert seen["n"] == 2 + (2 if n_train else 0)  # test positives, plus the training ones (not validation)
