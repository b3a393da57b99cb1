"""deepmotif.runtime.memory: freed blocks are reused, not faulted in again from the kernel."""

import os
import subprocess
import sys

import pytest

from deepmotif.runtime.memory import keep_freed_memory

# allocates, touches and frees 8-MiB arrays; prints the minor page faults this took
FAULTS = """
import resource, sys
import numpy as np
from deepmotif.runtime.memory import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "tuned" else False
np.ones(1 << 20).sum()  # the first block from the kernel in both cases
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(30):
    block = np.ones(1 << 20)  # 8 MiB: above glibc's default mmap threshold (128 KiB at first)
    del block
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(mode: str, **env: str) -> tuple[bool, int]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    result = subprocess.run([sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True,
                            env={**environment, **env})
    applied, faults = result.stdout.split()
    return applied == "True", int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_are_reused():
    applied, tuned = page_faults("tuned")
    _, default = page_faults("default")
    assert applied
    # default: every 8-MiB block is mapped anew (2,048 faults per block with 4-KiB pages, ~17 with the
    # kernel's transparent huge pages); tuned: the first block is reused
    assert default > 300
    assert tuned < default / 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_users_malloc_settings_win():
    applied, faults = page_faults("tuned", MALLOC_MMAP_THRESHOLD_="131072")
    assert not applied
    assert faults > 300  # the user's threshold (128 KiB) is in force: every block mapped anew


def test_returns_false_where_the_user_set_a_tunable(monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert keep_freed_memory() is False
