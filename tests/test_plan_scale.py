"""Planning is linear in the TF sheet: every per-job lookup of the plan costs the same for 5,000 TFs as for 5.

Snakemake calls the plan's lookups once or more per job (about 12 jobs per TF), so a lookup that scans the
sheet makes planning quadratic: 690 TFs took 11 minutes to dry-run when `simulated_tfs` was rebuilt per
job through `DataFrame.loc` (which also deep-copied the sheet's line numbers kept in `DataFrame.attrs`).
benchmarks/dag_scale.py times the whole dry run.
"""

from __future__ import annotations

import random
import re
import time

import pytest

from deepmotif.plan import Plan, alternatives

MOTIFS = ["MA0139.1", "MA0138.2", "MA0035.4"]


def _sheet_plan(tmp_path, n: int) -> Plan:
    tmp_path.mkdir()
    rows = [f"TF{i:04d}_(x)\tsimulated\t{MOTIFS[i % 3]}" if i % 2 else
            f"TF{i:04d}_(x)\tdeepbind\t\thttps://h/{i}_AC.seq.gz\thttps://h/{i}_B.seq.gz" for i in range(n)]
    (tmp_path / "tfs.tsv").write_text("tf\tsource\tmotifs\ttrain\ttest\n" + "\n".join(rows) + "\n")
    return Plan.load({"tfs": str(tmp_path / "tfs.tsv"), "architectures": ["cnn", "rnn"]})


def _per_job_lookups(plan: Plan) -> float:
    """Seconds for the lookups the workflow makes for every TF (as its input functions do)."""
    start = time.process_time()
    for tf in plan.tfs.index:
        plan.sequences_file(tf)
        plan.planted_inputs(tf)
        plan.dashboard_inputs(tf)
        plan.value(tf, "motifs")
        if plan.source(tf) == "deepbind":
            plan.import_inputs(tf, {})
        plan.where(tf, "tf")
        plan.genome_view_inputs(tf)
        plan.cooperativity_dashboard_inputs(tf)
    return time.process_time() - start


def test_lookups_cost_the_same_per_tf_for_50_and_5000_tfs(tmp_path):
    small, large = _sheet_plan(tmp_path / "s", 50), _sheet_plan(tmp_path / "l", 5000)
    per_tf_small = min(_per_job_lookups(small) for _ in range(3)) / 50
    per_tf_large = _per_job_lookups(large) / 5000
    # quadratic lookups (a scan of the sheet per call) would be ~100x slower per TF at 5,000 rows
    assert per_tf_large < 10 * per_tf_small + 2e-4, (per_tf_small, per_tf_large)
    assert large.where("TF4999_(x)", "motifs").endswith("tfs.tsv line 5001, column 'motifs'")
    assert large.simulated_tfs[:2] == ["TF0001_(x)", "TF0003_(x)"] and len(large.simulated_tfs) == 2500
    assert large.value("TF0000_(x)", "motifs") is None and large.value("nope", "motifs") is None
    assert not large.tfs.attrs, "DataFrame.attrs are deep-copied by every .loc: keep them out of the sheet"


@pytest.mark.parametrize("seed", [0, 1])
def test_alternatives_match_exactly_the_names(seed):
    rng = random.Random(seed)
    names = {"".join(rng.choice("ab(.)+-_1") for _ in range(rng.randint(1, 6))) for _ in range(300)}
    pattern = re.compile(f"(?:{alternatives(sorted(names))})")
    others = {"".join(rng.choice("ab(.)+-_1x") for _ in range(rng.randint(0, 7))) for _ in range(2000)}
    for name in names | others:
        assert bool(pattern.fullmatch(name)) == (name in names), name
    assert re.compile(alternatives([])).fullmatch("") is None


def test_alternatives_match_in_time_independent_of_the_number_of_names():
    names = [f"TF{i:04d}_(x)" for i in range(5000)]
    pattern = re.compile(f"(?P<tf>{alternatives(names)})/model.ckpt")
    start = time.process_time()
    for name in names:
        assert pattern.fullmatch(f"{name}/model.ckpt")
    # a plain a|b|... alternation tries the names one by one: ~2,500 attempts per match here
    assert time.process_time() - start < 1.0
