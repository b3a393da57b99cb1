"""Interrupted jobs leave no temporary files (issue 10.8): SIGTERM cleans up, SIGKILL leftovers go next time.

A real ``python -m deepmotif fetch-genome`` process decompresses a gzipped genome of ~200 MB; SIGTERM
(what Snakemake and Slurm send on cancel or time-out) arrives while the hidden temporary FASTA is
being written.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT



def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


@pytest.fixture(scope="module")
def big_genome_gz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("genome") / "big.fa.gz"
    line = b"ACGTTGCAACGTAGCTAGCTAGGATCGATCGATCGTAGCTAGCTAGCATCGATCGATCGA\n"
    block = line * 100_000  # 6.1 MB
    with gzip.open(path, "wb", compresslevel=1) as f:
        for i in range(32):  # ~195 MB uncompressed
            f.write(f">chr{i + 1}\n".encode())
            f.write(block)
    return path


def test_sigterm_removes_temporary_files(big_genome_gz, tmp_path):
    out = tmp_path / "genomes"
    proc = subprocess.Popen([sys.executable, "-m", "deepmotif", "fetch-genome", str(big_genome_gz),
                             "-o", str(out / "big.fa")], env=_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob(".big.fa.*.part")):  # the temporary FASTA is being written
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "fetch-genome never started writing"
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "terminated (SIGTERM)" in stderr
    assert sorted(p.name for p in out.iterdir()) == []  # no .big.fa.*.part, no big.fa.download, no big.fa


def test_stale_leftovers_of_a_killed_run_are_removed_at_the_next_start(tmp_path):
    out = tmp_path / "genomes"
    out.mkdir()
    (out / ".small.fa.x1y2z3w4.part").write_bytes(b"A" * 1000)  # SIGKILL mid-decompression
    (out / ".small.fa.fai.abcdefgh.part").write_bytes(b"")
    source = tmp_path / "small.fa"
    source.write_text(">c1\nACGT\n")
    result = subprocess.run([sys.executable, "-m", "deepmotif", "fetch-genome", str(source),
                             "-o", str(out / "small.fa")], env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["small.fa", "small.fa.fai"]
    assert "removed 1 leftovers of an interrupted earlier run" in result.stderr


def test_sigterm_in_extract_archive_removes_the_temporary_folder(tmp_path):
    import tarfile

    archive = tmp_path / "a.tar.gz"
    payload = tmp_path / "payload.bin"
    with open(payload, "wb") as f:
        f.truncate(300 << 20)  # 300 MB of zeros: sparse on disk, ~0.3 MB compressed, slow enough to extract
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        for i in range(2):
            tar.add(payload, arcname=f"data/x{i}.bin")
    payload.unlink()
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "deepmotif", "extract-archive", str(archive), "-o",
                             str(out / "ds")], env=_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(out.glob(".ds.*.part/data/x0.bin")) if out.exists() else True:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert list(out.iterdir()) == []
