"""The known-motif check: expected JASPAR matrices, exact/family verdicts, decoy calibration."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from _trained_tf import MOTIF, TF, trained_tf

from deepmotif.interpret import known_motifs as km
from deepmotif.interpret.motifs import MATCH_COLUMNS, Motifs, information_content, jaspar_motifs, match_jaspar


@pytest.fixture(scope="module")
def annotations() -> pd.DataFrame:
    return km.jaspar_annotations()


def hit(query: str, target_id: str, target_name: str, q: float, source: str = "filter", bits: float = 10.0,
        decoy_q: float = 0.5, rank: int = 1) -> dict:
    """One Tomtom row as match_jaspar writes it (with decoys)."""
    return {"query": query, "target_id": target_id, "target_name": target_name, "p_value": q / 100,
            "e_value": q, "q_value": q, "offset": 0, "overlap": 8, "orientation": "+", "rank": rank,
            "query_start": 0, "query_end": 8, "information": bits, "decoy_id": "decoy:MA0001.1",
            "decoy_p_value": decoy_q / 100, "decoy_q_value": decoy_q, "source": source}


def test_tf_name_of_deepbind_and_plain_names():
    assert km.tf_name("GABPA_GM12878_GABP_HudsonAlpha") == "GABPA"
    assert km.tf_name("ARID3A_K562_ARID3A_(sc-8821)_Stanford") == "ARID3A"
    assert km.tf_name("CTCF") == "CTCF"


def test_expected_matrices_by_name_lookup_and_sheet(annotations):
    gabpa = km.expected_matrices("GABPA_GM12878_GABP_HudsonAlpha", [], annotations)
    assert list(gabpa["name"]) == ["GABPA"] and gabpa["motif_id"].str.startswith("MA0062.").all()
    assert gabpa["family"].tolist() == ["Ets-related"] and gabpa["origin"].tolist() == ["name lookup: GABPA"]
    arid = km.expected_matrices("ARID3A_K562", [], annotations)  # JASPAR spells it Arid3a: case ignored
    assert arid["name"].tolist() == ["Arid3a"]
    myc = km.expected_matrices("MYC_H1-hESC_c-Myc_Stanford", [], annotations)
    assert "MYC" in set(myc["name"]) and "MAX::MYC" not in set(myc["name"])  # dimers only without a plain matrix
    sheet = km.expected_matrices("anything", ["MA0139.1"], annotations)  # old version: name from the database
    assert sheet[["motif_id", "name", "origin"]].values.tolist() == [["MA0139.1", "CTCF", "sheet"]]
    assert km.expected_matrices("NOT_A_TF", [], annotations).empty


def test_verdicts_exact_family_none_and_no_matrix(annotations):
    expected = km.expected_matrices("GATA3_x", [], annotations)  # Gata3, family C4-GATA-related
    matches = pd.DataFrame([hit("filter1", "MA0036.4", "GATA2", 1e-6),                    # family
                            hit("filter2", "MA0139.2", "CTCF", 1e-3),                     # other
                            hit("opt1.w1", "MA0037.5", "Gata3", 1e-4, "class_optimization"),  # exact
                            hit("pos_patterns.pattern_0", "MA0139.2", "CTCF", 1e-8, "modisco")])
    v = km.verdicts(matches, expected, annotations, max_q=0.01).set_index("source")
    assert v.loc["filter", "verdict"] == "family" and v.loc["filter", "target_name"] == "GATA2"
    assert v.loc["filter", "unexpected"] == "MA0139.2:CTCF" and v.loc["filter", "n_calls"] == 2
    assert v.loc["class_optimization", "verdict"] == "exact"
    assert v.loc["modisco", "verdict"] == "none" and v.loc["modisco", "target_name"] == "CTCF"
    # the family among a counting motif's lower-ranked significant hits: family (GABPA's ETS-like ZBTB11 case)
    lower = pd.DataFrame([hit("pos_patterns.pattern_0", "MA2329.1", "ZBTB11", 1e-6, "modisco"),
                          hit("pos_patterns.pattern_0", "MA0036.4", "GATA2", 1e-4, "modisco", rank=2),
                          hit("pos_patterns.pattern_1", "MA0035.5", "GATA1", 0.2, "modisco", rank=2)])
    v = km.verdicts(lower, expected, annotations, max_q=0.01).set_index("source").loc["modisco"]
    assert (v["verdict"], v["target_name"], v["rank"], v["unexpected"]) == ("family", "GATA2", 2, "")
    none = km.verdicts(matches, expected.iloc[:0], annotations, max_q=0.01)
    assert set(none["verdict"]) == {km.NO_MATRIX}  # said, not skipped


def test_calls_need_q_information_and_no_decoy_match(annotations):
    expected = km.expected_matrices("GATA3_x", [], annotations)
    rows = [hit("weak", "MA0037.5", "Gata3", 0.02),                       # q too large
            hit("flat", "MA0037.5", "Gata3", 1e-5, bits=3.0),            # too little information
            hit("unspecific", "MA0037.5", "Gata3", 1e-5, decoy_q=1e-3),  # matches a decoy too
            hit("second", "MA0037.5", "Gata3", 1e-9, rank=2)]            # not the top hit
    v = km.verdicts(pd.DataFrame(rows), expected, annotations, max_q=0.01, min_information=6.0)
    assert v.loc[v["source"] == "filter", "verdict"].item() == "none"
    assert v.loc[v["source"] == "filter", "n_calls"].item() == 0
    kept = km.calls(pd.DataFrame(rows), max_q=0.01, min_information=2.0)
    assert kept["query"].tolist() == ["flat"]


def test_decoys_shuffle_columns_of_every_matrix():
    targets = Motifs(("MA1.1", "MA2.1"), ("A", "B"), (np.eye(4)[:, [0, 1, 2, 3, 0]], np.eye(4)[:, [3, 3, 1]]))
    decoys = km.decoy_motifs(targets, seed=1)
    assert decoys.ids == ("decoy:MA1.1", "decoy:MA2.1") and len(decoys.pwms) == len(targets.pwms)
    for real, decoy in zip(targets.pwms, decoys.pwms):
        assert sorted(map(tuple, real.T)) == sorted(map(tuple, decoy.T))  # the same columns
    jaspar = jaspar_motifs()
    shuffled = km.decoy_motifs(jaspar)
    moved = [not np.array_equal(a, b) for a, b in zip(jaspar.pwms, shuffled.pwms)]
    assert np.mean(moved) > 0.95  # nearly every matrix changed (a few are palindromic or flat)


@pytest.fixture(scope="module")
def gabpa_hits() -> tuple[pd.DataFrame, dict]:
    """Tomtom with decoys of two learned motifs: GABPA's own JASPAR matrix and a poly-C run."""
    targets = jaspar_motifs()
    gabpa = targets.pwms[targets.names.index("GABPA")]
    poly_c = np.full((4, 12), 0.02)
    poly_c[1] = 0.94
    pwms = {"gabpa": gabpa, "poly_c": poly_c}
    return match_jaspar(list(pwms.values()), list(pwms), targets, decoys=km.decoy_motifs(targets)), pwms


def test_match_jaspar_with_decoys_and_false_match_rate(annotations, gabpa_hits):
    """A JASPAR matrix finds itself and not its decoys; a poly-C query matches real and decoy matrices alike."""
    targets = jaspar_motifs()
    hits, pwms = gabpa_hits
    gabpa = pwms["gabpa"]
    assert list(hits.columns) == MATCH_COLUMNS + ["decoy_id", "decoy_p_value", "decoy_q_value"]
    top = hits[hits["rank"] == 1].set_index("query")
    assert top.loc["gabpa", "target_name"] == "GABPA" and top.loc["gabpa", "decoy_q_value"] > 0.01
    span = slice(top.loc["gabpa", "query_start"], top.loc["gabpa", "query_end"])
    assert top.loc["gabpa", "information"] == pytest.approx(float(information_content(gabpa[:, span]).sum()))
    rate = km.false_match_rate(hits, max_q=0.01)
    assert rate["n_queries"] == 2 and rate["n_decoy"] == int((top["decoy_q_value"] < 0.01).sum())
    assert rate["false_match_rate"] == rate["n_decoy"] / 2
    check = km.known_motif_check(hits.assign(source="filter"), "GABPA_GM12878", [], annotations, 0.01, 6.0,
                                 pwms=pwms, targets=targets)
    assert check["best"]["verdict"] == "exact" and check["best"]["query"] == "gabpa"
    assert np.asarray(check["best"]["pwm"]).shape[0] == 4 and check["best"]["target_pwm"]
    assert 0 < check["family_share"] < 0.2  # Ets-related: a few dozen of ~900 matrices
    row = km.summary_row("GABPA_GM12878", "cnn", check)
    assert row["filter_verdict"] == "exact" and row["verdict"] == "exact" and row["expected"].startswith("MA0062.")


def test_index_shows_known_motifs_with_logo_and_calibration(tmp_path, annotations, gabpa_hits):
    from deepmotif.report.dashboard import render_index
    from deepmotif.report.known_motifs import known_motif_table, write_known_motif_figures

    hits, pwms = gabpa_hits
    reports = [{"tf": tf, "arch": "cnn", "known_motifs": km.known_motif_check(
        hits.assign(source="filter"), tf, [], annotations, 0.01, 6.0, pwms=pwms, targets=jaspar_motifs())}
        for tf in ("GABPA_GM12878", "NOVEL_TF")]
    table = known_motif_table(reports)
    assert table["verdict"].tolist() == ["exact", km.NO_MATRIX] and table["expected"][1] == km.NO_MATRIX
    assert write_known_motif_figures(tmp_path / "logos", reports) == 2
    assert (tmp_path / "logos" / "GABPA_GM12878.cnn.png").read_bytes()[:4] == b"\x89PNG"
    auc = pd.DataFrame({"tf": ["GABPA_GM12878", "NOVEL_TF"], "arch": "cnn", "test_auroc": [0.9, 0.8],
                        "test_auprc": [0.9, 0.8]})
    png = tmp_path / "scatter.png"
    png.write_bytes(b"\x89PNG fake")
    html = render_index(auc, {"GABPA_GM12878": "a.html", "NOVEL_TF": "b.html"}, top=10, max_q=0.01,
                        figures={"auc_scatter": png, "auc_box": png}, known_motifs=table,
                        known_figures=tmp_path / "logos", min_information=6.0, known_max_q=0.01)
    assert 'id="known-motifs"' in html and "<b>exact</b>" in html and km.NO_MATRIX in html
    assert html.count('alt="best learned motif of') == 2
    n_decoy, n = int(table["n_decoy"].sum()), int(table["n_queries"].sum())
    assert f"{n} learned motifs" in html and f"{n_decoy} match a decoy" in html
    assert "test AUROC scatter" not in html and "One architecture trained: nothing to compare" in html


def test_simulated_cnn_recovers_the_planted_matrix_and_nothing_else():
    """The trained CNN of a simulated CTCF (tests/_trained_tf.py): calibrated calls name only the planted
    matrix (or its family), never another one; the decoy false-match rate is reported in the JSON, the
    summary table and on the index."""
    f = trained_tf()
    known = json.loads(f["ground_truth"].read_text())["known_motifs"]
    assert [e["motif_id"] for e in known["expected"]] == [MOTIF] and known["origin"] == "sheet"
    assert known["best"]["verdict"] == "exact" and known["best"]["target_name"] == "CTCF"
    assert [v["unexpected"] for v in known["verdicts"]] == ["", "", ""]
    assert (known["min_information"], known["max_q"]) == (6.0, 1e-4) and known["n_queries"] > 0
    assert known["false_match_rate"] == known["n_decoy"] / known["n_queries"]
    table = pd.read_csv(f["known_motifs"], sep="\t")
    assert table[["tf", "arch", "verdict"]].values.tolist() == [[TF, "cnn", "exact"]]
    assert table["false_match_rate"].item() == pytest.approx(known["false_match_rate"], abs=1e-4)
    html = f["index"].read_text()
    assert 'id="known-motifs"' in html and f"{known['n_decoy']} match a decoy" in html
    assert html.count('alt="best learned motif of') == 1
    dashboard = f["dashboard"].read_text()  # the TF's own page: the planted-motif checks and the known-motif one
    section = dashboard.split('id="known-motifs"')[1].split("</section>")[0]
    assert 'id="ground-truth"' in dashboard and MOTIF in section
    assert [f"<b>{v['verdict']}</b>" for v in known["verdicts"]] == re.findall(r"<b>\w+</b>(?=<br>)", section)
    assert km.match_text(known["best"]) in section


def _dashboard(tmp_path, tf: str, ground_truth: list[dict]) -> str:
    """A TF's dashboard from hand-made figure files (as tests/test_report.py) with the given ground truths."""
    from PIL import Image

    from deepmotif.report.dashboard import MotifPanel, render_dashboard

    folder = tmp_path / tf
    for sub in ("saliency", "motifs"):
        (folder / sub).mkdir(parents=True)
    for png in (folder / "saliency" / "a.png", folder / "motifs" / "class_optimization.png", folder / "p.png"):
        Image.new("RGB", (2, 2), "white").save(png)
    (folder / "saliency" / "index.tsv").write_text("name\trank\tid\tfile\na\t1\ts1\ta.png\n")
    (folder / "motifs" / "index.tsv").write_text("query\tsource\tfile\tnote\n")
    archs = [g["arch"] for g in ground_truth]
    metrics = {"test_auroc": 0.9, "test_auprc": 0.8, "valid_auroc": 0.9, "epochs": 7, "best_epoch": 5,
               "n_parameters": 1234, "n_train": 100, "n_test": 20, "seconds": 3.2}
    return render_dashboard(tf, {a: metrics for a in archs}, folder / "p.png", folder / "p.png", folder / "saliency",
                            [MotifPanel(a, str(folder / "motifs")) for a in archs], max_q=0.01, top=10,
                            pass_rate=0.8, ground_truth=ground_truth)


def test_dashboard_shows_each_models_known_motif_verdicts(tmp_path, annotations, gabpa_hits):
    """A real TF's dashboard (ground_truth.json without planted checks) shows per architecture × source the
    verdict, the JASPAR hit and the learned motif, and a TF without a known matrix says so."""

    hits, pwms = gabpa_hits
    targets = jaspar_motifs()
    sources = {"cnn": {"gabpa": "filter", "poly_c": "filter"},  # GABPA's matrix as a filter: filters exact
               "rnn": {"gabpa": "modisco", "poly_c": "class_optimization"}}  # ... as a MoDISco pattern

    def report(tf: str, arch: str) -> dict:
        check = km.known_motif_check(hits.assign(source=hits["query"].map(sources[arch])), tf, [], annotations,
                                     0.01, 6.0, pwms=pwms, targets=targets)
        return json.loads(json.dumps({"tf": tf, "arch": arch, "note": "no planted motifs: not a simulated TF",
                                      "known_motifs": check}))  # as ground_truth.json holds it

    tf = "GABPA_GM12878"
    truth = [report(tf, arch) for arch in ("cnn", "rnn")]
    html = _dashboard(tmp_path, tf, truth)
    assert 'href="#known-motifs"' in html and 'id="known-motifs"' in html
    assert 'href="#ground-truth"' not in html  # no planted motifs: no simulated ground-truth section
    section = html.split('id="known-motifs"')[1].split("</section>")[0]
    expected = truth[0]["known_motifs"]["expected"]
    assert all(e["motif_id"] in section for e in expected) and "name lookup: GABPA" in section
    assert "q &lt; 0.01" in section and "at least 6.0 bits" in " ".join(section.split())  # the check's thresholds
    by_arch = dict(re.findall(r'rowspan="3">(\w+)</td>(.*?)(?=rowspan="3">\w+</td>|</table>)', section, re.S))
    assert list(by_arch) == ["cnn", "rnn"]
    order = list(km.SOURCES)
    for arch, want in (("cnn", "filter"), ("rnn", "modisco")):
        verdicts = re.findall(r"<b>([^<]+)</b><br>", by_arch[arch])
        assert verdicts[order.index(want)] == "exact"
        gabpa = next(v for v in report(tf, arch)["known_motifs"]["verdicts"] if v["source"] == want)
        assert km.match_text(gabpa) in by_arch[arch] and gabpa["target_name"] == "GABPA"
        assert f'<td class="l">{gabpa["query"]}</td>' in by_arch[arch]
        assert [v["verdict"] for v in report(tf, arch)["known_motifs"]["verdicts"]] == verdicts

    novel = _dashboard(tmp_path, "NOVEL_TF", [report("NOVEL_TF", "cnn")])
    section = novel.split('id="known-motifs"')[1].split("</section>")[0]
    assert "no JASPAR matrix is named NOVEL" in " ".join(section.split())
    assert re.findall(r"<b>([^<]+)</b><br>", section) == [km.NO_MATRIX] * len(km.SOURCES)
