"""Data sources end to end: ENCODE by accession, the paper's archive (checkpoint), DeepBind/DeMo/own files.

Command-level tests run ``python -m deepmotif <command>`` and check exit status, message and that no
output is left; pipeline tests run Snakemake for real in a temporary folder against a loopback HTTP
server (``tests/httpserver.py``) that stands in for the ENCODE portal, UCSC and GitHub.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from deepmotif.data.genome import write_fasta
from deepmotif.errors import InputError
from deepmotif.plan.config import load_schema
from deepmotif.plan.sheet import read_sheet

try:
    from conftest import ROOT, run_snakemake
    from httpserver import FixtureServer, gz
except ModuleNotFoundError:  # tests/ turned into a package
    from tests.conftest import ROOT, run_snakemake
    from tests.httpserver import FixtureServer, gz

ACC = "ENCFF618VMC"
# chromosomes of the ENCODE fixture: the first 1.5 Mb of each (train, train, train, valid, test)
CHROMS = {"chr19": "train", "chr16": "train", "chr11": "train", "chr7": "valid", "chr1": "test"}
SPAN = 1_500_000
FAST = {"retries": 1, "backoff": 0.01, "timeout": 10}
TINY_TRAINING = {"default": {"max_epochs": 1, "patience": 1, "batch_size": 64},
                 "cnn": {"max_epochs": 1, "patience": 1, "batch_size": 64}}


def deepmotif(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepmotif", *map(str, args)], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


def snakemake(workdir: Path, *targets: str) -> subprocess.CompletedProcess:
    """The workflow in ``workdir`` with its ``config.yaml`` (:func:`conftest.run_snakemake`)."""
    return run_snakemake(workdir, *targets, configfile="config.yaml", cores=2, timeout=600)


def write_config(workdir: Path, config: dict, sheet: str | None = None) -> None:
    if sheet is not None:
        (workdir / "tfs.tsv").write_text(sheet)
        config = {**config, "tfs": "tfs.tsv"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ------------------------------------------------------------------------------------------- fixtures


def random_genome(names, size: int, seed: int = 0) -> dict[str, str]:
    """Uniform random chromosomes (fast; the peaks' real sequence is not needed to test the plumbing)."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    return {name: letters[rng.integers(0, 4, size)].tobytes().decode() for name in names}


@pytest.fixture(scope="module")
def encode_fixture(shared_data, tmp_path_factory) -> dict:
    """Real MAX peaks (ENCFF618VMC) of 5 chromosomes' first 1.5 Mb + a random genome of those chromosomes."""
    folder = tmp_path_factory.mktemp("encode_fixture")
    lines = [line for line in gzip.open(shared_data / "encode_peaks" / f"{ACC}.bed.gz", "rt")
             if line.split("\t")[0] in CHROMS and int(line.split("\t")[2]) < SPAN]
    peaks = gz("".join(lines).encode())
    (folder / "peaks.narrowPeak.gz").write_bytes(peaks)
    write_fasta(folder / "genome.fa", random_genome(CHROMS, SPAN, seed=1))
    genome_gz = gzip.compress((folder / "genome.fa").read_bytes(), compresslevel=1, mtime=0)
    (folder / "genome.fa.gz").write_bytes(genome_gz)
    # two blacklisted regions covering the first peak of chr19 and of chr16
    first = {c: next(line.split("\t") for line in lines if line.startswith(c + "\t")) for c in ("chr19", "chr16")}
    regions = [(c, int(f[1]) - 10, int(f[2]) + 10) for c, f in first.items()]
    blacklist = "".join(f"{c}\t{start}\t{end}\n" for c, start, end in regions)
    hit = sum(any(f[0] == c and int(f[1]) < end and int(f[2]) > start for c, start, end in regions)
              for f in (line.split("\t") for line in lines))
    return {"n_blacklisted": hit, "folder": folder, "peaks": peaks, "n_peaks": len(lines), "genome_gz": genome_gz,
            "blacklist": gz(blacklist.encode()), "blacklisted": first}


def encode_config(server: FixtureServer, **extra) -> dict:
    return {
        "architectures": ["cnn"],
        "sequence": {"length": 101, "max_peaks": 0, "seed": 0},
        "split": {"valid_chroms": ["chr7"], "test_chroms": ["chr1"]},
        "genomes": {"hg38": {"url": server.url("/goldenPath/hg38/bigZips/hg38.fa.gz"),
                             "blacklist": server.url("/blacklist/hg38.bed.gz")}},
        "encode": {"base_url": server.base_url, "blacklist": False},
        "download": FAST,
        "training": TINY_TRAINING,
        **extra,
    }


@pytest.fixture(scope="module")
def encode_run(encode_fixture, shared_data, tmp_path_factory):
    """One real Snakemake run: an ENCODE row (GRCh38 → the hg38 genome; blacklist; GC-matched negatives),
    a local row (own narrowPeak + FASTA.gz), the same by URLs, and two DeMo rows given by URLs (the second
    sharing the first's training URL), through training and the AUC table."""
    workdir = tmp_path_factory.mktemp("encode_run")
    with FixtureServer() as server:
        server.add_encode_file(ACC, encode_fixture["peaks"], assembly="GRCh38", fail_first=1, fault="drop")
        server.add("/goldenPath/hg38/bigZips/hg38.fa.gz", encode_fixture["genome_gz"])
        server.add("/blacklist/hg38.bed.gz", encode_fixture["blacklist"])
        demo = shared_data / "demo_format" / "GATA1_K562_GATA-1_USC"
        server.add("/demo/GATA1/train.fa", "".join(open(demo / "train.fa").readlines()[:400]).encode())
        server.add("/demo/GATA1/test.fa", (demo / "test.fa").read_bytes())
        server.add("/demo/GATA1/test2.fa", (demo / "test.fa").read_bytes())
        folder = encode_fixture["folder"]
        server.add("/local/peaks.narrowPeak.gz", (folder / "peaks.narrowPeak.gz").read_bytes())
        server.add("/local/genome.fa.gz", (folder / "genome.fa.gz").read_bytes())
        sheet = ("tf\tsource\taccession\tgenome\tpeaks\tfasta\ttrain\ttest\n"
                 f"MAX_K562\tencode\t{ACC}\tGRCh38\t\t\t\t\n"
                 f"MAX(local)\tlocal\t\t\t{folder / 'peaks.narrowPeak.gz'}\t{folder / 'genome.fa.gz'}\t\t\n"
                 f"MAX(url)\tlocal\t\t\t{server.url('/local/peaks.narrowPeak.gz')}\t"
                 f"{server.url('/local/genome.fa.gz')}\t\t\n"
                 f"GATA1(url)\tdemo\t\t\t\t\t{server.url('/demo/GATA1/train.fa')}\t"
                 f"{server.url('/demo/GATA1/test.fa')}\n"
                 f"GATA1(shared)\tdemo\t\t\t\t\t{server.url('/demo/GATA1/train.fa')}\t"
                 f"{server.url('/demo/GATA1/test2.fa')}\n")
        config = encode_config(server, sequence={"length": 101, "max_peaks": 0, "negatives": "gc_matched",
                                                 "seed": 0})
        config["encode"]["blacklist"] = True
        write_config(workdir, config, sheet)
        result = snakemake(workdir, "results/summary/auc_table.tsv")
        requests = [r.path for r in server.requests]
    assert result.returncode == 0, result.stdout[-6000:]
    return workdir, requests


@pytest.fixture(scope="module")
def paper_archive(shared_data, tmp_path_factory) -> Path:
    """The authors' layout deepbind/<TF>/{train,test}.fa from the shared DeMo files (training files cut
    to 300 pairs), plus a test-only folder (skipped) and an ALL* folder (excluded, as main.lua does)."""
    folder = tmp_path_factory.mktemp("paper_archive")
    demo = shared_data / "demo_format"

    def add(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(folder / "deepbind.tar.gz", "w:gz") as tar:
        for tf in ("GATA1_K562_GATA-1_USC", "REST_K562_NRSF_HudsonAlpha"):
            train = (demo / tf / "train.fa").read_text().splitlines(keepends=True)[:1200]
            add(tar, f"deepbind/{tf}/train.fa", "".join(train).encode())
            add(tar, f"deepbind/{tf}/test.fa", (demo / tf / "test.fa").read_bytes())
        add(tar, "deepbind/CTCF_K562_CTCF_Broad/test.fa", (demo / "CTCF_K562_CTCF_Broad" / "test.fa").read_bytes())
        add(tar, "deepbind/ALL_K562/train.fa", (demo / "GATA1_K562_GATA-1_USC" / "test.fa").read_bytes())
        add(tar, "deepbind/ALL_K562/test.fa", (demo / "GATA1_K562_GATA-1_USC" / "test.fa").read_bytes())
    return folder / "deepbind.tar.gz"


@pytest.fixture(scope="module")
def paper_run(paper_archive, tmp_path_factory):
    """config/paper.yaml with its archive URL and sha256 pointed at the loopback server, tiny training."""
    workdir = tmp_path_factory.mktemp("paper_run")
    body = paper_archive.read_bytes()
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    with FixtureServer() as server:
        server.add("/media/QData/DeepMotif/master/data/deepbind.tar.gz", body)
        config["archive"].update(url=server.url("/media/QData/DeepMotif/master/data/deepbind.tar.gz"),
                                 sha256=hashlib.sha256(body).hexdigest())
        config.update(architectures=["cnn"], training=TINY_TRAINING, download=FAST)
        config["sequence"] = {**config.get("sequence", {}), "max_peaks": 100}
        write_config(workdir, config)
        result = snakemake(workdir, "results/summary/auc_table.tsv")
    assert result.returncode == 0, result.stdout[-6000:]
    return workdir, result


# ------------------------------------------------------------------------------- pipeline: ENCODE


@pytest.mark.slow
def test_encode_row_downloads_filters_extracts_and_trains(encode_run, encode_fixture):
    workdir, requests = encode_run
    assert (workdir / f"resources/encode/{ACC}.bed.gz").read_bytes() == encode_fixture["peaks"]
    meta = json.loads((workdir / f"resources/encode/{ACC}.json").read_text())
    assert meta["assembly"] == "GRCh38" and meta["n_peaks"] == encode_fixture["n_peaks"] and meta["genome"] == "hg38"
    # the dropped first download was resumed; the genome was downloaded once, for both uses
    assert requests.count(f"/files/{ACC}/@@download/{ACC}.bed.gz") == 2
    assert requests.count("/goldenPath/hg38/bigZips/hg38.fa.gz") == 1
    fai = (workdir / "resources/genomes/hg38.fa.fai").read_text().splitlines()
    assert [line.split("\t")[:2] for line in fai] == [[c, str(SPAN)] for c in CHROMS]
    assert files_under(workdir / "resources/encode") == [f"{ACC}.bed.gz", f"{ACC}.json"]

    table = pd.read_csv(workdir / "results/summary/auc_table.tsv", sep="\t")
    assert {("MAX_K562", "cnn"), ("MAX(local)", "cnn"), ("GATA1(url)", "cnn")} <= set(zip(table["tf"], table["arch"]))
    # one download job per TF, of the URLs no earlier row gives: GATA1(shared)'s training file is GATA1(url)'s
    assert {("MAX(url)", "cnn"), ("GATA1(shared)", "cnn")} <= set(zip(table["tf"], table["arch"]))
    downloads = [f for f in files_under(workdir / "resources/downloads") if not f.endswith("/.snakemake_timestamp")]
    assert downloads == [
        "GATA1(shared)/test/test2.fa", "GATA1(url)/test/test.fa", "GATA1(url)/train/train.fa",
        "MAX(url)/fasta/genome.fa.gz", "MAX(url)/peaks/peaks.narrowPeak.gz"]
    assert not any((workdir / "resources/partial_downloads").rglob("*"))  # finished downloads leave no part or folder
    assert [requests.count(f"/demo/GATA1/{name}") for name in ("train.fa", "test.fa", "test2.fa")] == [1, 1, 1]
    url_positives = pd.read_csv(workdir / "results/MAX(url)/data/positives.tsv", sep="\t")
    assert url_positives.equals(pd.read_csv(workdir / "results/MAX(local)/data/positives.tsv", sep="\t"))
    gata = pd.read_csv(workdir / "results/GATA1(url)/data/imported.tsv", sep="\t")
    assert gata.groupby("split").size().to_dict() == {"test": 1000, "train": 180, "valid": 20}


@pytest.mark.slow
def test_encode_blacklisted_peaks_are_gone_and_negatives_are_gc_matched(encode_run, encode_fixture):
    workdir, _ = encode_run
    kept = pd.read_csv(workdir / "results/MAX_K562/data/peaks.filtered.narrowPeak.gz", sep="\t", header=None)
    assert len(kept) == encode_fixture["n_peaks"] - encode_fixture["n_blacklisted"] and kept[0].isin(list(CHROMS)).all()
    for chrom, fields in encode_fixture["blacklisted"].items():
        assert not ((kept[0] == chrom) & (kept[1] == int(fields[1]))).any()
    positives = pd.read_csv(workdir / "results/MAX_K562/data/positives.tsv", sep="\t")
    local = pd.read_csv(workdir / "results/MAX(local)/data/positives.tsv", sep="\t")
    assert len(local) == len(positives) + encode_fixture["n_blacklisted"]  # the local row has no blacklist
    df = pd.read_csv(workdir / "results/MAX_K562/data/sequences.tsv", sep="\t")
    pos, neg = df[df["label"] == 1].reset_index(), df[df["label"] == 0].reset_index()
    assert len(pos) == len(neg) and neg["id"].str.endswith("_bg").all()
    gc = lambda s: s.str.count("[GC]") / s.str.len()  # noqa: E731
    # same GC bin (5 %) for nearly all pairs; a shuffle would be exact, background is not
    assert ((gc(pos["seq"]) - gc(neg["seq"])).abs() <= 0.05 + 1e-9).mean() > 0.9
    assert (pos["seq"] != neg["seq"]).all()
    chrom_of = positives.set_index("id")["chrom"]
    assert set(chrom_of[pos.loc[pos["split"] == "test", "id"]]) == {"chr1"}
    assert set(chrom_of[pos.loc[pos["split"] == "valid", "id"]]) == {"chr7"}
    assert (pos["split"].to_numpy() == neg["split"].to_numpy()).all()


@pytest.mark.slow
def test_encode_download_failures_leave_nothing(encode_fixture, tmp_path):
    """404 accession, md5 mismatch, assembly mismatch and a wrong archive sha256, in one --keep-going run."""
    with FixtureServer() as server:
        server.add_encode_file("ENCFF000MD5", encode_fixture["peaks"], md5sum="0" * 32)
        server.add_encode_file("ENCFF000ASM", encode_fixture["peaks"], assembly="hg19")
        server.add("/archive.tar.gz", b"not the archive")
        sheet = "tf\tsource\taccession\tgenome\n" + "".join(
            f"{a}\tencode\t{a}\thg38\n" for a in ("ENCFF000404", "ENCFF000MD5", "ENCFF000ASM"))
        config = encode_config(server, archive={"url": server.url("/archive.tar.gz"), "sha256": "a" * 64})
        write_config(tmp_path, config, sheet)
        targets = [f"resources/encode/{a}.bed.gz" for a in ("ENCFF000404", "ENCFF000MD5", "ENCFF000ASM")]
        result = snakemake(tmp_path, "--keep-going", *targets, "resources/archive/datasets.tar.gz")
    assert result.returncode == 1
    logs = {p.name: p.read_text() for p in (tmp_path / "logs").rglob("*.log")}
    assert "unknown ENCODE accession ENCFF000404" in logs["ENCFF000404.log"]
    url = f"{server.base_url}/files/ENCFF000MD5/@@download/ENCFF000MD5.bed.gz"
    assert f"md5 mismatch for {url}: expected {'0' * 32}" in logs["ENCFF000MD5.log"]
    assert "ENCFF000ASM is on assembly hg19 but the genome asked for is hg38" in logs["ENCFF000ASM.log"]
    assert "sha256 mismatch" in logs["archive.log"]
    assert files_under(tmp_path / "resources") == []


def test_unknown_genome_is_named_with_sheet_line(tmp_path):
    sheet = "tf\tsource\taccession\tgenome\nMAX\tencode\tENCFF618VMC\thg18\n"
    write_config(tmp_path, {"architectures": ["cnn"], "genomes": {"hg38": {"url": "x"}}}, sheet)
    result = snakemake(tmp_path, "-n")
    assert result.returncode == 1
    assert "tfs.tsv line 2, column 'genome': 'hg18' is not in the config's `genomes` (known: hg38)" in result.stdout


# --------------------------------------------------------------------------- pipeline: the paper


@pytest.mark.slow
def test_paper_archive_becomes_one_job_set_per_tf(paper_run):
    workdir, result = paper_run
    datasets = pd.read_csv(workdir / "resources/archive/datasets.tsv", sep="\t")
    assert list(datasets["name"]) == ["GATA1_K562_GATA-1_USC", "REST_K562_NRSF_HudsonAlpha"]
    table = pd.read_csv(workdir / "results/summary/auc_table.tsv", sep="\t")
    assert list(table["tf"]) == [*datasets["name"], "mean", "median"]
    assert "import_sequences" in result.stdout and "list_datasets" in result.stdout


@pytest.mark.slow
def test_paper_test_set_as_given_and_validation_from_training_only(paper_run, shared_data):
    workdir, _ = paper_run
    tf = "GATA1_K562_GATA-1_USC"
    df = pd.read_csv(workdir / f"results/{tf}/data/imported.tsv", sep="\t")
    test = df[df["split"] == "test"]
    given = [line.strip() for line in open(shared_data / "demo_format" / tf / "test.fa") if not line.startswith(">")]
    assert test["seq"].tolist() == given  # all 1,000, in order
    train = df[df["split"] != "test"]
    assert (train["label"] == 1).sum() == (train["label"] == 0).sum() == 100  # max_peaks per label
    assert (train["split"] == "valid").sum() == 20 and not set(train["seq"]) & set(test["seq"])


@pytest.mark.slow
def test_archive_datasets_and_sheet_rows_together(paper_run, tmp_path):
    """A sheet row beside the archive: build_dataset serves it, import_sequences the archive's datasets."""
    workdir = tmp_path / "mixed"
    shutil.copytree(paper_run[0], workdir, ignore=shutil.ignore_patterns("results", "logs"))
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    write_config(workdir, config, "tf\tsource\tmotifs\nCTCF\tsimulated\tMA0139.1\n")
    result = snakemake(workdir, "-n", "results/summary/auc_table.tsv")
    assert result.returncode == 0 and "Exception" not in result.stdout, result.stdout[-3000:]
    assert "logs/build_dataset/CTCF.log" in result.stdout, result.stdout
    assert "logs/import_sequences/GATA1_K562_GATA-1_USC.log" in result.stdout


# --------------------------------------------------------------------------------- the TF sheet


@pytest.fixture(scope="module")
def tf_schema() -> dict:
    return load_schema("tfs")


@pytest.mark.parametrize("row, message", [
    ("X\tencode\t\thg38\t\t", r"line 2: 'accession' is a required property"),
    ("X\tencode\tENCSR000AAA\thg38\t\t", r"line 2, column 'accession': 'ENCSR000AAA' does not match"),
    ("X\tdeepbind\t\t\ta.seq.gz\t", r"line 2: 'test' is a required property"),
    ("X\tlocal\t\t\t\t", r"line 2: 'train' is a required property"),
    ("X\tgenbank\t\t\t\t", r"line 2, column 'source': 'genbank' is not one of"),
])
def test_sheet_rows_of_new_sources_are_checked(tmp_path, tf_schema, row, message):
    (tmp_path / "tfs.tsv").write_text("tf\tsource\taccession\tgenome\ttrain\ttest\n" + row + "\n")
    with pytest.raises(InputError, match=message):
        read_sheet(tmp_path / "tfs.tsv", tf_schema)


def test_sheet_paths_resolve_against_the_sheet_folder(tmp_path, tf_schema):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "tfs.tsv").write_text(
        "tf\tsource\ttrain\ttest\nA(1)\tdeepbind\t../data/A_AC.seq.gz\thttps://example.org/A_B.seq.gz\n"
        "A(1)\tdemo\tx\ty\n")
    with pytest.raises(InputError, match=r"line 3: TF id 'A\(1\)' already used on line 2"):
        read_sheet(tmp_path / "config" / "tfs.tsv", tf_schema)
    (tmp_path / "config" / "tfs.tsv").write_text(
        "tf\tsource\ttrain\ttest\nA(1)\tdeepbind\t../data/A_AC.seq.gz\thttps://example.org/A_B.seq.gz\n")
    row = read_sheet(tmp_path / "config" / "tfs.tsv", tf_schema).loc["A(1)"]
    assert row["train"] == str(tmp_path / "data" / "A_AC.seq.gz")
    assert row["test"] == "https://example.org/A_B.seq.gz"


def test_deepbind_sheet_points_at_the_shared_files(tf_schema, shared_data):
    sheet = read_sheet(ROOT / "config" / "deepbind_encode.tsv", tf_schema)
    assert len(sheet) == 10 and set(sheet["source"]) == {"deepbind"}
    for row in sheet.itertuples():
        assert Path(row.train).is_file() and Path(row.test).is_file(), row.tf
        assert Path(row.train).name == f"{row.tf}_AC.seq.gz"


# ---------------------------------------------------------------------------- commands: bad input


NARROWPEAK = "chr1\t100\t400\t.\t0\t.\t5.0\t-1\t-1\t150\n"


@pytest.fixture(scope="module")
def tiny_genome(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("genome")
    write_fasta(folder / "g.fa", random_genome(["chr1", "chr2"], 20_000, seed=3))
    return folder / "g.fa"


@pytest.mark.parametrize("peaks, message", [
    (NARROWPEAK + "chr1 500 900 . 0 . 5 -1 -1 10\n", r"peaks line 2: has 1 columns, narrowPeak has 10 .*tabs"),
    (NARROWPEAK + "chr1\t500\t900\t.\t0\t.\t5\t-1\t-1\t401\n", r"peaks line 2: summit offset 401 \(column 10\) is "
     r"outside the peak \[0, 400\)"),
    (NARROWPEAK + "chr1\t900\t500\t.\t0\t.\t5\t-1\t-1\t10\n", r"peaks line 2: start 900 is not before end 500"),
    ("chr1\t100\tx\n", r"peaks line 1: column 'end' must be a non-negative integer, got 'x'"),
    ("chrUn\t100\t400\n", r"peaks: none of the peak chromosomes \(chrUn\) are in .*g\.fa"),
    ("", r"peaks: contains no intervals"),
])
def test_extract_refuses_bad_peaks(tmp_path, tiny_genome, peaks, message):
    (tmp_path / "peaks").write_text(peaks)
    result = deepmotif("extract", tmp_path / "peaks", tiny_genome, "-o", tmp_path / "out" / "positives.tsv")
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1].startswith("deepmotif extract: error: ")
    assert "Traceback" not in result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert files_under(tmp_path / "out") == []


def test_extract_reads_plain_bed_with_midpoint_summits(tmp_path, tiny_genome):
    (tmp_path / "peaks.bed").write_text("chr1\t1000\t1200\tp1\t3\nchr2\t5000\t5300\tp2\t7\n")
    result = deepmotif("extract", tmp_path / "peaks.bed", tiny_genome, "-o", tmp_path / "pos.tsv", "--length", "11")
    assert result.returncode == 0, result.stderr
    pos = pd.read_csv(tmp_path / "pos.tsv", sep="\t")
    assert list(zip(pos["chrom"], pos["start"])) == [("chr2", 5145), ("chr1", 1095)]  # by score


SEQ = "ACGT" * 25 + "A"


@pytest.mark.parametrize("train, test, message", [
    (f">1\n{SEQ}\n>1\n{SEQ[:-1]}\n", None, r"train\.fa line 3: sequence has 100 bp, expected 101"),
    (f">1\n{SEQ}\n>0\n{SEQ[:50]}X{SEQ[51:]}\n", None, r"train\.fa line 4: invalid character 'X' at position 51"),
    ("", None, r"train\.fa: is empty"),
    (f">1\n{SEQ}\n>0\n{SEQ}\n", f">1\n{SEQ}\n>1\n{SEQ}\n", r"test\.fa: has no unbound \(0\) sequences"),
    (f">1\n{SEQ}\n>0\n{SEQ}\n", f">1\n{SEQ[:-1]}\n>0\n{SEQ[:-1]}\n", r"test\.fa: sequences have 100 bp but those "
     r"of .*train\.fa have 101 bp"),
    (f">2\n{SEQ}\n", None, r"train\.fa: format 'fasta' has no labels"),
])
def test_import_refuses_bad_files(tmp_path, train, test, message):
    (tmp_path / "train.fa").write_text(train)
    (tmp_path / "test.fa").write_text(test if test is not None else f">1\n{SEQ}\n>0\n{SEQ}\n")
    out = tmp_path / "out" / "sequences.tsv"
    result = deepmotif("import-sequences", "--train", tmp_path / "train.fa", "--test", tmp_path / "test.fa", "-o", out)
    assert result.returncode == 2, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert files_under(tmp_path / "out") == []


def test_import_deepbind_drops_n_before_shuffling(tmp_path):
    from deepmotif.cli import main

    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGT"), len(SEQ))) for _ in range(5)]  # SEQ is its own shuffle
    rows = [("A", f"seq_{i}_peak", seqs[i - 1] if i != 2 else SEQ[:40] + "N" + SEQ[41:], 1) for i in range(1, 6)]
    (tmp_path / "x_AC.seq.gz").write_bytes(gz(("FoldID\tEventID\tseq\tBound\n" + "".join(
        "\t".join(map(str, r)) + "\n" for r in rows)).encode()))
    (tmp_path / "x_B.seq").write_text(f"FoldID\tEventID\tseq\tBound\nB\tt1\t{SEQ}\t1\nB\tt2\t{SEQ[:9]}N{SEQ[10:]}\t0\n")
    assert main(["import-sequences", "--train", str(tmp_path / "x_AC.seq.gz"), "--test", str(tmp_path / "x_B.seq"),
                 "-o", str(tmp_path / "s.tsv")]) == 0
    df = pd.read_csv(tmp_path / "s.tsv", sep="\t")
    assert df["id"].tolist() == ["seq_1_peak", "seq_1_peak_shuf", "seq_3_peak", "seq_3_peak_shuf", "seq_4_peak",
                                 "seq_4_peak_shuf", "seq_5_peak", "seq_5_peak_shuf", "t1", "t2"]
    assert df.loc[df["id"] == "t2", "seq"].item()[9] == "N"  # the test set is used as given


def test_import_deepbind_real_files_keep_pairs_and_the_test_set(tmp_path, shared_data):
    name = "ELK1_GM12878_ELK1_(1277-1)_Stanford"
    folder = shared_data / "deepbind_encode"
    out = tmp_path / "sequences.tsv"
    from deepmotif.cli import main

    assert main(["import-sequences", "--train", str(folder / f"{name}_AC.seq.gz"), "--test",
                 str(folder / f"{name}_B.seq.gz"), "--format", "deepbind", "-o", str(out), "--seed", "3"]) == 0
    df = pd.read_csv(out, sep="\t")
    train = pd.read_csv(folder / f"{name}_AC.seq.gz", sep="\t")
    test = pd.read_csv(folder / f"{name}_B.seq.gz", sep="\t")
    n_clean = (~train["seq"].str.upper().str.contains("N")).sum()
    fit = df[df["split"] != "test"]
    assert (fit["label"] == 1).sum() == (fit["label"] == 0).sum() == n_clean
    assert not fit["seq"].str.contains("N").any()
    assert (fit["split"] == "valid").sum() == 2 * round(0.1 * n_clean)
    pairs = fit["id"].str.removesuffix("_shuf")
    assert (fit.groupby(pairs)["split"].nunique() == 1).all()  # a positive and its shuffle stay together
    assert df.loc[df["split"] == "test", "seq"].tolist() == test["seq"].str.upper().tolist()


# ---------------------------------------------------------------------- commands: downloads, archives


def test_fetch_commands_fail_cleanly(tmp_path, encode_fixture):
    with FixtureServer() as server:
        server.add_encode_file("ENCFF000ASM", encode_fixture["peaks"], assembly="GRCh37")
        server.add("/x.bin", b"payload")
        fast = ["--retries", "0", "--backoff", "0"]
        cases = [
            (["fetch-peaks", "ENCFF000404", "--genome", "hg38", "--base-url", server.base_url],
             "unknown ENCODE accession ENCFF000404"),
            (["fetch-peaks", "ENCFF000ASM", "--genome", "hg38", "--base-url", server.base_url],
             "ENCFF000ASM is on assembly GRCh37 but the genome asked for is hg38"),
            (["fetch-peaks", "ENCSR000AAA", "--genome", "hg38"], "is not an ENCODE file accession"),
        ]
        for args, message in cases:
            result = deepmotif(*args, *fast, "-o", tmp_path / "out/p.bed.gz", "--metadata", tmp_path / "out/p.json")
            assert result.returncode == 2 and message in result.stderr, result.stderr
        result = deepmotif("fetch", server.url("/x.bin"), "-o", tmp_path / "out/x", "--sha256", "0" * 64, *fast)
        assert result.returncode == 2 and "sha256 mismatch" in result.stderr
        result = deepmotif("fetch", server.url("/missing"), "-o", tmp_path / "out/x", *fast)
        assert result.returncode == 2 and "HTTP 404" in result.stderr
        # several URLs: all or none (the first, fetched, is removed when the second fails)
        result = deepmotif("fetch", server.url("/x.bin"), server.url("/missing"), "-o", tmp_path / "out/a",
                           "-o", tmp_path / "out/b", *fast)
        assert result.returncode == 2 and "HTTP 404" in result.stderr
        result = deepmotif("fetch", server.url("/x.bin"), server.url("/x.bin"), "-o", tmp_path / "out/a", *fast)
        assert result.returncode == 2 and "2 URLs but 1 --output paths" in result.stderr
        result = deepmotif("fetch", server.url("/x.bin"), server.url("/x.bin"), "-o", tmp_path / "ok/a",
                           "-o", tmp_path / "ok/b", *fast)
        assert result.returncode == 0, result.stderr
    assert [(tmp_path / "ok" / name).read_bytes() for name in ("a", "b")] == [b"payload", b"payload"]
    assert files_under(tmp_path / "out") == []


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_archive_refuses_hostile_and_corrupt_archives(tmp_path):
    demo = f">1\n{SEQ}\n>0\n{SEQ}\n".encode()
    hostile = _tar(tmp_path / "hostile.tar.gz", {"deepbind/A/train.fa": demo, "../../evil.fa": demo})
    result = deepmotif("extract-archive", hostile, "-o", tmp_path / "data")
    assert result.returncode == 2 and "refusing to extract member '../../evil.fa'" in result.stderr
    good = _tar(tmp_path / "good.tar.gz", {f"deepbind/A{i}/train.fa": demo * 200 for i in range(30)})
    (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = deepmotif("extract-archive", tmp_path / "cut.tar.gz", "-o", tmp_path / "data")
    assert result.returncode == 2 and "truncated or corrupt" in result.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path.parent / "evil.fa").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.tar.gz", "good.tar.gz", "hostile.tar.gz"]


def test_list_datasets_names_and_include(tmp_path):
    demo = f">1\n{SEQ}\n>0\n{SEQ}\n".encode()
    for name in ("A", "B(x)", "ALL_pooled"):
        (tmp_path / "d" / name).mkdir(parents=True)
        (tmp_path / "d" / name / "train.fa").write_bytes(demo)
        (tmp_path / "d" / name / "test.fa").write_bytes(demo)
    assert deepmotif("list-datasets", tmp_path / "d", "-o", tmp_path / "all.tsv").returncode == 0
    assert pd.read_csv(tmp_path / "all.tsv", sep="\t")["name"].tolist() == ["A", "B(x)"]
    result = deepmotif("list-datasets", tmp_path / "d", "-o", tmp_path / "some.tsv", "--include", "A,Z")
    assert result.returncode == 2 and "dataset 'Z' of the include list is not in the archive" in result.stderr
    assert not (tmp_path / "some.tsv").exists()


# --------------------------------------------------------------------------------- library: units


def test_blacklist_overlap_is_half_open_and_merges_regions():
    from deepmotif.data.intervals import filter_blacklist, overlaps

    bed = pd.DataFrame({"chrom": ["c1", "c1", "c1", "c1", "c2"], "start": [0, 10, 25, 60, 5],
                        "end": [10, 20, 30, 70, 6]})
    regions = pd.DataFrame({"chrom": ["c1", "c1", "c3"], "start": [20, 15, 0], "end": [26, 22, 100]})
    # [0,10) ends before 15; [10,20) overlaps [15,22); [25,30) overlaps [20,26); [60,70) and c2 are free
    assert overlaps(bed, regions).tolist() == [False, True, True, False, False]
    kept = filter_blacklist(bed.assign(name="."), regions)
    assert kept["start"].tolist() == [0, 60, 5]
    with pytest.raises(InputError, match="every peak overlaps the blacklist"):
        filter_blacklist(bed, pd.DataFrame({"chrom": ["c1", "c2"], "start": [0, 0], "end": [100, 100]}))


def test_bedtools_temp_files_of_killed_processes_are_removed(tmp_path, monkeypatch):
    # pybedtools removes its /tmp files only in cleanup(), which SIGKILL (Slurm, Snakemake) never reaches
    import os
    import signal
    import subprocess
    import sys
    import tempfile

    from deepmotif.data.intervals import overlaps

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stale = tmp_path / f"deepmotif-bedtools.{killed.pid}.x1"
    stale.mkdir()
    (stale / "pybedtools.abc.tmp").write_text("c1\t0\t10\n")
    alive = tmp_path / f"deepmotif-bedtools.{os.getpid()}.x2"  # a running process's folder stays
    alive.mkdir()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    bed = pd.DataFrame({"chrom": ["c1", "c1"], "start": [0, 30], "end": [10, 40]})
    regions = pd.DataFrame({"chrom": ["c1"], "start": [5], "end": [8]})
    assert overlaps(bed, regions).tolist() == [True, False]
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]  # the stale one and our own are gone


def test_match_gc_same_chromosome_and_nearest_bin():
    from deepmotif.data.negatives import match_gc

    positives = pd.DataFrame({"id": ["a", "b", "c"], "chrom": ["c1", "c1", "c2"],
                              "seq": ["GGGG", "AAAT", "GCAT"]})
    candidates = pd.DataFrame({"chrom": ["c1", "c1", "c2", "c2"], "start": [0, 10, 0, 10], "end": [4, 14, 4, 14],
                               "seq": ["ATAT", "GCGC", "AAAA", "GCAA"]})
    out = match_gc(positives, candidates, n_bins=4)  # GC bins: GGGG 3, AAAT 0, GCAT 2
    assert out["seq"].tolist() == ["GCGC", "ATAT", "GCAA"] and out["pair"].tolist() == [0, 1, 2]
    assert out["id"].tolist() == ["a_bg", "b_bg", "c_bg"] and out["chrom"].tolist() == ["c1", "c1", "c2"]
    # one candidate left on c2 for two positives there: the nearest bin serves one, the other stays unmatched
    more = pd.concat([positives, positives.iloc[[2]].assign(id="d")], ignore_index=True)
    out = match_gc(more, candidates.iloc[:3], n_bins=4)
    assert out["pair"].tolist()[:2] == [0, 1] and len(out) == 3 and out["pair"].iloc[2] in (2, 3)
    assert out["seq"].iloc[2] == "AAAA"


def test_import_given_negatives_are_kept_and_split_by_label():
    from deepmotif.data.imports import import_dataset

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(60)]
    train = pd.DataFrame({"id": [f"t{i}" for i in range(40)], "seq": seqs[:40], "label": [1, 0] * 20})
    test = pd.DataFrame({"id": [f"t{i}" for i in range(20)], "seq": seqs[40:], "label": [0, 1] * 10})
    df = import_dataset(train, test, valid_fraction=0.25, seed=1)
    fit = df[df["split"] != "test"]
    assert fit.groupby(["split", "label"]).size().to_dict() == {("train", 0): 15, ("train", 1): 15,
                                                                ("valid", 0): 5, ("valid", 1): 5}
    assert df["id"].is_unique and df["id"].str.startswith(("train:", "test:")).all()  # ids overlapped
    assert df.loc[df["split"] == "test", "seq"].tolist() == seqs[40:]
    again = import_dataset(train, test, valid_fraction=0.25, seed=1)
    assert again.equals(df)


def test_import_respects_a_given_validation_split_and_refuses_test_rows():
    from deepmotif.data.imports import import_dataset

    rng = np.random.default_rng(2)  # 30-mers: short ones are often their own dinucleotide shuffle
    train = pd.DataFrame({"id": list("abcd"), "seq": ["".join(rng.choice(list("ACGT"), 30)) for _ in "abcd"],
                          "label": 1,
                          "split": ["train", "train", "valid", "train"]})
    test = pd.DataFrame({"id": ["x", "y"], "seq": ["ACGTAC" * 5, "CCCGGG" * 5], "label": [1, 0]})
    df = import_dataset(train, test)
    assert df.loc[df["split"] == "valid", "id"].tolist() == ["c", "c_shuf"]
    with pytest.raises(InputError, match="rows with split 'test'"):
        import_dataset(train.assign(split=["train", "valid", "test", "train"]), test, train_path="t.tsv")
