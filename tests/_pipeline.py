"""Snakemake on the tiny config (.test/), shared by the end-to-end tests (one run per session)."""

from __future__ import annotations

import subprocess
import sys


def snakemake(repo_root, workdir, *args, timeout=1200, configfile=".test/config.yaml"):
    """Run this checkout's Snakefile in ``workdir`` with the tiny config; output in ``.stdout``."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(repo_root / "Snakefile"), "--directory",
         str(workdir), "--configfile", configfile, "--cores", "2", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir, timeout=timeout)
