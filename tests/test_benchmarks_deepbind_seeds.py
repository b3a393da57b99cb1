"""The seeds benchmark's summary (benchmarks/deepbind_seeds.py) on small hand-written tables."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "deepbind_seeds.py"
spec = importlib.util.spec_from_file_location("deepbind_seeds", SCRIPT)
seeds_benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seeds_benchmark)

SETS = ["A", "B", "C", "D", "E", "F"]


def table(drop: tuple = ()) -> pd.DataFrame:
    """cnn at 0.90 / 0.92 (seeds 0 / 1) on every set; rnn lower by 0.01 × (set number + 1) at both seeds."""
    rows = []
    for i, s in enumerate(SETS):
        for seed, cnn in ((0, 0.90), (1, 0.92)):
            rows.append({"set": s, "arch": "cnn", "seed": seed, "test_auroc": cnn})
            if (s, "rnn", seed) not in drop:
                rows.append({"set": s, "arch": "rnn", "seed": seed, "test_auroc": cnn - 0.01 * (i + 1)})
    return pd.DataFrame(rows)


def test_summary_of_a_complete_table():
    summary = seeds_benchmark.summarize(table(), SETS, ["cnn", "rnn"], [0, 1])
    assert (summary["cells"], summary["done"], summary["missing"]) == (24, 24, 0)
    assert summary["per_set"]["A"]["cnn"] == {"n": 2, "mean": 0.91, "sd": round(0.02 / 2 ** 0.5, 4)}
    assert summary["per_set"]["F"]["rnn"]["mean"] == pytest.approx(0.85)
    assert summary["per_arch"]["cnn"] == {"n_sets": 6, "mean": 0.91, "median": 0.91}
    assert summary["per_arch"]["rnn"]["mean"] == pytest.approx(0.91 - 0.035)
    (test,) = summary["tests"]
    # cnn better on all 6 sets with distinct differences: exact two-sided p = 2 / 2**6
    assert (test["a"], test["b"], test["n_sets"], test["a_better"], test["b_better"]) == ("cnn", "rnn", 6, 6, 0)
    assert test["p"] == pytest.approx(2 / 64, abs=1e-4)
    assert test["median_difference"] == pytest.approx(0.035)
    markdown = seeds_benchmark.markdown(summary, ["cnn", "rnn"])
    assert "| A | 0.910 ± 0.014 (2) | 0.900 ± 0.014 (2) |" in markdown
    assert "24 of 24 trainings done (0 missing)" in markdown


def test_summary_of_an_incomplete_table_tests_only_complete_sets():
    extra = pd.DataFrame([{"set": "A", "arch": "cnn", "seed": 7, "test_auroc": 0.1},  # outside the grid
                          {"set": "Z", "arch": "cnn", "seed": 0, "test_auroc": 0.1}])
    rows = pd.concat([table(drop=(("F", "rnn", 1), ("E", "rnn", 0), ("E", "rnn", 1))), extra])
    summary = seeds_benchmark.summarize(rows, SETS, ["cnn", "rnn"], [0, 1])
    assert (summary["done"], summary["missing"]) == (21, 3)
    assert summary["per_set"]["F"]["rnn"] == {"n": 1, "mean": 0.84, "sd": None}
    assert summary["per_set"]["E"]["rnn"] == {"n": 0, "mean": None, "sd": None}
    assert summary["complete_sets"]["rnn"] == ["A", "B", "C", "D"]
    assert summary["per_set"]["A"]["cnn"]["n"] == 2  # the seed-7 row is not counted
    (test,) = summary["tests"]
    assert (test["n_sets"], test["a_better"]) == (4, 4)
    assert test["p"] == pytest.approx(2 / 16, abs=1e-4)
    assert summary["per_arch"]["cnn"]["n_sets"] == 4
    markdown = seeds_benchmark.markdown(summary, ["cnn", "rnn"])
    assert "| E | 0.910 ± 0.014 (2) | – |" in markdown and "| F | 0.910 ± 0.014 (2) | 0.840 (1) |" in markdown
    assert "21 of 24 trainings done (3 missing)" in markdown


def test_summary_without_differences_or_sets_has_no_p_value():
    same = table().assign(test_auroc=0.9)
    assert seeds_benchmark.summarize(same, SETS, ["cnn", "rnn"], [0, 1])["tests"][0]["p"] is None
    empty = seeds_benchmark.summarize(same.iloc[:0], SETS, ["cnn", "rnn"], [0, 1])
    assert (empty["missing"], empty["tests"][0]["n_sets"], empty["tests"][0]["p"]) == (24, 0, None)
    assert empty["per_arch"]["cnn"]["mean"] is None


def test_cells_run_seed_by_seed_then_architecture_by_architecture():
    order = seeds_benchmark.cell_order(["A", "B"], ["cnn", "rnn"], [0, 1])
    assert order[:4] == [("A", "cnn", 0), ("B", "cnn", 0), ("A", "rnn", 0), ("B", "rnn", 0)]
    assert order[4] == ("A", "cnn", 1) and len(order) == 8


def test_table_rewrite_keeps_every_row(tmp_path):
    path = tmp_path / "t.tsv"
    seeds_benchmark.write_table(path, table())
    seeds_benchmark.write_table(path, pd.concat([seeds_benchmark.read_table(path), table().iloc[:1]]))
    assert len(seeds_benchmark.read_table(path)) == 25
    assert [p.name for p in tmp_path.iterdir()] == ["t.tsv"]  # no temporary file left


def test_cap_comparison_counts_sets_where_the_order_is_kept():
    capped = pd.DataFrame([{"set": s, "arch": a, "seed": k, "test_auroc": v}
                           for s, a, k, v in [("A", "cnn", 0, 0.9), ("A", "rnn", 0, 0.8), ("B", "cnn", 0, 0.7),
                                              ("B", "rnn", 0, 0.75), ("C", "cnn", 0, 0.6), ("C", "cnn", 1, 0.99)]])
    reference = [{"setting": "defaults", "experiment": s, "arch": a, "test_auroc": v}
                 for s, a, v in [("A", "cnn", 0.95), ("A", "rnn", 0.9), ("B", "cnn", 0.9), ("B", "rnn", 0.8),
                                 ("C", "cnn", 0.8)]] + [{"setting": "faithful", "experiment": "A", "arch": "cnn",
                                                         "test_auroc": 0.1}]
    out = seeds_benchmark.compare_caps(capped, reference, ["cnn", "rnn"])
    assert out["per_arch"]["cnn"]["n_sets"] == 3  # seed 1 of C and the faithful run are not used
    assert out["per_arch"]["cnn"]["mean_capped"] == pytest.approx(0.7333, abs=1e-4)
    assert out["per_arch"]["cnn"]["spearman"] == pytest.approx(1.0)
    (pair,) = out["pairs"]
    assert (pair["n_sets"], pair["same_order"], pair["a_better_capped"], pair["a_better_reference"]) == (2, 1, 1, 2)
    assert out["ranking"] == {"capped": ["cnn", "rnn"], "reference": ["cnn", "rnn"], "n_sets": 2}
    assert "the same at both caps on 1 of 2 sets" in seeds_benchmark.cap_markdown(out, 2000)
