"""numba's shared cache on a cluster whose nodes have different CPU types (deepmotif.runtime.numba_cache).

Each CPU type has a cache folder of its own; the first process of a CPU type compiles into it under the
folder's lock (compile_once) and leaves a marker, processes of that type arriving at the same time wait
and load, and a node of another type compiles once for its own folder. Nodes are stood in for by fresh
Python processes with ``NUMBA_CPU_NAME`` (numba's CPU key honours it, as the CPU a node reports).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

REPO = Path(__file__).resolve().parents[1]
NODE = """
import os, sys, time
from deepmotif.runtime import numba_cache

def compile_all():  # stands in for Tomtom and modisco-lite: records who compiled, for which CPU folder
    with open(os.environ["COMPILED"], "a") as handle:
        handle.write(numba_cache.machine_dir().name + "\\n")
    time.sleep(float(os.environ["SECONDS"]))

print(numba_cache.compile_once(compile_all), numba_cache.machine_dir().name)
"""


def _node(tmp_path: Path, cpu: str | None, seconds: float = 0.0) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CPU_NAME", "NUMBA_CACHE_DIR")}
    env.update(PYTHONPATH=str(REPO / "src"), DEEPMOTIF_CACHE_DIR=str(tmp_path / "cache"),
               COMPILED=str(tmp_path / "compiled.txt"), SECONDS=str(seconds))
    if cpu:
        env["NUMBA_CPU_NAME"] = cpu
    return subprocess.Popen([sys.executable, "-c", NODE], env=env, stdout=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> tuple[bool, str]:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    compiled, folder = out.split()
    return compiled == "True", folder


def test_each_cpu_type_compiles_once_under_its_lock(tmp_path):
    # two jobs of the same CPU type start together: one compiles (holding the lock 3 s), the other waits, loads
    first, second = _node(tmp_path, None, seconds=3), _node(tmp_path, None, seconds=3)
    results = [_result(first), _result(second)]
    assert sorted(compiled for compiled, _ in results) == [False, True], results
    host = results[0][1]
    assert results[1][1] == host
    # a later job of that type loads; a node of another CPU type compiles once, into a folder of its own
    assert _result(_node(tmp_path, None)) == (False, host)
    compiled, other = _result(_node(tmp_path, "generic"))
    assert compiled and other != host and other.startswith("generic-")
    assert _result(_node(tmp_path, "generic")) == (False, other)
    assert (tmp_path / "compiled.txt").read_text().split() == [host, other]
    markers = sorted(p.parent.name for p in (tmp_path / "cache").rglob("compiled-*"))
    assert markers == sorted([host, other])


def test_without_a_shared_cache_nothing_is_compiled_ahead(tmp_path):
    """DEEPMOTIF_CACHE_DIR=off: numba's own folders, compiled on first use as always (compile_once is a no-op)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CPU_NAME"}
    env.update(PYTHONPATH=str(REPO / "src"), DEEPMOTIF_CACHE_DIR="off")
    code = "from deepmotif.runtime import numba_cache\nprint(numba_cache.compile_once(lambda: 1 / 0))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.split() == ["False"], out.stderr
