"""Downloads against a real loopback HTTP server with injected faults; ENCODE, genomes, archives."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import socket
import tarfile
from pathlib import Path

import pytest

from deepmotif.data.archive import list_deepbind_datasets, safe_extract_tar
from deepmotif.data.encode import download_encode_peaks, encode_file_metadata, same_assembly
from deepmotif.data.genome import download_genome
from deepmotif.data.http import DownloadError, download
from deepmotif.data.io import gzip_ok
from deepmotif.errors import InputError

try:
    from httpserver import gz, http_server  # noqa: F401 - pytest fixture
except ModuleNotFoundError:  # tests/ turned into a package
    from tests.httpserver import gz, http_server  # noqa: F401

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not available")
FAST = {"backoff": 0.001, "timeout": 5, "progress": False}
BODY = bytes(range(256)) * 400  # 100 kB, every byte value
ACC = "ENCFF000AAA"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ------------------------------------------------------------------------------------ download()


def test_download_is_byte_identical_and_leaves_no_part(http_server, tmp_path):
    http_server.add("/d/file.bin", BODY)
    dest = download(http_server.url("/d/file.bin"), tmp_path / "sub" / "file.bin", md5=md5(BODY), **FAST)
    assert dest.read_bytes() == BODY
    assert leftovers(tmp_path / "sub") == ["file.bin"]


def test_sha256_is_verified(http_server, tmp_path):
    http_server.add("/f", BODY)
    download(http_server.url("/f"), tmp_path / "f", sha256=hashlib.sha256(BODY).hexdigest(), **FAST)
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        download(http_server.url("/f"), tmp_path / "g", sha256="0" * 64, **FAST)
    assert not (tmp_path / "g").exists()


def test_md5_mismatch_names_expected_actual_and_url(http_server, tmp_path):
    http_server.add("/f.gz", BODY)
    url = http_server.url("/f.gz")
    with pytest.raises(InputError, match=rf"md5 mismatch for {url}: expected {'0' * 32}, got {md5(BODY)}"):
        download(url, tmp_path / "f.gz", md5="0" * 32, **FAST)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("status, match", [(404, "HTTP 404.*check the URL"), (403, "HTTP 403.*restricted"),
                                           (410, "HTTP 410")])
def test_client_errors_are_not_retried(http_server, tmp_path, status, match):
    http_server.add("/gone", b"no", status=status)
    with pytest.raises(DownloadError, match=match) as err:
        download(http_server.url("/gone"), tmp_path / "x", **FAST)
    assert err.value.status == status
    assert http_server.url("/gone") in str(err.value)
    assert len(http_server.requests_for("/gone")) == 1
    assert leftovers(tmp_path) == []


def test_unregistered_path_is_404(http_server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(http_server.url("/nothing/here"), tmp_path / "x", **FAST)


def test_server_errors_are_retried_then_succeed(http_server, tmp_path, caplog):
    http_server.add("/flaky", BODY, fail_first=2, fault="500")
    dest = download(http_server.url("/flaky"), tmp_path / "x", md5=md5(BODY), **FAST)
    assert dest.read_bytes() == BODY
    assert len(http_server.requests_for("/flaky")) == 3
    assert "retry 2/4" in caplog.text


def test_retries_exhausted_leave_nothing_at_dest(http_server, tmp_path):
    http_server.add("/down", BODY, fail_first=10, fault="500")
    with pytest.raises(DownloadError, match=r"after 3 attempts \(last error: HTTP 500"):
        download(http_server.url("/down"), tmp_path / "x", retries=2, **FAST)
    assert not (tmp_path / "x").exists()
    assert len(http_server.requests_for("/down")) == 3


def test_dropped_connection_resumes_with_range(http_server, tmp_path):
    http_server.add("/big", BODY, fail_first=1, fault="drop")
    dest = download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert dest.read_bytes() == BODY
    first, second = http_server.requests_for("/big")
    assert first.range is None
    assert second.range == f"bytes={len(BODY) // 2}-"
    assert leftovers(tmp_path) == ["big"]


def test_dropped_connection_without_range_support_restarts(http_server, tmp_path):
    http_server.add("/big", BODY, fail_first=2, fault="drop", ranges=False)
    dest = download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert dest.read_bytes() == BODY
    half = f"bytes={len(BODY) // 2}-"
    assert [r.range for r in http_server.requests_for("/big")] == [None, half, half]  # each answered 200


def test_drop_on_every_attempt_keeps_part_for_next_run(http_server, tmp_path):
    route = http_server.add("/big", BODY, fail_first=3, fault="drop")
    with pytest.raises(DownloadError, match="connection closed after .* bytes.*kept and a rerun resumes"):
        download(http_server.url("/big"), tmp_path / "big", retries=1, **FAST)
    assert not (tmp_path / "big").exists()
    assert (tmp_path / "big.part").stat().st_size == 3 * len(BODY) // 4
    route.fail_first = 0
    download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert (tmp_path / "big").read_bytes() == BODY
    assert http_server.requests_for("/big")[-1].range == f"bytes={3 * len(BODY) // 4}-"



def test_part_dir_keeps_the_part_when_the_destination_folder_is_removed(http_server, tmp_path):
    """A directory output (download_urls) is removed when its job fails; the .part kept in part_dir is not,
    and the rerun resumes it with Range into the recreated folder."""
    route = http_server.add("/big", BODY, fail_first=1, fault="drop")
    folder, parts = tmp_path / "downloads" / "TF" / "train", tmp_path / "partial" / "TF"
    with pytest.raises(DownloadError):
        download(http_server.url("/big"), folder / "big", retries=0, part_dir=parts, **FAST)
    assert leftovers(folder) == []  # nothing beside the destination
    assert (parts / "train.big.part").stat().st_size == len(BODY) // 2
    shutil.rmtree(tmp_path / "downloads")  # what Snakemake does to a failed job's directory output
    route.fail_first = 0
    download(http_server.url("/big"), folder / "big", md5=md5(BODY), part_dir=parts, **FAST)
    assert (folder / "big").read_bytes() == BODY
    assert http_server.requests_for("/big")[-1].range == f"bytes={len(BODY) // 2}-"
    assert not parts.exists()  # the part was renamed onto the destination, its validators and folder removed

def _interrupted(http_server, tmp_path, path="/big", **route):
    """A real earlier run that died half-way: its .part (and validators, if the server sent any) stay."""
    http_server.add(path, route.pop("body", BODY), fail_first=1, fault="drop", **route)
    with pytest.raises(DownloadError):
        download(http_server.url(path), tmp_path / "big", retries=0, **FAST)


def test_part_of_an_unchanged_file_is_resumed_with_if_range(http_server, tmp_path):
    _interrupted(http_server, tmp_path)
    assert sorted(leftovers(tmp_path)) == ["big.part", "big.part.json"]
    download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert (tmp_path / "big").read_bytes() == BODY
    last = http_server.requests[-1]
    assert last.range == f"bytes={len(BODY) // 2}-"
    assert last.headers["if-range"] == f'"{md5(BODY)}"'
    assert leftovers(tmp_path) == ["big"]


def test_part_of_a_changed_file_starts_over_without_checksum(http_server, tmp_path):
    # issue 10.4: the start of the old version spliced to the end of the new one was accepted
    _interrupted(http_server, tmp_path)
    new = bytes(reversed(BODY))
    http_server.add("/big", new)  # same size, new content, new ETag
    download(http_server.url("/big"), tmp_path / "big", **FAST)
    assert (tmp_path / "big").read_bytes() == new
    assert len(http_server.requests_for("/big")) == 2  # the If-Range request got the whole new file


def test_last_modified_is_the_validator_without_a_strong_etag(http_server, tmp_path):
    old = "Tue, 01 Dec 2026 10:00:00 GMT"
    _interrupted(http_server, tmp_path, etag='W/"weak"', last_modified=old)
    http_server.add("/big", BODY, etag='W/"weak"', last_modified=old)
    download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert http_server.requests[-1].headers["if-range"] == old
    assert http_server.requests[-1].range is not None
    new = BODY[::-1]
    _interrupted(http_server, tmp_path, body=BODY, etag=None, last_modified=old)
    http_server.add("/big", new, etag=None, last_modified="Wed, 02 Dec 2026 10:00:00 GMT")
    download(http_server.url("/big"), tmp_path / "big", **FAST)
    assert (tmp_path / "big").read_bytes() == new


def test_part_without_validators_starts_over(http_server, tmp_path):
    _interrupted(http_server, tmp_path, etag=None)
    assert leftovers(tmp_path) == []  # not resumable: nothing kept
    (tmp_path / "big.part").write_bytes(BODY[:1000])  # a part from elsewhere, no validators
    http_server.add("/big", BODY)
    download(http_server.url("/big"), tmp_path / "big", **FAST)
    assert (tmp_path / "big").read_bytes() == BODY
    assert http_server.requests[-1].range is None


def test_server_ignoring_if_range_with_a_new_etag_restarts(http_server, tmp_path):
    _interrupted(http_server, tmp_path)
    new = BODY[::-1]
    http_server.add("/big", new, honour_if_range=False)
    download(http_server.url("/big"), tmp_path / "big", **FAST)
    assert (tmp_path / "big").read_bytes() == new
    assert [r.range for r in http_server.requests_for("/big")][-2:] == [f"bytes={len(BODY) // 2}-", None]


def test_part_larger_than_file_restarts_from_zero(http_server, tmp_path):
    _interrupted(http_server, tmp_path)
    (tmp_path / "big.part").write_bytes(BODY + b"junk")
    download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert (tmp_path / "big").read_bytes() == BODY
    assert [r.range for r in http_server.requests][-2:] == [f"bytes={len(BODY) + 4}-", None]


def test_stale_part_with_md5_mismatch_is_downloaded_again(http_server, tmp_path):
    _interrupted(http_server, tmp_path)
    (tmp_path / "big.part").write_bytes(b"\0" * 1000)  # the server's validators did not change with it
    download(http_server.url("/big"), tmp_path / "big", md5=md5(BODY), **FAST)
    assert (tmp_path / "big").read_bytes() == BODY
    assert [r.range for r in http_server.requests][-2:] == ["bytes=1000-", None]


def test_http_500_does_not_claim_a_kept_part(http_server, tmp_path):
    # issue 10.9: "the partial download ... is kept and a rerun resumes it" where none existed
    http_server.add("/down", BODY, fail_first=10, fault="500")
    with pytest.raises(DownloadError, match="HTTP 500.*nothing was kept") as err:
        download(http_server.url("/down"), tmp_path / "x", retries=1, **FAST)
    assert "resumes" not in str(err.value)
    assert leftovers(tmp_path) == []


def test_timeout_is_retried(http_server, tmp_path):
    http_server.add("/slow", BODY, fail_first=1, fault="delay", delay=1.5)
    download(http_server.url("/slow"), tmp_path / "x", md5=md5(BODY), backoff=0.001, timeout=0.5, progress=False)
    assert len(http_server.requests_for("/slow")) == 2
    assert (tmp_path / "x").read_bytes() == BODY


def test_connection_refused_is_retried_then_reported(tmp_path):
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match=rf"could not download http://127.0.0.1:{port}/x after 2 attempts"):
        download(f"http://127.0.0.1:{port}/x", tmp_path / "x", retries=1, **FAST)
    assert leftovers(tmp_path) == []


def test_git_lfs_pointer_is_refused(http_server, tmp_path):
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:b76d\nsize 107022470\n"
    http_server.add("/raw/deepbind.tar.gz", pointer)
    with pytest.raises(DownloadError, match="Git LFS pointer.*media.githubusercontent.com"):
        download(http_server.url("/raw/deepbind.tar.gz"), tmp_path / "d.tar.gz", **FAST)
    assert leftovers(tmp_path) == []


def test_check_callback_rejects_content(http_server, tmp_path):
    http_server.add("/f", BODY)

    def reject(path):
        raise InputError(f"{path}: not what I wanted")

    with pytest.raises(InputError, match="not what I wanted"):
        download(http_server.url("/f"), tmp_path / "f", check=reject, **FAST)
    assert leftovers(tmp_path) == []


def test_file_url_and_plain_path(tmp_path):
    source = tmp_path / "src dir" / "a(1).bin"
    source.parent.mkdir()
    source.write_bytes(BODY)
    download(source.as_uri(), tmp_path / "out1", md5=md5(BODY), **FAST)
    download(str(source), tmp_path / "out2", md5=md5(BODY), **FAST)
    assert (tmp_path / "out1").read_bytes() == BODY and (tmp_path / "out2").read_bytes() == BODY
    assert not (tmp_path / "out1").is_symlink()
    with pytest.raises(DownloadError, match="no such file"):
        download(str(tmp_path / "absent"), tmp_path / "out3", **FAST)
    with pytest.raises(DownloadError, match="md5 mismatch"):
        download(str(source), tmp_path / "out4", md5="1" * 32, **FAST)
    assert not (tmp_path / "out3").exists() and not (tmp_path / "out4").exists()
    assert not list(tmp_path.glob("*.part"))


def test_progress_without_terminal_logs_plain_lines(http_server, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="deepmotif.data.http")
    http_server.add("/f", BODY)
    download(http_server.url("/f"), tmp_path / "f", backoff=0.001)  # progress=None: pytest's stderr is no tty
    assert "downloading http://" in caplog.text and "downloaded" in caplog.text


def test_progress_bar_when_asked(http_server, tmp_path, capsys):
    http_server.add("/bar.bin", BODY, fail_first=1, fault="drop")
    download(http_server.url("/bar.bin"), tmp_path / "f", progress=True, backoff=0.001)
    assert (tmp_path / "f").read_bytes() == BODY
    assert "bar.bin" in capsys.readouterr().err


def test_redirect_keeps_range_when_resuming(http_server, tmp_path):
    http_server.redirect("/files/x/@@download/x.bed.gz", "/s3/bucket/x.bed.gz")
    http_server.add("/s3/bucket/x.bed.gz", BODY, fail_first=1, fault="drop")
    download(http_server.url("/files/x/@@download/x.bed.gz"), tmp_path / "x", md5=md5(BODY), **FAST)
    assert (tmp_path / "x").read_bytes() == BODY
    assert [r.range for r in http_server.requests_for("/s3/bucket/x.bed.gz")] == [None, f"bytes={len(BODY) // 2}-"]


def test_gzip_ok(tmp_path):
    good = tmp_path / "good.gz"
    good.write_bytes(gz(BODY) + gz(b"second member"))
    (tmp_path / "cut.gz").write_bytes(good.read_bytes()[:-20])
    (tmp_path / "plain").write_bytes(BODY)
    (tmp_path / "empty").write_bytes(b"")
    assert gzip_ok(good)
    assert not gzip_ok(tmp_path / "cut.gz")
    assert not gzip_ok(tmp_path / "plain")
    assert not gzip_ok(tmp_path / "empty")
    assert not gzip_ok(tmp_path / "absent")


# ---------------------------------------------------------------------------------------- ENCODE


@pytest.fixture
def peaks_gz() -> bytes:
    return gz((DATA / "tiny.narrowPeak").read_bytes())


def test_encode_peaks_download(http_server, tmp_path, peaks_gz):
    http_server.add_encode_file(ACC, peaks_gz, assembly="GRCh38")
    meta = download_encode_peaks(ACC, "hg38", tmp_path / "peaks.bed.gz", base_url=http_server.base_url, **FAST)
    assert (tmp_path / "peaks.bed.gz").read_bytes() == peaks_gz
    assert meta["n_peaks"] == 4 and meta["md5sum"] == md5(peaks_gz) and meta["assembly"] == "GRCh38"
    assert meta["url"].endswith(f"/files/{ACC}/@@download/{ACC}.bed.gz")
    assert leftovers(tmp_path) == ["peaks.bed.gz"]


def test_encode_metadata(http_server, peaks_gz):
    http_server.add_encode_file(ACC, peaks_gz)
    meta = encode_file_metadata(ACC, base_url=http_server.base_url, **{k: FAST[k] for k in ("backoff", "timeout")})
    assert meta["href"] == f"/files/{ACC}/@@download/{ACC}.bed.gz" and meta["status"] == "released"
    assert http_server.requests[0].path == f"/files/{ACC}/?format=json"


@needs_shared
def test_real_encode_file_resumes_after_drop(http_server, tmp_path):
    body = (SHARED / "encode_peaks" / "ENCFF618VMC.bed.gz").read_bytes()
    http_server.add_encode_file("ENCFF618VMC", body, fail_first=1, fault="drop")
    meta = download_encode_peaks("ENCFF618VMC", "GRCh38", tmp_path / "max.bed.gz",
                                 base_url=http_server.base_url, **FAST)
    assert meta["n_peaks"] == 38430
    assert (tmp_path / "max.bed.gz").read_bytes() == body
    assert http_server.requests[-1].range == f"bytes={len(body) // 2}-"


@pytest.mark.parametrize("accession", ["ENCSR000AAA", "ENCFF12345", "encff618vmc", "ENCFF618VMC.bed.gz", ""])
def test_bad_accession_syntax(tmp_path, accession):
    with pytest.raises(InputError, match="is not an ENCODE file accession: expected ENCFF followed by 6"):
        download_encode_peaks(accession, "hg38", tmp_path / "p.bed.gz", base_url="http://127.0.0.1:9")
    assert leftovers(tmp_path) == []


def test_unknown_accession(http_server, tmp_path):
    with pytest.raises(InputError, match=f"unknown ENCODE accession {ACC}"):
        download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert len(http_server.requests) == 1 and leftovers(tmp_path) == []


@pytest.mark.parametrize("file_asm, genome", [("hg19", "GRCh38"), ("GRCh38", "hg19"), ("mm10", "hg38")])
def test_assembly_mismatch(http_server, tmp_path, peaks_gz, file_asm, genome):
    http_server.add_encode_file(ACC, peaks_gz, assembly=file_asm)
    with pytest.raises(InputError, match=rf"{ACC} is on assembly {file_asm} but the genome asked for is {genome}: use"):
        download_encode_peaks(ACC, genome, tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert leftovers(tmp_path) == []
    assert not http_server.requests_for(f"/files/{ACC}/@@download/{ACC}.bed.gz")


def test_assembly_aliases():
    assert same_assembly("hg38", "GRCh38") and same_assembly("GRCh37", "hg19") and same_assembly("mm10", "mm10")
    assert same_assembly("GRCh38", "grch38") and not same_assembly("hg19", "hg38")


def test_encode_wrong_md5_in_metadata(http_server, tmp_path, peaks_gz):
    http_server.add_encode_file(ACC, peaks_gz, md5sum="f" * 32)
    with pytest.raises(InputError, match=f"md5 mismatch for .*{ACC}.bed.gz: expected {'f' * 32}, got {md5(peaks_gz)}"):
        download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert leftovers(tmp_path) == []


def test_encode_truncated_gzip(http_server, tmp_path, peaks_gz):
    cut = peaks_gz[:-10]
    http_server.add_encode_file(ACC, cut)  # md5 of the truncated bytes: only the gzip check catches it
    with pytest.raises(InputError, match="not a complete gzip file"):
        download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert leftovers(tmp_path) == []


def test_encode_content_not_narrowpeak(http_server, tmp_path):
    http_server.add_encode_file(ACC, gz(b"chr1\t10\t20\n"))
    with pytest.raises(InputError, match=r"is not a valid narrowPeak file: .* line 1: has 3 columns"):
        download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert leftovers(tmp_path) == []


def test_replaced_accession_downloads_the_replacement(http_server, tmp_path, peaks_gz):
    meta = http_server.add_encode_file("ENCFF000BBB", peaks_gz)
    http_server.add(f"/files/{ACC}/?format=json", json.dumps(meta).encode())  # the portal's answer
    result = download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert result["accession"] == "ENCFF000BBB" and (tmp_path / "p.bed.gz").read_bytes() == peaks_gz


@pytest.mark.parametrize(
    "meta, match",
    [({"status": "revoked"}, "has status 'revoked'"), ({"file_format": "bigBed"}, "not a narrowPeak BED file")],
)
def test_encode_metadata_refused(http_server, tmp_path, peaks_gz, meta, match):
    http_server.add_encode_file(ACC, peaks_gz, **meta)
    with pytest.raises(InputError, match=match):
        download_encode_peaks(ACC, "hg38", tmp_path / "p.bed.gz", base_url=http_server.base_url, **FAST)
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------- genome

TINY_FAI = "chr1\t25\t18\t10\t11\nchr2\t20\t52\t10\t11\nchrM\t7\t80\t7\t8\n"  # checked against pyfaidx


def test_download_genome_decompresses_and_indexes(http_server, tmp_path):
    fasta = (DATA / "tiny_genome.fa").read_bytes()
    http_server.add("/goldenPath/tiny/bigZips/tiny.fa.gz", gz(fasta), fail_first=1, fault="drop")
    dest = download_genome(http_server.url("/goldenPath/tiny/bigZips/tiny.fa.gz"), tmp_path / "g" / "tiny.fa", **FAST)
    assert dest.read_bytes() == fasta
    assert (tmp_path / "g" / "tiny.fa.fai").read_text() == TINY_FAI
    assert leftovers(tmp_path / "g") == ["tiny.fa", "tiny.fa.fai"]


def test_download_genome_interrupted_right_after_the_download_leaves_nothing(http_server, tmp_path, monkeypatch):
    """A SIGTERM (KeyboardInterrupt here) the moment the download is complete: the GB-sized .download goes."""
    from deepmotif.data import genome

    def download_then_interrupt(*args, **kwargs):
        download(*args, **kwargs)
        raise KeyboardInterrupt

    http_server.add("/tiny.fa.gz", gz((DATA / "tiny_genome.fa").read_bytes()))
    monkeypatch.setattr(genome, "download", download_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        download_genome(http_server.url("/tiny.fa.gz"), tmp_path / "g" / "tiny.fa", **FAST)
    assert leftovers(tmp_path / "g") == []


def test_fai_matches_pyfaidx_on_awkward_fasta(tmp_path):
    pyfaidx = pytest.importorskip("pyfaidx")
    text = ">a x\nACGTA\nCGTAC\nGT\n>b\nAAAA\n>c\nACG\nTTT\n\n>d\nAC\nGT\nAA"  # blank line, no final newline
    for i, block in enumerate((3, 7, 64)):
        (tmp_path / f"{i}.fa").write_text(text)
        from deepmotif.data import genome as dl

        with open(tmp_path / f"{i}.fa", "rb") as f:
            ours = dl._index_stream(f, None, "x", block=block)
        pyfaidx.Faidx(str(tmp_path / f"{i}.fa"))
        theirs = (tmp_path / f"{i}.fa.fai").read_text()
        assert "".join("\t".join(map(str, r)) + "\n" for r in ours) == theirs
    (tmp_path / "crlf.fa").write_bytes(b">a\r\nACG\r\nAC\r\n")  # Windows line ends: 4 bytes per line of 3 bp
    download_genome(str(tmp_path / "crlf.fa"), tmp_path / "out" / "crlf.fa")
    assert (tmp_path / "out" / "crlf.fa.fai").read_text() == "a\t5\t4\t3\t5\n"


@pytest.mark.parametrize(
    "text, match",
    [
        (">a\nACGT\nAC\nACGT\n", r"line 4: lines of sequence 'a' have different lengths"),
        (">a\nACGT\nACGTA\n", r"line 3: lines of sequence 'a' have different lengths"),
        (">a\nACGT\n\nACGT\n", r"line 4: lines of sequence 'a' have different lengths"),
        ("ACGT\n>a\nACGT\n", r"line 1: sequence before the first '>' header"),
        (">a\nACGT\n>a\nACGT\n", r"line 3: duplicate sequence name 'a'"),
        ("just text\n", r"line 1: sequence before the first '>'"),
        (">a\nACGT\n>empty\n>b\nACGT\n", r"line 3: sequence 'empty' is empty \(0 bp\)"),
        (">a\nACGT\n>last\n", r"line 3: sequence 'last' is empty \(0 bp\)"),
    ],
)
def test_genome_that_cannot_be_indexed(tmp_path, text, match):
    source = tmp_path / "src.fa.gz"
    source.write_bytes(gz(text.encode()))
    with pytest.raises(InputError, match=match):
        download_genome(str(source), tmp_path / "out" / "g.fa", **FAST)
    assert leftovers(tmp_path / "out") == []


def test_truncated_genome_is_removed_for_a_fresh_download(http_server, tmp_path):
    http_server.add("/g.fa.gz", gz((DATA / "tiny_genome.fa").read_bytes())[:-12])
    with pytest.raises(InputError, match="truncated or corrupt gzip file.*download it again"):
        download_genome(http_server.url("/g.fa.gz"), tmp_path / "g.fa", **FAST)
    assert leftovers(tmp_path) == []


def test_plain_fasta_genome_and_keep_download(tmp_path):
    download_genome(str(DATA / "tiny_genome.fa"), tmp_path / "g.fa", keep_download=True, **FAST)
    assert (tmp_path / "g.fa").read_bytes() == (DATA / "tiny_genome.fa").read_bytes()
    assert leftovers(tmp_path) == ["g.fa", "g.fa.download", "g.fa.fai"]


# --------------------------------------------------------------------------------------- archives


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


DEMO_FA = b">1\n" + b"ACGT" * 25 + b"A\n>0\n" + b"TGCA" * 25 + b"T\n"


def test_extract_deepmotif_layout_and_list(tmp_path):
    archive = make_tar(tmp_path / "deepbind.tar.gz", [
        (entry("deepbind", tarfile.DIRTYPE), None),
        (entry("deepbind/ATF1_K562_ATF1_-06-325-_Harvard/train.fa"), DEMO_FA),
        (entry("deepbind/ATF1_K562_ATF1_-06-325-_Harvard/test.fa"), DEMO_FA),
        (entry("deepbind/CTCF_K562_CTCF_Broad/train.fa"), DEMO_FA),
        (entry("deepbind/CTCF_K562_CTCF_Broad/test.fa"), DEMO_FA),
        (entry("deepbind/CTCF_K562_CTCF_Broad/._test.fa"), b"mac junk"),
        (entry("deepbind/ONLYTEST/test.fa"), DEMO_FA),
        (entry("deepbind/ALL_TFs/train.fa"), DEMO_FA),  # main.lua skips ALL*
        (entry("deepbind/ALL_TFs/test.fa"), DEMO_FA),
        (entry("deepbind/CTCF_link", tarfile.SYMTYPE, "CTCF_K562_CTCF_Broad"), None),
    ])
    dest = safe_extract_tar(archive, tmp_path / "data")
    assert (dest / "deepbind" / "CTCF_K562_CTCF_Broad" / "train.fa").read_bytes() == DEMO_FA
    assert leftovers(tmp_path) == ["data", "deepbind.tar.gz"]
    datasets = list_deepbind_datasets(dest)
    assert [d[0] for d in datasets] == ["ATF1_K562_ATF1_-06-325-_Harvard", "CTCF_K562_CTCF_Broad"]
    name, train, test = datasets[1]
    assert train == dest / "deepbind" / name / "train.fa" and test.name == "test.fa"
    assert "ALL_TFs" in [d[0] for d in list_deepbind_datasets(dest, exclude=())]
    with pytest.raises(InputError, match="exists and is not empty"):
        safe_extract_tar(archive, dest)
    safe_extract_tar(archive, dest, overwrite=True)


@pytest.mark.parametrize(
    "member, match",
    [
        (entry("../evil.txt"), r"member '../evil.txt': it contains '..'"),
        (entry("ok/../../evil.txt"), "contains '..'"),
        (entry("/etc/evil"), "has an absolute path"),
        (entry("ok/link", tarfile.SYMTYPE, "/etc/passwd"), r"symbolic link pointing outside the archive \(/etc/passwd\)"),
        (entry("ok/link", tarfile.SYMTYPE, "../../outside"), "symbolic link pointing outside"),
        (entry("ok/hard", tarfile.LNKTYPE, "../outside"), "hard link pointing outside"),
        (entry("ok/dev", tarfile.CHRTYPE), "is a device or FIFO"),
        (entry("ok/fifo", tarfile.FIFOTYPE), "is a device or FIFO"),
    ],
)
def test_unsafe_archives_are_refused_before_writing(tmp_path, member, match):
    archive = make_tar(tmp_path / "a.tar.gz", [(entry("ok/good.fa"), DEMO_FA),
                                              (member, b"x" if member.isfile() else None)])
    with pytest.raises(InputError, match=match):
        safe_extract_tar(archive, tmp_path / "out")
    assert leftovers(tmp_path) == ["a.tar.gz"]


@pytest.mark.parametrize("data_filter", [True, False], ids=["with-data-filter", "python-3.11.2"])
@pytest.mark.parametrize(
    "members, refused",
    [
        ([(entry("sub", tarfile.DIRTYPE), None), (entry("sub/link", tarfile.SYMTYPE, ".."), None),
          (entry("sub/link/evil", tarfile.SYMTYPE, ".."), None)], "sub/link/evil"),
        ([(entry("sub", tarfile.DIRTYPE), None), (entry("l1", tarfile.SYMTYPE, "sub/.."), None),
          (entry("l2", tarfile.SYMTYPE, "l1/.."), None)], "l2"),
        ([(entry("a", tarfile.SYMTYPE, "b"), None), (entry("b", tarfile.SYMTYPE, "a"), None),
          (entry("c", tarfile.SYMTYPE, "a/x"), None)], "c"),
    ],
    ids=["link-below-link", "link-to-link", "loop"],
)
def test_symlink_chain_out_of_the_archive_is_reported_as_unsafe(tmp_path, monkeypatch, data_filter, members,
                                                                 refused):
    # issue 10.9: refused by tarfile's data filter, it was reported as truncation / disk space. Debian 12's
    # Python 3.11.2 has no data filter (CI): our own check must refuse the chain before anything is written.
    if not data_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    archive = make_tar(tmp_path / "a.tar.gz", members)
    with pytest.raises(InputError, match=rf"refusing to extract member '{refused}': .*outside") as err:
        safe_extract_tar(archive, tmp_path / "out")
    assert "disk space" not in str(err.value) and "truncated" not in str(err.value)
    assert leftovers(tmp_path) == ["a.tar.gz"]


def test_links_inside_the_archive_are_extracted(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [(entry("d", tarfile.DIRTYPE), None),
                                              (entry("alias", tarfile.SYMTYPE, "d"), None),
                                              (entry("alias/x.fa"), DEMO_FA),
                                              (entry("d/y", tarfile.SYMTYPE, "../d/x.fa"), None)])
    out = safe_extract_tar(archive, tmp_path / "out")
    assert (out / "d" / "x.fa").read_bytes() == DEMO_FA
    assert (out / "d" / "y").read_bytes() == DEMO_FA


def test_corrupt_archives(tmp_path):
    good = make_tar(tmp_path / "a.tar.gz", [(entry(f"d/{i}.fa"), DEMO_FA * 50) for i in range(20)])
    (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[:-200])
    with pytest.raises(InputError, match=r"cut\.tar\.gz: .*truncated or corrupt"):
        safe_extract_tar(tmp_path / "cut.tar.gz", tmp_path / "out")
    (tmp_path / "lfs.tar.gz").write_bytes(b"version https://git-lfs.github.com/spec/v1\nsize 1\n")
    with pytest.raises(InputError, match="Git LFS pointer"):
        safe_extract_tar(tmp_path / "lfs.tar.gz", tmp_path / "out")
    assert leftovers(tmp_path) == ["a.tar.gz", "cut.tar.gz", "lfs.tar.gz"]


def test_list_deepbind_supplement_pairs(tmp_path):
    for name in ("ARID3A_K562_ARID3A_(sc-8821)_Stanford", "MYC_H1-hESC_c-Myc_Stanford"):
        (tmp_path / f"{name}_AC.seq.gz").write_bytes(b"")
        (tmp_path / f"{name}_B.seq.gz").write_bytes(b"")
    (tmp_path / "LONELY_AC.seq.gz").write_bytes(b"")
    datasets = list_deepbind_datasets(tmp_path)
    assert [d[0] for d in datasets] == ["ARID3A_K562_ARID3A_(sc-8821)_Stanford", "MYC_H1-hESC_c-Myc_Stanford"]
    assert datasets[0][1].name.endswith("_AC.seq.gz") and datasets[0][2].name.endswith("_B.seq.gz")


@needs_shared
def test_list_shared_folders():
    assert len(list_deepbind_datasets(SHARED / "deepbind_encode")) == 10
    demo = list_deepbind_datasets(SHARED / "demo_format")  # only three have train.fa
    assert [d[0] for d in demo] == ["GABPA_K562_GABP_HudsonAlpha", "GATA1_K562_GATA-1_USC", "REST_K562_NRSF_HudsonAlpha"]


def test_list_bad_folders(tmp_path):
    with pytest.raises(InputError, match="no such directory"):
        list_deepbind_datasets(tmp_path / "absent")
    with pytest.raises(InputError, match="no datasets found"):
        list_deepbind_datasets(tmp_path)
    for d in ("a/X", "b/X"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "train.fa").write_bytes(DEMO_FA)
        (tmp_path / d / "test.fa").write_bytes(DEMO_FA)
    with pytest.raises(InputError, match="dataset 'X' found twice"):
        list_deepbind_datasets(tmp_path)
    bad = tmp_path / "c" / "bad name"
    bad.mkdir(parents=True)
    (bad / "train.fa").write_bytes(DEMO_FA)
    (bad / "test.fa").write_bytes(DEMO_FA)
    with pytest.raises(InputError, match="dataset name 'bad name' may only contain"):
        list_deepbind_datasets(tmp_path / "c")
