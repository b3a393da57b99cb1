"""The sizes of cluster jobs and the time-limit checks (deepmotif.plan.cluster), without Snakemake.

tests/test_pipeline_slurm.py checks the same through the sbatch lines of whole dry runs.
"""

from __future__ import annotations

import pytest

from deepmotif.errors import InputError
from deepmotif.plan.cluster import (GROUP_PIECES, JOB_SIZES, check_group_budget, grown_memory, is_job_independent, job_size,
                                    train_runtime_limits)

PROFILE = {"data": 6, "train": 6, "interpret": 6, "figures": 6}


def test_memory_grows_with_the_attempt_up_to_the_limit_and_runtime_stays():
    assert job_size("build_dataset") == {"runtime": 15, "mem_mb": 8000}
    assert job_size("build_dataset", attempt=2) == {"runtime": 15, "mem_mb": 16000}
    assert job_size("build_dataset", attempt=3) == {"runtime": 15, "mem_mb": 16000}  # max_mem_mb
    assert job_size("build_dataset", attempt=3, max_mem_mb=64000)["mem_mb"] == 24000
    assert grown_memory(32000, 2, 16000) == 32000  # a size above the limit is kept, never cut
    assert job_size("new_rule") == {"runtime": 20, "mem_mb": 4000}
    assert job_size("interpret_model", overrides={"runtime": 50, "slurm_partition": "x"})["runtime"] == 50


@pytest.mark.parametrize("expression, has_input, expected", [
    ("system_tmpdir", True, True),  # Snakemake's default tmpdir
    ("compute", True, True), ("'mylab'", True, True), ("--nice=100", True, True), ("4000", True, True),
    ("attempt * 1000", True, False), ("threads * 2", True, False), ("wildcards.tf", True, False),
    ("max(2*input.size_mb, 1000) if input else 50000", True, False),  # Snakemake's default disk_mb
    ("max(2*input.size_mb, 1000) if input else 50000", False, True),  # ... of a rule without input files
    ("attempt if input else 1", False, False),
    ("(lambda: system_tmpdir)()", True, False),  # a lambda's body is not looked into
])
def test_resource_expressions_evaluated_once_name_nothing_of_a_job(expression, has_input, expected):
    assert is_job_independent(expression, has_input) is expected


@pytest.mark.parametrize("runtime, on_gpu, per_group, expected", [
    (None, True, 6, (20, 40)), (30, True, 6, (30, 40)), (90, True, 2, (90, 120)),
    (None, False, 6, (120, 240)), (90, False, 6, (90, 240)), (240, False, 1, (240, 240)),
])
def test_training_runtime_is_honoured(runtime, on_gpu, per_group, expected):
    assert train_runtime_limits(runtime, on_gpu, per_group, 240) == expected


@pytest.mark.parametrize("runtime, on_gpu, message", [
    (90, True, r"runtime: 90 minutes x 6 trainings per Slurm job .* exceeds resources.max_runtime \(240 .*"
               r"lower it to 40, or .*--group-components train=2"),
    (300, False, r"runtime: 300 minutes exceeds resources.max_runtime \(240.*lower it"),
])
def test_training_runtime_that_cannot_fit_is_refused(runtime, on_gpu, message):
    with pytest.raises(InputError, match=message):
        train_runtime_limits(runtime, on_gpu, 6, 240)


def test_group_budget_of_the_shipped_sizes_and_its_refusals():
    longest = check_group_budget(PROFILE, 240, attempts=2)
    assert longest == {"data": 180, "interpret": 240, "figures": 210}
    with pytest.raises(InputError, match=r"group-components figures: 7 pieces of up to 35 minutes .* 245 minutes.*"
                                         r"--group-components figures=6"):
        check_group_budget({**PROFILE, "figures": 7}, 240, attempts=2)
    with pytest.raises(InputError, match=r"group-components interpret: 6 pieces of up to 45 minutes"):
        check_group_budget(PROFILE, 240, attempts=2, overrides={"interpret_model": {"runtime": 25}})
    assert check_group_budget(PROFILE, 240, attempts=2, overrides={"build_dashboard": {"runtime": 20}})["figures"] == 240


def test_every_grouped_rule_has_a_size():
    assert {rule for pieces in GROUP_PIECES.values() for chain in pieces for rule in chain} - {"train_model"} <= set(JOB_SIZES)
