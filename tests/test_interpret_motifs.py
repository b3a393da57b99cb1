"""Tests of deepmotif.interpret.motifs: MEME files, JASPAR via pyjaspar, Tomtom matching (memelite).

The first Tomtom call on a machine compiles memelite with numba (~75 s, unless setup.sh did; then it is
loaded from the per-user cache of deepmotif.runtime.numba_cache).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _interpret_fixtures import X_of
from deepmotif.interpret.motifs import (
    MATCH_COLUMNS,
    Motifs,
    benjamini_hochberg,
    information_content,
    jaspar_motifs,
    match_jaspar,
    trim_pwm,
    write_meme,
)

torch.set_num_threads(1)
UNIFORM = np.full((4, 1), 0.25)


@pytest.fixture(scope="module")
def jaspar() -> Motifs:
    return jaspar_motifs()


@pytest.fixture(scope="module")
def ctcf(jaspar) -> np.ndarray:
    return np.array(jaspar.pwms[jaspar.ids.index("MA0139.2")])


def test_information_content_and_trim():
    gata = X_of(["GATA"])[0].numpy()
    np.testing.assert_allclose(information_content(gata), [2, 2, 2, 2])
    np.testing.assert_allclose(information_content(UNIFORM), [0], atol=1e-12)
    np.testing.assert_allclose(information_content(np.array([[0.5], [0.5], [0], [0]])), [1])
    padded = np.concatenate([UNIFORM, UNIFORM, gata, UNIFORM], axis=1)
    assert trim_pwm(padded) == (2, 6)
    assert trim_pwm(np.concatenate([gata[:, :1], UNIFORM, gata[:, 1:]], axis=1)) == (0, 5)  # inner kept
    assert trim_pwm(np.repeat(UNIFORM, 5, axis=1)) == (0, 0)


def test_write_meme_parses_back(tmp_path):
    from memelite.io import read_meme

    rng = np.random.default_rng(0)
    pwms = [rng.dirichlet(np.ones(4), size=k).T for k in (4, 9)]
    path = tmp_path / "motifs.meme"
    write_meme(path, [2 * pwms[0], pwms[1]], ["filter_0", "opt(1)"])  # renormalized per position
    text = path.read_text()
    assert text.startswith("MEME version 4\n\nALPHABET= ACGT\n")
    assert "letter-probability matrix: alength= 4 w= 9" in text
    motifs = read_meme(str(path))
    assert list(motifs) == ["filter_0", "opt(1)"]
    for pwm, parsed in zip(pwms, motifs.values()):
        np.testing.assert_allclose(parsed, pwm, atol=1e-6)


def test_write_meme_rejects_bad_names_and_shapes(tmp_path):
    gata = X_of(["GATA"])[0].numpy()
    with pytest.raises(ValueError, match="without whitespace"):
        write_meme(tmp_path / "a.meme", [gata], ["filter 0"])
    with pytest.raises(ValueError, match="unique"):
        write_meme(tmp_path / "a.meme", [gata, gata], ["f", "f"])
    with pytest.raises(ValueError, match=r"pwms\[0\] must have shape \(4, width\)"):
        write_meme(tmp_path / "a.meme", [X_of(["GATTA"])[0].numpy().T], ["f"])
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_jaspar_motifs_cached_probabilities(jaspar):
    assert jaspar_motifs() is jaspar
    assert len(jaspar.ids) == len(jaspar.names) == len(jaspar.pwms) > 500
    i = jaspar.ids.index("MA0139.2")
    assert jaspar.names[i] == "CTCF" and jaspar.pwms[i].shape == (4, 15)
    for pwm in jaspar.pwms[:50]:
        np.testing.assert_allclose(pwm.sum(axis=0), 1)
    with pytest.raises(ValueError, match="read-only"):
        jaspar.pwms[i][0, 0] = 1.0  # the cached matrices cannot be corrupted by a caller


def test_jaspar_motifs_rejects_unknown_release():
    with pytest.raises(ValueError, match="no release 'JASPAR1999'; it has .*JASPAR2024"):
        jaspar_motifs("JASPAR1999")


def test_benjamini_hochberg_by_hand():
    q = benjamini_hochberg(np.array([[0.01, 0.04, 0.03, 0.5]]))
    np.testing.assert_allclose(q, [[0.04, 0.16 / 3, 0.16 / 3, 0.5]])


def test_benjamini_hochberg_equals_scipys_on_ties_and_rows():
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(0)
    p = rng.random((5, 84)) ** 3
    p[:, 1] = p[:, 0]  # ties
    p[0, :3] = [0.0, 1.0, 1.0]
    assert np.array_equal(benjamini_hochberg(p), false_discovery_control(p, axis=-1, method="bh"))
    assert np.array_equal(benjamini_hochberg(p[1]), false_discovery_control(p[1], method="bh"))
    assert benjamini_hochberg(np.array([0.3])).tolist() == [0.3]
    with pytest.raises(ValueError, match="between 0 and 1"):
        benjamini_hochberg(np.array([0.1, np.nan]))


def test_match_jaspar_finds_ctcf(jaspar, ctcf):
    queries = [ctcf, ctcf[::-1, ::-1], np.concatenate([np.repeat(UNIFORM, 5, axis=1), ctcf], axis=1),
               np.repeat(UNIFORM, 8, axis=1)]
    hits = match_jaspar(queries, ["ctcf", "ctcf_rc", "ctcf_padded", "flat"], targets=jaspar, top_k=3)
    assert list(hits.columns) == MATCH_COLUMNS
    assert "flat" not in set(hits["query"])  # no informative position: skipped
    top = hits[hits["rank"] == 1].set_index("query")
    assert list(top["target_id"]) == ["MA0139.2"] * 3
    assert (top["q_value"] < 0.01).all()
    assert list(top["orientation"]) == ["+", "-", "+"]
    start, end = trim_pwm(ctcf)
    assert tuple(top.loc["ctcf_padded", ["query_start", "query_end"]]) == (start + 5, end + 5)
    assert top.loc["ctcf", "offset"] == start  # the trimmed query starts at column `start` of the target
    for _, group in hits.groupby("query"):
        assert list(group["rank"]) == [1, 2, 3]
        assert group["p_value"].is_monotonic_increasing
    assert (hits["q_value"] >= hits["p_value"]).all()
    np.testing.assert_allclose(hits["e_value"], hits["p_value"] * len(jaspar.ids))


def test_match_jaspar_without_informative_queries(jaspar):
    hits = match_jaspar([np.repeat(UNIFORM, 6, axis=1)], ["flat"], targets=jaspar)
    assert hits.empty and list(hits.columns) == MATCH_COLUMNS
