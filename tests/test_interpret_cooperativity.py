"""In-silico spacing and orientation experiments (deepmotif.interpret.cooperativity) on hand-built
networks whose interactions are known exactly, and the motif choice on hand-written tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from _interpret_fixtures import AdditiveNet, X_of, motif_conv, random_seqs
from deepmotif.data.encoding import decode
from deepmotif.errors import InputError
from deepmotif.interpret import cooperativity as co

A_SEQ, B_SEQ = "CAGGTGTT", "AGATAAGA"  # no palindrome, no overlap: no site arises at a junction by chance


class PairNet(nn.Module):
    """logit = bias + w_a·[A anywhere] + w_b·[B anywhere] + w_ab·[A, then B ``gap`` bp after it], exact sites.

    The interaction is ``w_ab`` in the arrangement A+ B+ at ``gap`` and 0 in every other one.
    """

    def __init__(self, gap: int = 5, w: tuple[float, float, float] = (1.0, 1.5, 3.0), bias: float = -2.0) -> None:
        super().__init__()
        self.conv_a = motif_conv(A_SEQ, -(len(A_SEQ) - 1.0))  # 1 at an exact site, <= -1 elsewhere
        self.conv_b = motif_conv(B_SEQ, -(len(B_SEQ) - 1.0))
        self.shift, self.w, self.bias = len(A_SEQ) + gap, w, bias

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        a, b = self.conv_a(X.float()).relu()[:, 0], self.conv_b(X.float()).relu()[:, 0]
        pair = (a[:, :b.shape[1] - self.shift] + b[:, self.shift:] - 1).relu()
        return self.bias + self.w[0] * a.amax(1) + self.w[1] * b.amax(1) + self.w[2] * pair.amax(1)


@pytest.fixture(scope="module")
def backgrounds() -> torch.Tensor:
    seqs = pd.DataFrame({"id": range(40), "seq": random_seqs(40, 60, seed=1), "label": 0, "split": "test"})
    return co.background_sequences(seqs, 12, seed=0)


def test_inserted_motifs_sit_where_the_pair_puts_them():
    X = X_of(["T" * 30]).to(torch.int8)
    a, b = co._onehot("CCGA"), co._onehot("GGAC")
    seqs = {w: decode(co.arrangement_inputs(X, a, b, "AB", "+", "-", 3, w).numpy())[0] for w in ("a", "b", "ab")}
    # 4 + 3 + 4 = 11 bp centred in 30: start 15 - 5 = 10; B on the minus strand is GTCC
    assert seqs["ab"] == "T" * 10 + "CCGA" + "TTT" + "GTCC" + "T" * 9
    assert seqs["a"] == "T" * 10 + "CCGA" + "T" * 16
    assert seqs["b"] == "T" * 17 + "GTCC" + "T" * 9
    ba = decode(co.arrangement_inputs(X, a, b, "BA", "-", "+", 0, "ab").numpy())[0]
    assert ba == "T" * 11 + "GGAC" + "TCGG" + "T" * 11


def test_interaction_peaks_at_the_built_arrangement_and_gap(backgrounds):
    table = co.cooperativity(PairNet(gap=5), backgrounds, co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ),
                             max_spacing=12, n_null=6)
    assert len(table) == 4 * 13 and list(table.columns) == co.COLUMNS
    top = co.strongest_interaction(table)
    assert (top["arrangement"], top["spacing"], top["significant"]) == ("A+ B+", 5, True)
    assert top["interaction"] == pytest.approx(3.0) and top["q_value"] < 1e-6
    others = table[~((table["arrangement"] == "A+ B+") & (table["spacing"] == 5))]
    assert np.allclose(others["interaction"], 0, atol=1e-5) and (others["q_value"] > 0.05).all()
    assert table["significant"].sum() == 1 and co.describe_interaction(top).startswith("A+ B+, gap 5 bp: +3.00 (q ")
    assert top["vs_median"] == pytest.approx(3.0)  # the other 51 arrangements: 0
    # the network reads the + strand only: a motif on the - strand has no effect
    assert np.allclose(table["effect_a"], np.where(table["strand_a"] == "+", 1.0, 0.0))
    assert np.allclose(table["effect_b"], np.where(table["strand_b"] == "+", 1.5, 0.0))


def test_each_distinct_input_runs_once_across_arrangements(backgrounds):
    """A motif alone lies at the same place in A+ B+ and A+ B- (A) or A- B+ (B, shuffled B), and at
    neighbouring gaps: those inputs are predicted once, with the same table as every input run."""
    seen = []

    class Recording(PairNet):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            seen.append(X.to(torch.int8))
            return super().forward(X)

    a, b = co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ)
    table = co.cooperativity(Recording(gap=5), backgrounds, a, b, max_spacing=6, n_null=3)
    run = torch.cat(seen)
    assert len(torch.unique(run, dim=0)) == len(run)  # nothing predicted twice
    n, n_null, n_gaps = len(backgrounds), 3, 7
    assert len(run) < n * (1 + 4 * n_gaps * (3 + 2 * n_null))  # fewer than all the inputs
    X_a, X_b = co._onehot(A_SEQ), co._onehot(B_SEQ)
    B_null = co.shuffled_motifs(B_SEQ, n_null, 0)
    inputs = torch.cat([co.arrangement_batch(backgrounds, X_a, X_b, B_null, arr, range(n_gaps))
                        for arr in co.ARRANGEMENTS])
    assert len(run) == n + len(torch.unique(inputs, dim=0))
    alone = co.split_logits(PairNet(gap=5)(inputs[:len(inputs) // 4].float()).detach().numpy(), n_gaps, n)
    expected = table[table["arrangement"] == "A+ B+"]
    bg = PairNet(gap=5)(backgrounds.float()).detach().numpy()
    np.testing.assert_allclose(expected["effect_ab"], (alone["ab"] - bg).mean(axis=1), atol=1e-5)
    np.testing.assert_allclose(expected["interaction"],
                               (alone["ab"] - alone["a"] - alone["b"] + bg).mean(axis=1), atol=1e-5)


def test_an_additive_model_has_no_interaction(backgrounds):
    table = co.cooperativity(AdditiveNet(), backgrounds, co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ),
                             max_spacing=6, n_null=4)
    assert np.abs(table["interaction"]).max() < 1e-4
    assert (table["q_value"] > 0.5).all() and not table["significant"].any()
    assert co.describe_interaction(co.strongest_interaction(table)).startswith("none (")


def test_shuffle_test_against_hand_made_nulls():
    rng = np.random.default_rng(0)
    null = rng.normal(0, 1, size=(2, 19, 30))
    observed = np.stack([np.full(30, 5.0), null[1, 0] + 0.0])  # far outside the shuffles; one of them
    test = co.shuffle_test(observed, null)
    assert test["p_value"][0] < 1e-6 and test["p_rank"][0] == pytest.approx(1 / 20)
    assert test["p_value"][1] > 0.05 and test["null_low"][0] < 0 < test["null_high"][0]
    with pytest.raises(InputError, match="at least 2 shuffles"):
        co.shuffle_test(observed, null[:, :1])


def test_shuffles_of_b_keep_its_bases():
    shuffles = co.shuffled_motifs(B_SEQ, 5, seed=0)
    assert shuffles.shape == (5, 4, len(B_SEQ))
    assert all(sorted(s) == sorted(B_SEQ) for s in decode(shuffles.numpy()))
    assert len(set(decode(shuffles.numpy()))) > 1


def test_motifs_resolve_from_jaspar_ids_and_sequences():
    gata = co.resolve_motif("MA0035.4")
    assert gata.name == "GATA1 (MA0035.4)" and set(gata.seq) <= set("ACGT") and len(gata.seq) == 11
    assert co.resolve_motif("gataag") == co.PairMotif("GATAAG", "GATAAG", "given")
    with pytest.raises(InputError, match="JASPAR id with version"):
        co.resolve_motif("GATA1")


def test_default_motifs_prefer_modisco_then_learned_motifs_then_the_sheet():
    patterns = pd.DataFrame({"pattern": ["pos_patterns.pattern_0", "pos_patterns.pattern_1", "neg_patterns.pattern_0"],
                             "sign": [1, 1, -1], "n_seqlets": [50, 80, 90],
                             "match_id": ["MA0091.1", "", "MA0139.1"], "match_name": ["TAL1::TCF3", "", "CTCF"],
                             "sub_matches": ["0-12:TAL1::TCF3(MA0091.1);18-29:GATA1(MA0035.4)", "", ""]})
    matches = pd.DataFrame({"query": ["f1", "f2", "f3"], "target_id": ["MA0138.2", "MA0035.4", "MA0091.2"],
                            "rank": [1, 1, 1], "q_value": [0.001, 0.0001, 1e-5]})
    a, b = co.default_motifs(patterns, matches, ["MA0139.1"])
    assert (a.name, a.source, b.name, b.source) == ("TAL1::TCF3 (MA0091.1)", "modisco", "GATA1 (MA0035.4)", "modisco")
    a, b = co.default_motifs(patterns.iloc[[0]].assign(sub_matches=""), matches, [])
    assert (a.source, b.name, b.source) == ("modisco", "GATA1 (MA0035.4)", "jaspar_matches")
    a, b = co.default_motifs(None, None, ["MA0091.1", "MA0035.4"])
    assert (a.source, b.source) == ("sheet", "sheet")
    a, b = co.default_motifs(patterns.iloc[[0]].assign(sub_matches=""), None, ["MA0091.2", "MA0035.4"])
    assert (a.name, b.name) == ("TAL1::TCF3 (MA0091.1)", "GATA1 (MA0035.4)")  # another version is the same motif
    a, b = co.default_motifs(None, matches.iloc[:0], ["MA0139.1"])  # one motif: a homotypic pair
    assert a == b and a.name == "CTCF (MA0139.1)"
    other_ctcf = pd.DataFrame({"query": ["f1"], "target_id": ["MA1929.2"], "rank": [1], "q_value": [1e-4]})
    a, b = co.default_motifs(None, other_ctcf, ["MA0139.1"])  # two matrices of one TF are one motif
    assert a == b and a.name == "CTCF (MA1929.2)"
    with pytest.raises(InputError, match="found no motif"):
        co.default_motifs(None, matches.iloc[:0], [])


def test_motifs_too_wide_for_the_sequences_are_an_error(backgrounds):
    with pytest.raises(InputError, match="lower max_spacing"):
        co.cooperativity(AdditiveNet(), backgrounds, co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ),
                         max_spacing=50)


# ---- ground truth: CNNs trained on the grammar benchmark's order data and on its shuffle control ----

GAP = 5


def _train_grammar_cnn(root, negatives: str):
    """A small CNN trained on the grammar benchmark's data (deepmotif.simulation.grammar) with sharp motifs
    A and B (exact sites: learnt in ~10 s on one thread): positives A then B ``GAP`` bp apart, negatives
    ``order`` (B then A) or ``shuffle`` (dinucleotide shuffles, one motif suffices)."""
    from deepmotif.models.inference import load_network
    from deepmotif.models.train import train_model
    from deepmotif.simulation.genome import Motif
    from deepmotif.simulation.grammar import grammar_dataset

    def sharp(seq: str) -> np.ndarray:
        return np.eye(4)[["ACGT".index(b) for b in seq]].T

    data, _ = grammar_dataset((Motif("A", "A", sharp(A_SEQ)), Motif("B", "B", sharp(B_SEQ))), n_positives=500,
                              spacing=GAP, negatives=negatives, seed=0)
    path = root / f"{negatives}.tsv"
    data.to_csv(path, sep="\t", index=False)
    params = {"preset": "small", "lr": 3e-3, "lr_halve_every": 0, "batch_size": 32, "max_epochs": 10,
              "patience": 10, "rc_augment": False}
    metrics = train_model(path, "cnn", root / negatives, params, threads=1, tf=negatives)
    return load_network(root / negatives / "model.ckpt"), data, metrics["test_auroc"], root


@pytest.fixture(scope="module")
def grammar_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("grammar")
    return {neg: _train_grammar_cnn(root, neg) for neg in ("order", "shuffle")}


@pytest.mark.slow
def test_grammar_order_model_interacts_at_the_planted_gap_and_order(grammar_models):
    net, data, auroc, _ = grammar_models["order"]
    assert auroc > 0.95  # only the order separates the classes: the model learnt it
    X = co.background_sequences(data, 16, seed=0)
    table = co.cooperativity(net, X, co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ), max_spacing=20)
    top = co.strongest_interaction(table)
    assert top["significant"] and top["arrangement"] in ("A+ B+", "B+ A+") and abs(top["spacing"] - GAP) <= 2
    assert abs(top["interaction"]) > 3 and abs(top["vs_median"]) > 3  # a peak, not the same everywhere
    at_gap = table[table["spacing"] == GAP].set_index("arrangement")["interaction"]
    assert at_gap["A+ B+"] - at_gap["B+ A+"] > 3  # the planted order is read as bound, the other as not
    far = table[table["spacing"] >= 15]
    assert far["interaction"].abs().max() < abs(top["interaction"]) / 3  # the dependency is local


@pytest.mark.slow
def test_shuffle_control_model_stays_within_the_null(grammar_models):
    net, data, auroc, _ = grammar_models["shuffle"]
    assert auroc > 0.95  # one motif suffices
    X = co.background_sequences(data, 16, seed=0)
    table = co.cooperativity(net, X, co.PairMotif("A", A_SEQ), co.PairMotif("B", B_SEQ), max_spacing=20)
    assert not table["significant"].any() and table["interaction"].abs().max() < 1.0


@pytest.mark.slow
def test_cooperativity_command_table_figure_summary_and_index(grammar_models, tmp_path):
    from deepmotif.cli import main
    from deepmotif.interpret.cooperativity import SUMMARY_COLUMNS, read_table
    from deepmotif.report.dashboard import render_index

    root = grammar_models["order"][3]
    out, figure, summary = tmp_path / "cooperativity.tsv", tmp_path / "figure.png", tmp_path / "summary.tsv"
    settings = '{"cooperativity": {"motifs": ["%s", "%s"], "n_backgrounds": 8, "max_spacing": 10}}' % (A_SEQ, B_SEQ)
    assert main(["cooperativity", str(root / "order" / "model.ckpt"), str(root / "order.tsv"), "-o", str(out),
                 "--figure", str(figure), "--tf", "order", "--arch", "cnn", "--settings", settings,
                 "--n-null", "4"]) == 0
    table = read_table(out)
    assert len(table) == 4 * 11 and (table["n_backgrounds"] == 8).all() and set(table["tf"]) == {"order"}
    assert (table["source_a"] == "given").all() and figure.read_bytes()[:4] == b"\x89PNG"
    assert main(["summarize-cooperativity", str(out), "-o", str(summary)]) == 0
    rows = pd.read_csv(summary, sep="\t", keep_default_na=False)
    assert list(rows.columns) == SUMMARY_COLUMNS
    assert "B+ A+, gap 5 bp: -" in rows["strongest"].iloc[0]  # with 4 shuffles of B the q-value may not pass
    html = render_index(pd.DataFrame({"tf": ["order"], "arch": ["cnn"], "test_auroc": [0.99], "test_auprc": [0.99]}),
                        {"order": "order/dashboard.html"}, top=10, max_q=0.01, cooperativity=rows)
    assert "Motif dependencies" in html and rows["strongest"].iloc[0] in html
    # a key the section does not have, and a pair that is not two motifs: one line, status 2
    with pytest.raises(SystemExit, match="2"):
        main(["cooperativity", str(root / "order" / "model.ckpt"), str(root / "order.tsv"), "-o", str(out),
              "--settings", '{"cooperativity": {"n_shuffles": 3}}'])
    assert main(["cooperativity", str(root / "order" / "model.ckpt"), str(root / "order.tsv"), "-o", str(out),
                 "--motifs", "MA0035.4"]) == 2


@pytest.mark.slow
def test_dashboard_and_index_of_a_trained_tf_show_motif_dependencies():
    from _trained_tf import TF, trained_tf

    from deepmotif.interpret.cooperativity import read_table

    files = trained_tf()
    table = read_table(files["cooperativity"])
    # A: CTCF, the planted motif, from MoDISco; B: the best learned motif's JASPAR hit of another TF (not CTCF's
    # second matrix, MA1929)
    first = table.iloc[0]
    assert (first["motif_a"], first["source_a"], first["source_b"]) == ("CTCF (MA0139.2)", "modisco", "jaspar_matches")
    assert not first["motif_b"].upper().startswith("CTCF")
    dashboard = files["dashboard"].read_text()
    assert 'id="cooperativity"' in dashboard and "strongest interaction" in dashboard
    assert dashboard.count("motif dependencies of cnn") == 1  # the figure, inlined
    index = files["index"].read_text()
    assert "Motif dependencies: strongest interaction per model" in index and f"{TF}</a>" in index
