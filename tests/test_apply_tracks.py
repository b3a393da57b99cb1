"""Tracks along the genome (deepmotif.apply.tracks), checked against a brute-force computation for a linear
model (logit = <W, X>, so every window's logit and gradient are known by hand); bad input against its one-line
errors; the ``tracks`` and ``instances`` commands end to end. Motif instances: tests/test_interpret_instances.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from deepmotif.apply import tracks
from deepmotif.apply.predict import LoadedModel
from deepmotif.data.genome import write_fasta
from deepmotif.errors import InputError

L = 11


class Linear(nn.Module):
    """logit = sum over bases and positions of W * X: gradient W, everywhere."""

    def __init__(self, W: torch.Tensor):
        super().__init__()
        self.W = nn.Parameter(W)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X * self.W).sum(dim=(1, 2))


@pytest.fixture
def linear_model() -> LoadedModel:
    W = torch.from_numpy(np.random.default_rng(1).normal(size=(4, L)).astype(np.float32))
    return LoadedModel(Path("linear.ckpt"), "T", "linear", L, Linear(W).eval())


@pytest.fixture
def genome(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "genome.fa"
    write_fasta(path, {"chrA": "".join(rng.choice(list("ACGT"), 300)), "chrB": "".join(rng.choice(list("ACGT"), 80))})
    return path


def brute_force(seq: str, W: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over covering windows of the window logit and of the reference base's centred gradient × input,
    both strands averaged, one window at a time."""
    idx = {b: i for i, b in enumerate("ACGT")}
    centred = W - W.mean(axis=0, keepdims=True)
    size = len(seq)
    starts = list(range(0, size - L + 1, stride))
    if starts[-1] != size - L:
        starts.append(size - L)
    logit, attr, count = np.zeros(size), np.zeros(size), np.zeros(size)
    for s in starts:
        window = [idx[b] for b in seq[s:s + L]]
        reverse = [3 - b for b in window[::-1]]  # the reverse complement, read 5' to 3'
        fwd = sum(W[b, j] for j, b in enumerate(window))
        rev = sum(W[b, j] for j, b in enumerate(reverse))
        for j, b in enumerate(window):
            a_fwd = centred[b, j]
            a_rev = centred[3 - b, L - 1 - j]  # base j of the window is base L-1-j of its reverse complement
            attr[s + j] += (a_fwd + a_rev) / 2
            logit[s + j] += (fwd + rev) / 2
            count[s + j] += 1
    return logit / count, attr / count


def test_merge_sorts_in_genome_order_and_joins_touching_intervals():
    regions = pd.DataFrame({"chrom": ["chrB", "chrA", "chrA", "chrA"], "start": [5, 50, 0, 20],
                            "end": [40, 60, 20, 30]})
    merged = tracks.merge_regions(regions, {"chrA": 300, "chrB": 80})
    assert merged.values.tolist() == [["chrA", 0, 30], ["chrA", 50, 60], ["chrB", 5, 40]]


def test_peak_regions_are_clipped_to_the_chromosome_ends():
    peaks = pd.DataFrame({"chrom": ["chrA", "chrA", "chrB"], "start": [0, 280, 40], "end": [10, 300, 50],
                          "name": ["p1", "p2", "p3"], "signalValue": [3.0, 2.0, 1.0], "peak": [2, 15, 5]})
    regions = tracks.peak_regions(peaks, {"chrA": 300, "chrB": 80}, chroms=["chrA"], width=40)
    assert regions.values.tolist() == [["chrA", 0, 22], ["chrA", 275, 300]]


@pytest.mark.parametrize("stride", [1, 3, 7])
def test_tracks_equal_the_brute_force_mean_over_windows_and_strands(linear_model, genome, tmp_path, stride):
    regions = pd.DataFrame({"chrom": ["chrA", "chrA", "chrB"], "start": [10, 100, 0], "end": [60, 124, 80]})
    out = tmp_path / "out"
    stats = tracks.write_tracks(linear_model, regions, genome, out / "logit.bw", out / "attr.bw",
                                attribution="grad_x_input", stride=stride, block=4)
    assert stats["regions"] == 3 and stats["bases"] == 50 + 24 + 80
    seqs = {name: seq for name, seq in zip(*_read_fasta(genome))}
    W = linear_model.net.W.detach().numpy().astype(np.float64)
    for chrom, start, end in regions.itertuples(index=False):
        want_logit, want_attr = brute_force(seqs[chrom][start:end], W, stride)
        np.testing.assert_allclose(tracks.read_track(out / "logit.bw", chrom, start, end), want_logit, atol=1e-4)
        np.testing.assert_allclose(tracks.read_track(out / "attr.bw", chrom, start, end), want_attr, atol=1e-4)
    gap = tracks.read_track(out / "logit.bw", "chrA", 60, 100)
    assert np.isnan(gap).all()  # nothing between regions


@pytest.mark.parametrize("rc", [True, False])
def test_logits_come_from_the_gradient_passes_and_equal_strand_scores(rc):
    """grad_x_input runs every window forward once per strand: those passes give the logit track (one pass
    per batch, none more), equal to strand_scores' separate eval-mode passes."""
    from deepmotif.apply.predict import strand_scores
    from deepmotif.data.encoding import one_hot

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(4, 8, 5), nn.ReLU(), nn.Dropout(0.5), nn.Conv1d(8, 1, 3), nn.AdaptiveMaxPool1d(1),
                        nn.Flatten(0))
    net.train()  # eval mode is the functions' business
    rng = np.random.default_rng(2)
    X = torch.from_numpy(one_hot(["".join(rng.choice(list("ACGT"), 20)) for _ in range(10)], 20))
    passes = []
    hook = net.register_forward_hook(lambda module, args, out: passes.append(len(out)))
    attr, logit = tracks.reference_attribution(net, X, "grad_x_input", rc=rc, batch_size=4)
    hook.remove()
    assert passes == [4, 4, 2] * (2 if rc else 1)
    want, _ = strand_scores(net, X, rc=rc, batch_size=3)
    assert logit.dtype == np.float64 and logit.shape == (10,)
    np.testing.assert_allclose(logit, want, rtol=1e-6, atol=1e-6)
    assert attr.shape == (10, 20) and net.training
    # a region's tracks: the windows go through the network once per strand, for both tracks
    passes.clear()
    hook = net.register_forward_hook(lambda module, args, out: passes.append(len(out)))
    seq = "".join(rng.choice(list("ACGT"), 60))
    track = tracks.region_tracks(LoadedModel(Path("n.ckpt"), "T", "n", 20, net), "chrA", 0, seq, stride=5, rc=rc,
                                 batch_size=4)
    hook.remove()
    assert sum(passes) == 9 * (2 if rc else 1) and np.isfinite(track.logit).all()


def _read_fasta(path: Path) -> tuple[list[str], list[str]]:
    names, seqs = [], []
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            names.append(line[1:])
            seqs.append("")
        else:
            seqs[-1] += line
    return names, seqs


@pytest.mark.parametrize("rows, message", [
    ("chrA\t0\t50\nchrZ\t0\t50\n", r"bed line 2: chromosome 'chrZ' is not in the genome"),
    ("chrA\t0\t50\nchrB\t40\t81\n", r"bed line 2: interval chrB:40-81 runs past the end of chrB \(80 bp\)"),
    ("# comment\nchrA\t0\t10\n", r"bed line 2: interval chrA:0-10 has 10 bp, shorter than the model's 11-bp"),
])
def test_bad_bed_rows_are_one_line_errors_naming_the_line(tmp_path, rows, message):
    bed = tmp_path / "regions.bed"
    bed.write_text(rows)
    with pytest.raises(InputError, match=message):
        tracks.read_regions(bed, {"chrA": 300, "chrB": 80}, L)


def test_chromosome_named_the_other_way_gets_a_hint(tmp_path):
    bed = tmp_path / "regions.bed"
    bed.write_text("A\t0\t50\n")
    with pytest.raises(InputError, match="calls it 'chrA'"):
        tracks.read_regions(bed, {"chrA": 300}, L)


def test_output_that_is_a_folder_is_an_error_before_any_work(linear_model, genome, tmp_path):
    (tmp_path / "logit.bw").mkdir()
    regions = pd.DataFrame({"chrom": ["chrA"], "start": [0], "end": [50]})
    with pytest.raises(InputError, match=r"logit.bw: the bigWig output is a folder"):
        tracks.write_tracks(linear_model, regions, genome, tmp_path / "logit.bw", tmp_path / "attr.bw")
    assert not (tmp_path / "attr.bw").exists()


def test_a_stride_longer_than_the_model_input_is_an_error(linear_model, genome, tmp_path):
    regions = pd.DataFrame({"chrom": ["chrA"], "start": [0], "end": [50]})
    with pytest.raises(InputError, match="--stride must be between 1 and the model's input length"):
        tracks.write_tracks(linear_model, regions, genome, tmp_path / "logit.bw", stride=L + 1)


def test_a_failure_half_way_leaves_no_track(linear_model, genome, tmp_path):
    # the second region lies on a chromosome the genome lacks: the first was already written
    regions = pd.DataFrame({"chrom": ["chrA", "chrZ"], "start": [0, 0], "end": [50, 50]})
    with pytest.raises(KeyError):
        tracks.write_tracks(linear_model, regions, genome, tmp_path / "logit.bw", tmp_path / "attr.bw", stride=5)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".bw" or p.name.endswith(".part")) == []


def _cli(*argv: str) -> subprocess.CompletedProcess:
    root = Path(__file__).parents[1]
    return subprocess.run([sys.executable, "-m", "deepmotif", *map(str, argv)], capture_output=True, text=True,
                          cwd=root, env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin",
                                         "OMP_NUM_THREADS": "1"})


def test_tracks_and_instances_commands_end_to_end_and_their_one_line_errors(genome, tmp_path):
    from _interpret_fixtures import save_checkpoint

    ckpt = save_checkpoint(tmp_path / "TF" / "cnn" / "model.ckpt", "cnn")
    bed = tmp_path / "regions.bed"
    bed.write_text("chrA\t0\t150\nchrA\t140\t260\nchrB\t0\t80\n")  # the first two overlap: merged
    short = _cli("tracks", "--model", ckpt, "--genome", genome, "--regions", bed, "--logit-out", tmp_path / "l.bw")
    assert short.returncode == 2 and "line 3" in short.stderr and "shorter than the model's 101-bp" in short.stderr
    assert "Traceback" not in short.stderr and not (tmp_path / "l.bw").exists()
    bed.write_text("chrA\t0\t150\nchrA\t140\t260\n")
    out = tmp_path / "out"
    done = _cli("tracks", "--model", ckpt, "--genome", genome, "--regions", bed, "--stride", 10,
                "--logit-out", out / "logit.bw", "--attribution-out", out / "attr.bw", "--regions-out", out / "r.bed")
    assert done.returncode == 0, done.stderr
    assert (out / "r.bed").read_text() == "chrA\t0\t260\n"
    assert np.isfinite(tracks.read_track(out / "logit.bw", "chrA", 0, 260)).all()
    calls = _cli("instances", "--attribution", out / "attr.bw", "--regions", out / "r.bed", "--genome", genome,
                 "--jaspar", "MA0139.2", "-o", out / "instances.bed")
    assert calls.returncode == 0, calls.stderr
    from deepmotif.interpret.instances import BED_COLUMNS, read_instances

    assert list(read_instances(out / "instances.bed").columns) == BED_COLUMNS  # random weights: few or none
    # the pipeline's one job: the same tracks, then the same instances called on them, in one process
    both = tmp_path / "both"
    one_job = _cli("tracks", "--model", ckpt, "--genome", genome, "--regions", bed, "--stride", 10,
                   "--logit-out", both / "logit.bw", "--attribution-out", both / "attr.bw", "--regions-out",
                   both / "r.bed", "--instances-out", both / "instances.bed", "--jaspar", "MA0139.2")
    assert one_job.returncode == 0, one_job.stderr
    for name in ("logit.bw", "attr.bw", "r.bed", "instances.bed"):
        assert (both / name).read_bytes() == (out / name).read_bytes(), name
    lone = _cli("tracks", "--model", ckpt, "--genome", genome, "--regions", bed, "--logit-out", tmp_path / "x.bw",
                "--instances-out", tmp_path / "x.bed", "--jaspar", "MA0139.2")
    assert lone.returncode == 2 and "--instances-out needs --attribution-out" in lone.stderr
    assert not (tmp_path / "x.bw").exists()
    folder = _cli("instances", "--attribution", out / "attr.bw", "--regions", out / "r.bed", "--genome", genome,
                  "--jaspar", "MA0139.2", "-o", out)
    assert folder.returncode == 2 and "is a folder" in folder.stderr and "Traceback" not in folder.stderr
    unknown = _cli("instances", "--attribution", out / "attr.bw", "--regions", out / "r.bed", "--genome", genome,
                   "--jaspar", "MA0035.4", "-o", out / "x.bed")
    assert unknown.returncode == 2 and "MA0035.5" in unknown.stderr  # the version the release has
