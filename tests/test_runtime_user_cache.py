"""Tests of the per-user caches: numba's machine code (runtime.numba_cache), JASPAR (interpret.motifs).

numba's cache is configured once per process, so the numba tests run small real packages in fresh Python
processes: a numba function in a package that :mod:`deepmotif.runtime.numba_cache` shares, installed
at two different paths (two environments), must compile once and load in the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# In a fresh process: share the cache for the package `tinypkg` too, import it, call f(1), report.
PROBE = textwrap.dedent("""
    import json, sys
    from deepmotif.runtime import numba_cache
    numba_cache.SHARED_PACKAGES = (*numba_cache.SHARED_PACKAGES, "tinypkg")
    shared = numba_cache.share_numba_cache()
    import tinypkg
    value = tinypkg.f(1)
    print(json.dumps({"shared": shared, "value": value, "hits": sum(tinypkg.f.stats.cache_hits.values()),
                      "misses": sum(tinypkg.f.stats.cache_misses.values()),
                      "folder": tinypkg.f._cache.cache_path}))
""")


def _package(root: Path, body: str) -> Path:
    (root / "tinypkg").mkdir(parents=True)
    source = f"import numba\n\n\n@numba.njit(cache=True)\ndef f(x):\n    return {body}\n"
    (root / "tinypkg" / "__init__.py").write_text(source)
    return root


def _probe(package_root: Path, cache: Path | str, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    environment.update(PYTHONPATH=os.pathsep.join([str(SRC), str(package_root)]), DEEPMOTIF_CACHE_DIR=str(cache),
                       **env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_numba_code_compiled_once_is_loaded_by_another_environment(tmp_path):
    cache = tmp_path / "cache"
    first = _probe(_package(tmp_path / "env1", "x + 1"), cache)
    assert first == {**first, "shared": True, "value": 2, "misses": 1, "hits": 0}
    folder = Path(first["folder"])
    # <cache>/numba/py<X.Y>-numba<version>/<cpu>-<hash>/tinypkg.__init__-<source hash>
    assert folder.parent.parent.parent == cache / "numba"
    assert folder.name.startswith("tinypkg.__init__-")
    assert any(folder.glob("*.nbi")) and any(folder.glob("*.nbc"))

    second = _probe(_package(tmp_path / "env2", "x + 1"), cache)  # same source elsewhere: loaded
    assert second == {**second, "value": 2, "misses": 0, "hits": 1, "folder": first["folder"]}
    assert not list((tmp_path / "env2").rglob("*.nbi"))  # nothing beside the package's sources

    edited = _probe(_package(tmp_path / "env3", "x + 2"), cache)  # other source: compiled, in its own folder
    assert edited == {**edited, "value": 3, "misses": 1, "hits": 0}
    assert edited["folder"] != first["folder"] and Path(edited["folder"]).parent == folder.parent


@pytest.mark.parametrize("env", [{"NUMBA_CACHE_DIR": "numba_dir"}, {"DEEPMOTIF_CACHE_DIR": "off"}])
def test_numba_cache_left_to_numba_when_the_user_chose(tmp_path, env):
    env = {k: str(tmp_path / v) if k == "NUMBA_CACHE_DIR" else v for k, v in env.items()}
    cache = env.pop("DEEPMOTIF_CACHE_DIR", tmp_path / "cache")
    result = _probe(_package(tmp_path / "env1", "x + 1"), cache, **env)
    assert result["shared"] is False and result["value"] == 2
    assert not (tmp_path / "cache").exists()
    expected = tmp_path / "numba_dir" if "NUMBA_CACHE_DIR" in env else tmp_path / "env1" / "tinypkg" / "__pycache__"
    assert Path(result["folder"]).is_relative_to(expected)


def test_compile_lock_excludes_another_process(tmp_path):
    # while one process holds the lock, another cannot take it; afterwards it can
    script = textwrap.dedent("""
        import fcntl, subprocess, sys
        from deepmotif.runtime.numba_cache import compile_lock, machine_dir
        take = ("import fcntl, sys; f = open(sys.argv[1], 'a'); "
                "fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)")
        lock = str(machine_dir() / "compile.lock")
        with compile_lock():
            held = subprocess.run([sys.executable, "-c", take, lock]).returncode
        free = subprocess.run([sys.executable, "-c", take, lock]).returncode
        print(held, free)
    """)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    environment.update(PYTHONPATH=str(SRC), DEEPMOTIF_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
    held, free = out.stdout.split()
    assert held != "0" and free == "0"
    assert list(tmp_path.glob("numba/*/*/compile.lock"))


def test_jaspar_matrices_cached_per_user(tmp_path, monkeypatch):
    from deepmotif.interpret.motifs import jaspar_motifs

    monkeypatch.setenv("DEEPMOTIF_CACHE_DIR", str(tmp_path))
    jaspar_motifs.cache_clear()
    try:
        fetched = jaspar_motifs("JASPAR2024", "CORE", "plants")
        (entry,) = (tmp_path / "jaspar").glob("JASPAR2024-CORE-plants-*.npz")
        jaspar_motifs.cache_clear()
        cached = jaspar_motifs("JASPAR2024", "CORE", "plants")
        assert cached.ids == fetched.ids and cached.names == fetched.names and len(fetched.ids) > 100
        for a, b in zip(cached.pwms, fetched.pwms):
            assert np.array_equal(a, b) and a.flags.c_contiguous and not a.flags.writeable
        insects = jaspar_motifs("JASPAR2024", "CORE", "insects")  # another selection: not the plants' entry
        assert insects.ids and set(insects.ids).isdisjoint(fetched.ids)
        assert len(list((tmp_path / "jaspar").glob("*.npz"))) == 2

        entry.write_bytes(entry.read_bytes()[:100])  # cut short (a full disk): fetched again, rewritten
        jaspar_motifs.cache_clear()
        again = jaspar_motifs("JASPAR2024", "CORE", "plants")
        assert again.ids == fetched.ids and all(np.array_equal(a, b) for a, b in zip(again.pwms, fetched.pwms))
        assert entry.stat().st_size > 1000
    finally:
        jaspar_motifs.cache_clear()


def test_jaspar_annotations_cached_with_the_matrices(tmp_path, monkeypatch):
    # pyjaspar's fetch costs ~0.7 s CPU in every interpretation job; the annotations come from the same entry
    import pyjaspar

    from deepmotif.interpret.known_motifs import jaspar_annotations
    from deepmotif.interpret.motifs import jaspar_motifs

    monkeypatch.setenv("DEEPMOTIF_CACHE_DIR", str(tmp_path))
    jaspar_motifs.cache_clear()
    jaspar_annotations.cache_clear()
    try:
        fetched = jaspar_annotations("JASPAR2024", "CORE", "plants")
        assert list(fetched["motif_id"]) == list(jaspar_motifs("JASPAR2024", "CORE", "plants").ids)
        assert (fetched["family"] != "").mean() > 0.9 and (fetched["class"] != "").mean() > 0.9
        jaspar_motifs.cache_clear()
        jaspar_annotations.cache_clear()
        with monkeypatch.context() as m:
            m.setattr(pyjaspar.jaspardb, "fetch_motifs", lambda *a, **k: pytest.fail("fetched, not cached"))
            cached = jaspar_annotations("JASPAR2024", "CORE", "plants")
            jaspar_motifs("JASPAR2024", "CORE", "plants")
        pd.testing.assert_frame_equal(cached, fetched)
    finally:
        jaspar_motifs.cache_clear()
        jaspar_annotations.cache_clear()
