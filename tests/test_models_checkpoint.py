"""Checkpoints are data, never code: every path that reads one refuses a pickle that would run code.

A checkpoint is a pickle. ``torch.load(weights_only=False)`` runs whatever a ``__reduce__`` in it says
(here: open a marker file for writing), so a ``last.ckpt`` planted in a group-writable results folder
would run its code when training resumes. Each test plants such a payload where a command reads a
checkpoint and checks the command refuses with one line and the marker never appears.
"""

from __future__ import annotations

import builtins
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from deepmotif.apply.predict import load_models
from deepmotif.data.dataset import build_dataset
from deepmotif.errors import InputError
from deepmotif.models.inference import load_network
from deepmotif.models.train import _prepare_checkpoints

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(ROOT / "src")}


class Payload:
    """Unpickling this object opens ``marker`` for writing: the file appears if the pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def plant(path: Path, marker: Path) -> Path:
    """A checkpoint-shaped pickle whose ``epoch`` (the key read on resume) runs :class:`Payload`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": Payload(marker), "hyper_parameters": {"arch": "cnn"}, "state_dict": {}}, path)
    return path


def deepmotif(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepmotif", *argv], capture_output=True, text=True, env=ENV,
                          timeout=600)


def error_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not log records (``<date> <time> LEVEL name: ...``)."""
    return [line for line in stderr.splitlines() if line.strip() and not line[:4].isdigit()]


@pytest.fixture(scope="module")
def sequences(tmp_path_factory) -> Path:
    """A small ``sequences.tsv`` (200 random positives, their shuffles as negatives)."""
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 101)) for _ in range(200)]
    path = tmp_path_factory.mktemp("seqs") / "sequences.tsv"
    build_dataset(pd.DataFrame({"id": [f"s{i}" for i in range(200)], "seq": seqs}), valid_fraction=0.15,
                  test_fraction=0.15, seed=0).to_csv(path, sep="\t", index=False)
    return path


TRAIN_PARAMS = json.dumps({"batch_size": 64, "max_epochs": 6, "patience": 6})  # killed after epoch 1 or 2


@pytest.fixture(scope="module")
def interrupted(sequences, tmp_path_factory) -> Path:
    """The output folder of a ``deepmotif train`` killed after its first epochs (checkpoints/ kept)."""
    out = tmp_path_factory.mktemp("interrupted") / "cnn"
    proc = subprocess.Popen([sys.executable, "-m", "deepmotif", "train", str(sequences), "--arch", "cnn", "-o",
                             str(out), "--params", TRAIN_PARAMS], stderr=subprocess.DEVNULL, env=ENV)
    last, deadline = out / "checkpoints" / "last.ckpt", time.monotonic() + 300
    while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert last.exists() and (out / "checkpoints" / "best.ckpt").exists()
    return out


def test_train_refuses_to_resume_from_a_checkpoint_that_runs_code(sequences, interrupted, tmp_path):
    out, marker = tmp_path / "cnn", tmp_path / "MARKER"
    shutil.copytree(interrupted, out)
    last = plant(out / "checkpoints" / "last.ckpt", marker)
    proc = deepmotif("train", str(sequences), "--arch", "cnn", "-o", str(out), "--params", TRAIN_PARAMS)
    assert not marker.exists()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert line.startswith(f"deepmotif train: error: {last}: refusing to load: ") and "open" in line
    assert not (out / "metrics.json").exists()
    assert last.exists()  # the evidence stays where it was found


@pytest.mark.parametrize("planted", ["last.ckpt", "best.ckpt"])
def test_resume_check_reads_both_checkpoints_as_data(interrupted, tmp_path, planted):
    ckpt_dir, marker = tmp_path / "checkpoints", tmp_path / "MARKER"
    shutil.copytree(interrupted / "checkpoints", ckpt_dir)
    run = json.loads((ckpt_dir / "run.json").read_text())
    assert _prepare_checkpoints(ckpt_dir, run)[0] == ckpt_dir / "last.ckpt"  # deepmotif's own: resumed
    plant(ckpt_dir / planted, marker)
    with pytest.raises(InputError, match=rf"{planted}: refusing to load: .*open"):
        _prepare_checkpoints(ckpt_dir, run)
    assert not marker.exists()


def test_load_network_refuses_a_payload(tmp_path):  # interpret, modisco, explain-variants
    marker = tmp_path / "MARKER"
    with pytest.raises(InputError, match=r"model\.ckpt: refusing to load: .*open"):
        load_network(plant(tmp_path / "model.ckpt", marker))
    with pytest.raises(InputError, match=r"model\.ckpt: refusing to load"):
        load_models([tmp_path / "model.ckpt"])
    assert not marker.exists()


@pytest.mark.parametrize("command", ["predict", "score-variants"])
def test_predict_and_score_variants_refuse_a_payload(tmp_path, command):
    marker = tmp_path / "MARKER"
    model = plant(tmp_path / "TF" / "cnn" / "model.ckpt", marker)
    (tmp_path / "g.fa").write_text(">chr1\n" + "ACGT" * 50 + "\n")
    (tmp_path / "in.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                                     "chr1\t100\t.\tA\tC\t.\t.\t.\n")
    inputs = {"predict": [str(tmp_path / "g.fa")],
              "score-variants": [str(tmp_path / "in.vcf"), "--genome", str(tmp_path / "g.fa")]}[command]
    proc = deepmotif(command, *inputs, "--model", str(model), "-o", str(tmp_path / "out.tsv"))
    assert not marker.exists()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert line.startswith(f"deepmotif {command}: error: {model}: refusing to load")
    assert not (tmp_path / "out.tsv").exists()
