"""Tracks along the genome (deepmotif.apply.tracks) and motif instances (deepmotif.interpret.instances).

The tracks are checked against a brute-force computation for a linear model (logit = <W, X>, so every
window's logit and gradient are known by hand); bad input against its one-line errors; and end to end,
the small CNN of tests/_trained_tf.py: its instances recover the planted CTCF sites of the test
chromosome (precision and recall >= 0.9).
"""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("size", [40, 100, 101, 250, 999])
def test_tiles_hold_every_motif_position_whole(size):
    from deepmotif.interpret.instances import tile_starts

    starts = tile_starts(size, 100, 20)
    inside = {(a, a + 20) for s in starts for a in range(s, min(s + 100, size) - 20 + 1)}
    assert inside == {(a, a + 20) for a in range(0, size - 20 + 1)}
    assert starts[0] == 0 and all(s < size for s in starts)


@pytest.fixture(scope="module")
def trained_tracks(tmp_path_factory) -> dict:
    """Tracks and instances of the trained CNN of tests/_trained_tf.py over its test chromosome's peaks
    (the model-length windows of the peaks, as the model was tested)."""
    from _trained_tf import trained_tf

    from deepmotif.apply.predict import load_models
    from deepmotif.data.genome import chrom_sizes
    from deepmotif.interpret import instances

    torch.set_num_threads(1)
    f = trained_tf()
    out = tmp_path_factory.mktemp("tracks")
    model = load_models([f["model"]])[0]
    positives = pd.read_csv(f["positives"], sep="\t")
    test = positives[positives["chrom"] == "chr5"]
    regions = tracks.merge_regions(test[["chrom", "start", "end"]], chrom_sizes(f["genome"]))
    tracks.write_tracks(model, regions, f["genome"], out / "logit.bw", out / "attr.bw")
    tracks.write_regions(regions, out / "regions.bed")
    patterns = instances.modisco_patterns(f["modisco"], f["modisco_patterns"])
    hits = instances.call_instances(regions, f["genome"], out / "attr.bw", patterns)
    instances.write_instances(hits, out / "instances.bed")
    return {"files": f, "out": out, "regions": regions, "n_test": len(test), "hits": hits}


def test_cnn_instances_recover_the_planted_sites_of_the_test_chromosome(trained_tracks):
    """Ground truth: tracks of the trained CNN over the test peaks, Fi-NeMo instances of its MoDISco patterns."""
    from deepmotif.interpret import instances

    f, out, regions = trained_tracks["files"], trained_tracks["out"], trained_tracks["regions"]
    back = instances.read_instances(out / "instances.bed")
    assert list(back.columns) == instances.BED_COLUMNS and len(back) == len(trained_tracks["hits"])
    planted = pd.read_csv(f["planted"], sep="\t")
    recovery = instances.planted_recovery(back, planted, regions).set_index("motif")
    assert recovery.loc["all", "n_sites"] == trained_tracks["n_test"]  # one planted site per peak, in its window
    assert recovery.loc["all", "recall"] >= 0.9, recovery
    assert recovery.loc["all", "precision"] >= 0.9, recovery
    assert (back["attribution"] > 0).mean() > 0.9  # instances are where the model's attribution is
    # the logit track is high where the model calls a peak
    logits = [np.nanmean(tracks.read_track(out / "logit.bw", c, s, e)) for c, s, e in regions.itertuples(index=False)]
    assert np.median(logits) > 0


def test_instances_of_a_jaspar_matrix_the_model_does_not_use_are_few(trained_tracks):
    """GATA1 (MA0035.5) is not planted: called on the CTCF model's attributions it finds (almost) nothing,
    while CTCF's own JASPAR matrix finds the planted sites."""
    from deepmotif.interpret import instances

    f, out, regions = trained_tracks["files"], trained_tracks["out"], trained_tracks["regions"]
    patterns = instances.jaspar_patterns(["MA0035.5", "MA0139.2"])
    hits = instances.call_instances(regions, f["genome"], out / "attr.bw", patterns)
    counts = hits["jaspar"].value_counts()
    assert counts.get("CTCF", 0) >= 0.8 * trained_tracks["n_test"]
    assert counts.get("GATA1", 0) <= 0.1 * counts.get("CTCF", 0)


@pytest.mark.browser
def test_genome_view_renders_offline_in_chromium(trained_tracks, tmp_path):
    """The igv.js view of the top peaks opens from file:// with no network, draws its tracks and switches peaks;
    the screenshot is kept in tests/artifacts/genome_view.png."""
    import xml.etree.ElementTree as ET

    from _browser import inspect_page, require_browser

    from deepmotif.report import genome_view

    chromium = require_browser()
    f, out = trained_tracks["files"], trained_tracks["out"]
    igv = genome_view.bundle_igv(tmp_path / "igv")
    models = {"cnn": genome_view.ModelTracks(str(out / "logit.bw"), str(out / "attr.bw"), str(out / "instances.bed"))}
    page, session = tmp_path / "TF" / "genome_view.html", tmp_path / "TF" / "igv_session.xml"
    loci = genome_view.write_genome_view("CTCF_sim(+)", f["genome"], trained_tracks["regions"], models, igv, page,
                                         session, n_peaks=3)
    assert len(loci) == 3 and loci["max_logit"].is_monotonic_decreasing
    script = """(async () => {
      const b = window.igvBrowser;
      const kinds = b.findTracks(t => t.type === "wig" || t.type === "annotation").map(t => t.type).sort();
      document.querySelectorAll("#loci button")[2].click();
      await new Promise(r => setTimeout(r, 1000));
      const source = b.findTracks(t => t.type === "annotation")[0].featureSource;
      const features = (await source.getFeatures({chr: b.referenceFrameList[0].chr, start: 0, end: 1e9})).length;
      return JSON.stringify({ready: document.body.dataset.ready, kinds: kinds, features: features,
                             chr: b.referenceFrameList[0].chr});
    })()"""
    report = inspect_page(page, chromium, width=1300, height=700, script=script)
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "genome_view.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert all(url.startswith("file://") for url in report.requests), report.requests
    result = json.loads(report.result)
    assert result["ready"] == "true"
    assert result["kinds"] == ["annotation", "wig", "wig"]
    hits = trained_tracks["hits"]
    c, s, e = loci.iloc[2][["chrom", "start", "end"]]
    assert result["features"] == ((hits["chrom"] == c) & (hits["start"] >= s) & (hits["end"] <= e)).sum() > 0
    assert result["chr"] == genome_view.locus_name(*loci.iloc[2][["chrom", "start", "end"]])  # the third button
    root = ET.fromstring(session.read_text())
    paths = [r.get("path") for r in root.iter("Resource")]
    assert len(paths) == 3 and all((session.parent / p).resolve().is_file() for p in paths)
    assert Path(root.get("genome")).is_file()


def _cli(*argv: str) -> subprocess.CompletedProcess:
    root = Path(__file__).parents[1]
    return subprocess.run([sys.executable, "-m", "deepmotif", *map(str, argv)], capture_output=True, text=True,
                          cwd=root, env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin",
                                         "OMP_NUM_THREADS": "1"})


def test_tracks_and_instances_commands_end_to_end_and_their_one_line_errors(genome, tmp_path):
    from test_apply_predict import save_checkpoint

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
    assert (out / "instances.bed").exists()  # random weights: few or no instances, but a BED
    folder = _cli("instances", "--attribution", out / "attr.bw", "--regions", out / "r.bed", "--genome", genome,
                  "--jaspar", "MA0139.2", "-o", out)
    assert folder.returncode == 2 and "is a folder" in folder.stderr and "Traceback" not in folder.stderr
    unknown = _cli("instances", "--attribution", out / "attr.bw", "--regions", out / "r.bed", "--genome", genome,
                   "--jaspar", "MA0035.4", "-o", out / "x.bed")
    assert unknown.returncode == 2 and "MA0035.5" in unknown.stderr  # the version the release has


def test_modisco_patterns_keep_what_the_model_uses_of_either_sign(tmp_path):
    """Positive and negative patterns are called; the half of a composite whose CWM has the other sign is not."""
    import h5py

    from deepmotif.interpret import instances

    rng = np.random.default_rng(0)
    cwm = np.zeros((30, 4))
    cwm[5:12, :] = np.eye(4)[rng.integers(0, 4, 7)] * 2.0   # the half the model uses
    cwm[18:25, :] = np.eye(4)[rng.integers(0, 4, 7)] * -0.3  # the half it does not (attribution below zero)
    negative = np.zeros((30, 4))
    negative[10:20, :] = np.eye(4)[rng.integers(0, 4, 10)] * -1.5
    with h5py.File(tmp_path / "modisco.h5", "w") as f:
        f.create_dataset("pos_patterns/pattern_0/contrib_scores", data=cwm)
        f.create_dataset("neg_patterns/pattern_0/contrib_scores", data=negative)
    table = tmp_path / "patterns.tsv"
    pd.DataFrame({"pattern": ["pos_patterns.pattern_0", "neg_patterns.pattern_0"], "match_name": ["A::B", "C"],
                  "sub_matches": ["5-12:A(MA1.1);18-25:B(MA2.1)", ""]}).to_csv(table, sep="\t", index=False)
    patterns = instances.modisco_patterns(tmp_path / "modisco.h5", table)
    assert patterns.names == ["pos_patterns.pattern_0[5:12]"] * 2 + ["neg_patterns.pattern_0"] * 2
    assert patterns.jaspar == ["A", "A", "C", "C"] and patterns.strands == ["+", "-", "+", "-"]
    assert patterns.expected[0] == pytest.approx(14.0) and patterns.expected[2] == pytest.approx(-15.0)
    assert patterns.cwms.shape == (4, 4, 30) and np.allclose(np.sqrt((patterns.cwms ** 2).sum(axis=(1, 2))), 1)
