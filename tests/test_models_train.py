"""Networks, presets and training: learning a planted motif, seeds, early stopping, resume after a kill.

Everything trains on one small synthetic dataset (a 14-bp motif planted once per positive, in either
orientation, negatives its dinucleotide shuffles) on one CPU thread; the file runs in about a minute.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from deepmotif.data.dataset import build_dataset
from deepmotif.data.encoding import one_hot
from deepmotif.errors import InputError
from deepmotif.models.module import SequenceClassifier, random_reverse_complement
from deepmotif.models.inference import predict_proba
from deepmotif.models.nets import NETS, PRESETS, build_net, count_parameters, net_kwargs, register_net
from deepmotif.models.train import HISTORY_COLUMNS, _prepare_checkpoints, resolve_precision, train_model

ROOT = Path(__file__).resolve().parents[1]
MOTIF = "CCGCGAGGGGGCGC"
FAST = {"batch_size": 64, "max_epochs": 8, "patience": 3}


def reverse_complement(seq: str) -> str:
    return seq.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def config_params(arch: str) -> dict:
    """``training.default`` updated by ``training.<arch>`` of config/config.yaml (as common.smk)."""
    training = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["training"]
    return {**training.get("default", {}), **training.get(arch, {})}


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """``sequences.tsv``: 800 random 101-bp positives carrying MOTIF (or its reverse complement)."""
    rng = np.random.default_rng(0)
    seqs = []
    for _ in range(800):
        seq = list(rng.choice(list("ACGT"), 101))
        site = MOTIF if rng.random() < 0.5 else reverse_complement(MOTIF)
        start = int(rng.integers(0, 101 - len(site) + 1))
        seq[start:start + len(site)] = site
        seqs.append("".join(seq))
    positives = pd.DataFrame({"id": [f"s{i}" for i in range(len(seqs))], "seq": seqs})
    path = tmp_path_factory.mktemp("planted") / "sequences.tsv"
    build_dataset(positives, valid_fraction=0.15, test_fraction=0.15, seed=0).to_csv(path, sep="\t", index=False)
    return path


@pytest.fixture(scope="module")
def trained(planted, tmp_path_factory):
    """Train ``arch`` with ``params`` once per module; returns (metrics, out_dir)."""
    cache: dict = {}

    def train(arch: str, params: dict):
        key = (arch, json.dumps(params, sort_keys=True))
        if key not in cache:
            out_dir = tmp_path_factory.mktemp(arch)
            cache[key] = train_model(planted, arch, out_dir, params), out_dir
        return cache[key]

    return train


# --- presets ------------------------------------------------------------------------------------------

def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k + c_out


def bilstm(n_in: int, h: int) -> int:
    return 2 * (4 * h * (n_in + h) + 8 * h)  # two directions, input and hidden weights, two biases


def dilated(c: int, blocks: int) -> int:
    return conv(4, c, 9) + blocks * (conv(c, c, 3) + 2 * c) + c + 1  # blocks: conv + BatchNorm affine


# The table of docs/models.md: parameters of every architecture and preset.
DOCUMENTED = {
    ("cnn", "small"): 9_473, ("cnn", "medium"): 136_193, ("cnn", "large"): 534_529,
    ("rnn", "small"): 2_849, ("rnn", "medium"): 9_793, ("rnn", "large"): 35_969,
    ("cnn_rnn", "small"): 12_897, ("cnn_rnn", "medium"): 46_273, ("cnn_rnn", "large"): 174_465,
    ("dilated_cnn", "small"): 13_889, ("dilated_cnn", "medium"): 77_313, ("dilated_cnn", "large"): 351_617,
}
BY_HAND = {
    "cnn": lambda f: conv(4, f, 9) + conv(f, f, 5) + conv(f, f, 3) + f + 1,
    "rnn": lambda h: bilstm(4, h) + 2 * h + 1,
    "cnn_rnn": lambda f, h: conv(4, f, 9) + bilstm(f, h) + 2 * h + 1,
    "dilated_cnn": dilated,
}
SIZES = {
    ("cnn", "small"): (32,), ("cnn", "medium"): (128,), ("cnn", "large"): (256,),
    ("rnn", "small"): (16,), ("rnn", "medium"): (32,), ("rnn", "large"): (64,),
    ("cnn_rnn", "small"): (64, 16), ("cnn_rnn", "medium"): (128, 32), ("cnn_rnn", "large"): (256, 64),
    ("dilated_cnn", "small"): (32, 4), ("dilated_cnn", "medium"): (64, 6), ("dilated_cnn", "large"): (128, 7),
}


@pytest.mark.parametrize("arch,preset", sorted(DOCUMENTED))
def test_presets_build_with_documented_parameter_counts(arch, preset):
    net = build_net(arch, **net_kwargs(arch, preset))
    assert count_parameters(net) == DOCUMENTED[arch, preset] == BY_HAND[arch](*SIZES[arch, preset])
    assert net(torch.zeros(3, 4, 101)).shape == (3,)


def test_medium_is_the_papers_architecture():
    assert net_kwargs("cnn", "medium") == {} and net_kwargs("rnn") == {}
    cnn = build_net("cnn")
    assert [m.kernel_size[0] for m in cnn.features if isinstance(m, nn.Conv1d)] == [9, 5, 3]
    assert cnn.first_conv.out_channels == 128 and cnn.dropout.p == 0.5
    assert build_net("rnn").head.lstm.hidden_size == 32 and build_net("rnn").head.lstm.bidirectional


def test_net_overrides_replace_single_preset_keywords():
    assert net_kwargs("cnn_rnn", "large", {"hidden_size": 8}) == {"n_filters": 256, "hidden_size": 8}


def test_bad_presets_and_keywords_are_named():
    with pytest.raises(ValueError, match="no preset 'huge'.*small, large"):
        net_kwargs("cnn", "huge")
    with pytest.raises(ValueError, match="no parameter 'n_filter'; it accepts: n_filters"):
        net_kwargs("cnn", "small", {"n_filter": 3})
    with pytest.raises(ValueError, match="unknown architecture 'cnn3'"):
        build_net("cnn3")


@pytest.mark.parametrize("arch", ["rnn", "cnn_rnn"])
def test_orthogonal_lstm_initialization(arch):
    """orthogonal: every gate's recurrent matrix orthogonal (torch's uniform one is not), the input
    matrices re-drawn, the biases torch's; without it: torch's init, as before (same draws)."""
    hidden = 32
    torch.manual_seed(0)
    plain = build_net(arch).head.lstm
    torch.manual_seed(0)
    if arch == "cnn_rnn":
        nn.Conv1d(4, 128, 9, padding=4)  # built before the LSTM: same random draws
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), nn.LSTM(
        plain.input_size, hidden, batch_first=True, bidirectional=True).parameters()))
    torch.manual_seed(0)
    lstm = build_net(arch, orthogonal=True).head.lstm
    eye = torch.eye(hidden)
    for (name, param), (_, before) in zip(lstm.named_parameters(), plain.named_parameters()):
        if name.startswith("weight_hh"):
            assert all(torch.allclose(g @ g.T, eye, atol=1e-5) for g in param.detach().split(hidden)), name
            assert not any(torch.allclose(g @ g.T, eye, atol=0.1) for g in before.detach().split(hidden))
        assert torch.equal(param, before) == name.startswith("bias_"), name


def test_train_model_reports_config_errors(planted, tmp_path):
    with pytest.raises(InputError, match=r"training.cnn .*no parameter 'width'"):
        train_model(planted, "cnn", tmp_path, {"net": {"width": 3}})
    with pytest.raises(InputError, match="unknown key.*'epochs'"):
        train_model(planted, "cnn", tmp_path, {"epochs": 3})


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_is_bf16_only_where_bf16_is_native(monkeypatch, native):
    """On a CPU: bf16-mixed with AVX512-BF16 or AMX, float32 where bf16 would be emulated; explicit kept."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: native)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert resolve_precision("auto") == ("bf16-mixed" if native else "32-true")
    assert resolve_precision("32-true") == "32-true"
    assert resolve_precision("bf16-mixed") == "bf16-mixed"


def test_config_trains_the_rnn_in_float32():
    """bf16 kept the CTCF biLSTM at chance (benchmarks/README.md): the default config pins it, and the
    authors' settings stay float32 for every architecture."""
    assert config_params("rnn")["precision"] == "32-true"
    authors = yaml.safe_load((ROOT / "config" / "authors_training.yaml").read_text())["training"]
    assert authors["default"]["precision"] == "32-true"
    assert all("precision" not in section for name, section in authors.items() if name != "default")


# --- learning, model selection, early stopping -------------------------------------------------------

LEARNING = {
    "cnn": FAST,
    "cnn_rnn": FAST,
    "dilated_cnn": FAST,
    # the config's rnn settings (max pooling, lr 3e-3, batch 32), more epochs: it is fast and needs them
    "rnn": {"max_epochs": 12, "patience": 12},
}


@pytest.mark.parametrize("arch", sorted(LEARNING))
def test_architecture_learns_planted_motif(trained, arch):
    params = {**config_params(arch), **LEARNING[arch]}
    metrics, out_dir = trained(arch, params)
    assert metrics["test_auroc"] >= 0.9, metrics
    history = pd.read_csv(out_dir / "training.csv")
    assert list(history.columns) == list(HISTORY_COLUMNS)
    assert list(history["epoch"]) == list(range(metrics["epochs"]))
    # model selection: model.ckpt is the first epoch with the best validation AUROC
    assert metrics["best_epoch"] == history["valid_auroc"].idxmax()
    # metrics.json predicts in float32 (as predict and interpret use the model); training.csv validated in the
    # training precision (bf16-mixed on CPUs with native bf16: a few rank swaps apart)
    exact = metrics["precision"] == "32-true"
    assert metrics["valid_auroc"] == pytest.approx(history["valid_auroc"].max(), abs=1e-6 if exact else 5e-3)
    # early stopping: a run stops exactly `patience` epochs after its best one
    if metrics["epochs"] < params["max_epochs"]:
        assert metrics["epochs"] - 1 - metrics["best_epoch"] == params["patience"]
    best = SequenceClassifier.load_from_checkpoint(out_dir / "model.ckpt", map_location="cpu")
    predictions = pd.read_csv(out_dir / "predictions.tsv", sep="\t")
    assert len(predictions) == metrics["n_test"]
    assert not (out_dir / "checkpoints").exists()  # removed after success
    assert best.hparams.arch == arch


def test_early_stopping_stops_a_converged_run(trained):
    # the dilated CNN separates the planted set perfectly within two epochs, then cannot improve
    metrics, _ = trained("dilated_cnn", {**config_params("dilated_cnn"), **FAST})
    assert metrics["epochs"] < FAST["max_epochs"]
    assert metrics["epochs"] == metrics["best_epoch"] + FAST["patience"] + 1


def test_learning_rate_halves_every_n_epochs(trained):
    params = {**config_params("cnn"), **FAST, "lr_halve_every": 2, "max_epochs": 5, "patience": 5}
    _, out_dir = trained("cnn", params)
    history = pd.read_csv(out_dir / "training.csv")
    lr = params["lr"]
    assert list(history["lr"]) == pytest.approx([lr, lr, lr / 2, lr / 2, lr / 4])


# --- reverse-complement augmentation ----------------------------------------------------------------

def test_random_reverse_complement_is_the_reverse_complement():
    X = torch.from_numpy(one_hot(["AACGT", "GGGTA"]))
    assert torch.equal(random_reverse_complement(X, p=1.0), torch.from_numpy(one_hot(["ACGTT", "TACCC"])))
    assert torch.equal(random_reverse_complement(X, p=0.0), X)


class Recorder(nn.Module):
    """Logit 0 for every sequence; keeps the inputs it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(()))
        self.seen: list[torch.Tensor] = []

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        self.seen.append(X.detach().clone())
        return self.bias.expand(len(X))


@pytest.fixture
def recorder_arch():
    register_net("test_recorder")(Recorder)
    yield "test_recorder"
    NETS.pop("test_recorder"), PRESETS.pop("test_recorder")


@pytest.mark.filterwarnings("ignore:.*self.log.*:UserWarning")  # steps called without a Trainer
@pytest.mark.parametrize("rc_augment", [False, True])
def test_rc_augment_flips_training_sequences_only(recorder_arch, rc_augment):
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(200)]
    X, rc = torch.from_numpy(one_hot(seqs)), torch.from_numpy(one_hot([reverse_complement(s) for s in seqs]))
    model = SequenceClassifier(recorder_arch, rc_augment=rc_augment)
    model.training_step((X, torch.ones(len(X))), 0)
    model.validation_step((X, torch.ones(len(X))), 0)
    train_seen, valid_seen = model.net.seen
    flipped = (train_seen == rc).flatten(1).all(1)
    assert ((train_seen == X).flatten(1).all(1) | flipped).all()  # each row is itself or its RC
    if rc_augment:
        assert 60 < int(flipped.sum()) < 140  # about half of 200, per sequence
    else:
        assert not flipped.any()
    assert torch.equal(valid_seen, X)  # validation is never augmented


# --- reproducibility and resuming ---------------------------------------------------------------------

SHORT = {"batch_size": 64, "max_epochs": 3, "patience": 3, "rc_augment": True}


def test_same_seed_gives_identical_metrics(planted, tmp_path):
    runs = [train_model(planted, "cnn_rnn", tmp_path / f"run{i}", {**SHORT, "seed": seed})
            for i, seed in enumerate((0, 0, 1))]
    same = ("test_auroc", "test_auprc", "valid_auroc", "best_epoch", "epochs")
    assert {k: runs[0][k] for k in same} == {k: runs[1][k] for k in same}
    for name in ("predictions.tsv", "training.csv"):
        a, b = (pd.read_csv(tmp_path / f"run{i}" / name) for i in (0, 1))
        pd.testing.assert_frame_equal(a.drop(columns="seconds", errors="ignore"),
                                      b.drop(columns="seconds", errors="ignore"))
    assert runs[2]["test_auroc"] != runs[0]["test_auroc"]  # another seed, another model


def test_killed_training_resumes_from_last_checkpoint(planted, tmp_path, trained):
    params = {"batch_size": 64, "max_epochs": 10, "patience": 10, "rc_augment": True}
    out_dir = tmp_path / "cnn"
    cmd = [sys.executable, "-m", "deepmotif", "train", str(planted), "--arch", "cnn", "-o", str(out_dir),
           "--params", json.dumps(params), "--threads", "1"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    last = out_dir / "checkpoints" / "last.ckpt"
    with open(tmp_path / "first.log", "w") as first_log:
        proc = subprocess.Popen(cmd, stderr=first_log, env=env)
        deadline = time.monotonic() + 300
        while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert last.exists(), (tmp_path / "first.log").read_text()[-3000:]
    assert not (out_dir / "metrics.json").exists()  # nothing that looks finished
    done = torch.load(last, map_location="cpu", weights_only=True)["epoch"] + 1
    assert done < params["max_epochs"]

    rerun = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, env=env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"resuming from {last}: {done} epoch(s) done" in rerun.stderr
    assert "epoch 0:" not in rerun.stderr  # the finished epochs were not trained again
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["resumed_after_epochs"] == done and metrics["epochs"] == params["max_epochs"]
    assert list(pd.read_csv(out_dir / "training.csv")["epoch"]) == list(range(params["max_epochs"]))

    # the same batches and random draws as an uninterrupted run: the same model
    reference, ref_dir = trained("cnn", params)
    assert metrics["test_auroc"] == reference["test_auroc"]
    pd.testing.assert_frame_equal(pd.read_csv(out_dir / "predictions.tsv", sep="\t"),
                                  pd.read_csv(ref_dir / "predictions.tsv", sep="\t"))


def test_checkpoints_of_other_runs_are_not_resumed(tmp_path, caplog):
    ckpt_dir = tmp_path / "checkpoints"
    ckpt_dir.mkdir()
    (ckpt_dir / "last.ckpt").write_bytes(b"not a checkpoint")
    (ckpt_dir / "run.json").write_text(json.dumps({"arch": "cnn", "params": {"lr": 0.1}}))
    run = {"arch": "cnn", "params": {"lr": 0.01}}
    assert _prepare_checkpoints(ckpt_dir, run) == (None, 0)  # other parameters: start over
    assert not (ckpt_dir / "last.ckpt").exists()
    assert json.loads((ckpt_dir / "run.json").read_text()) == run
    (ckpt_dir / "last.ckpt").write_bytes(b"truncated")
    assert _prepare_checkpoints(ckpt_dir, run) == (None, 0)  # same run, no best.ckpt: start over
    assert "no best.ckpt" in caplog.text
    (ckpt_dir / "last.ckpt").write_bytes(b"truncated")
    (ckpt_dir / "best.ckpt").write_bytes(b"truncated")
    assert _prepare_checkpoints(ckpt_dir, run) == (None, 0)  # same run, unreadable: start over
    assert "unreadable" in caplog.text and not (ckpt_dir / "best.ckpt").exists()


# --- a new architecture, end to end ------------------------------------------------------------------

class MotifScanner(nn.Module):
    """One convolution, global max, linear: the smallest motif model."""

    def __init__(self, n_filters: int = 8, kernel_size: int = 15) -> None:
        super().__init__()
        self.conv = nn.Conv1d(4, n_filters, kernel_size)
        self.linear = nn.Linear(n_filters, 1)

    @property
    def first_conv(self) -> nn.Conv1d:
        return self.conv

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear(torch.relu(self.conv(X)).amax(-1)).squeeze(-1)


@pytest.fixture
def scanner_arch():
    register_net("test_scanner", presets={"small": {"n_filters": 4}, "large": {"n_filters": 32}})(MotifScanner)
    yield "test_scanner"
    NETS.pop("test_scanner"), PRESETS.pop("test_scanner")


def test_registered_architecture_trains_end_to_end(planted, tmp_path, scanner_arch):
    with pytest.raises(ValueError, match="registered twice"):
        register_net(scanner_arch)(MotifScanner)
    params = {"preset": "large", "batch_size": 64, "max_epochs": 4, "patience": 4, "lr": 1e-2, "rc_augment": False}
    metrics = train_model(planted, scanner_arch, tmp_path, params, tf="planted")
    assert metrics["arch"] == scanner_arch and metrics["tf"] == "planted"
    assert metrics["n_parameters"] == conv(4, 32, 15) + 33  # the large preset
    assert metrics["test_auroc"] >= 0.9
    assert json.loads((tmp_path / "params.json").read_text())["net"] == {"n_filters": 32}
    model = SequenceClassifier.load_from_checkpoint(tmp_path / "model.ckpt", map_location="cpu")
    prob = predict_proba(model.net, one_hot(["A" * 40 + MOTIF + "C" * 47, "ACGT" * 25 + "A"]))
    assert prob[0] > prob[1]


# --- GPU ------------------------------------------------------------------------------------------------

@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_saliency_of_an_lstm_on_gpu():
    from deepmotif.interpret.saliency import saliency_map

    net = build_net("cnn_rnn", **net_kwargs("cnn_rnn", "small")).cuda()
    X = torch.from_numpy(one_hot(["ACGT" * 25 + "A"] * 3))
    assert saliency_map(net, X).shape == X.shape  # cuDNN LSTMs have no eval-mode backward
