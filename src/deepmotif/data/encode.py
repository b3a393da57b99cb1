"""The ENCODE portal client: file metadata by accession and verified narrowPeak downloads."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from deepmotif.data.http import USER_AGENT, DownloadError, download, error_reason, http_error
from deepmotif.errors import InputError
from deepmotif.data.io import gzip_ok

log = logging.getLogger(__name__)

ENCODE_URL = "https://www.encodeproject.org"
ENCODE_ACCESSION = re.compile(r"ENCFF[0-9A-Z]{6}")
# hgNN (UCSC) and GRCxNN (Ensembl/NCBI, used by the ENCODE portal) name the same assemblies
ASSEMBLY_ALIASES = {"hg38": "grch38", "hg19": "grch37", "mm10": "grcm38", "mm39": "grcm39", "mm9": "ncbim37"}


def _check_accession(accession: str) -> None:
    if not ENCODE_ACCESSION.fullmatch(str(accession)):
        raise InputError(
            f"{accession!r} is not an ENCODE file accession: expected ENCFF followed by 6 upper-case "
            f"letters/digits, e.g. ENCFF618VMC (use the accession of the peak file, not of the experiment)"
        )


def encode_file_metadata(
    accession: str,
    base_url: str = ENCODE_URL,
    *,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60,
) -> dict:
    """Metadata of an ENCODE file from ``{base_url}/files/{accession}/?format=json``.

    Returns
    -------
    dict
        The portal's JSON object; used fields: ``md5sum assembly file_format output_type status href``.

    Raises
    ------
    InputError
        Malformed accession, unknown accession (HTTP 404), or an answer that is not JSON.
    """
    _check_accession(accession)
    url = f"{base_url.rstrip('/')}/files/{accession}/?format=json"
    body = _get_bytes(url, retries, backoff, timeout, accession)
    try:
        meta = json.loads(body)
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise InputError(f"{url} did not return a JSON object; check that base_url points at the ENCODE portal")
    return meta


def _get_bytes(url: str, retries: int, backoff: float, timeout: float, accession: str) -> bytes:
    """GET a small document into memory with the same retry policy as :func:`download`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 404:
                raise DownloadError(
                    f"unknown ENCODE accession {accession}: {url} returned HTTP 404; check the accession "
                    f"(it must name a file, ENCFF..., that exists on the portal)", status=404
                ) from e
            if e.code < 500 and e.code not in (408, 429):
                raise http_error(url, e.code, e.reason) from e
            error = f"HTTP {e.code} {e.reason}"
        except (OSError, http.client.HTTPException) as e:
            error = error_reason(e)
        if attempt < retries:
            wait = min(backoff * 2**attempt, 60.0)
            log.warning("fetching %s failed (%s); retry %d/%d in %.1f s", url, error, attempt + 1, retries,
                        wait)
            time.sleep(wait)
    raise DownloadError(
        f"could not fetch {url} after {retries + 1} attempts (last error: {error}); check the network "
        f"connection and proxy settings (https_proxy)"
    )


def same_assembly(a: str, b: str) -> bool:
    """True if two assembly names denote the same genome (``hg38`` = ``GRCh38``, ``hg19`` = ``GRCh37``)."""
    return _assembly_key(a) == _assembly_key(b)


def _assembly_key(name: str) -> str:
    key = str(name).strip().lower().removesuffix("-minimal")
    return ASSEMBLY_ALIASES.get(key, key)


def download_encode_peaks(
    accession: str,
    genome: str,
    dest: str | os.PathLike,
    base_url: str = ENCODE_URL,
    **kwargs,
) -> dict:
    """Download an ENCODE narrowPeak file after checking its metadata; verify md5 and content.

    Parameters
    ----------
    accession: str
        ENCODE file accession, ``ENCFF`` + 6 letters/digits (e.g. ``ENCFF618VMC``).
    genome: str
        Assembly the peaks must be on (``hg38``/``GRCh38``, ``hg19``/``GRCh37``, ...).
    dest: path
        Destination ``.bed.gz``; written only when the md5 matches and it parses as narrowPeak.
    base_url: str, optional
        ENCODE portal root. Default ``https://www.encodeproject.org``.
    **kwargs
        ``retries backoff timeout progress`` as in :func:`download`.

    Returns
    -------
    dict
        The file's ENCODE metadata plus ``n_peaks`` and ``url`` (for provenance).
    """
    _check_accession(accession)
    fetch = {k: kwargs[k] for k in ("retries", "backoff", "timeout") if k in kwargs}
    meta = encode_file_metadata(accession, base_url, **fetch)
    _check_encode_metadata(accession, genome, meta)
    served = str(meta.get("accession") or accession)
    if served != accession and ENCODE_ACCESSION.fullmatch(served):
        log.warning("ENCODE file %s was replaced by %s; downloading %s", accession, served, served)
        accession = served
    url = f"{base_url.rstrip('/')}/files/{accession}/@@download/{accession}.bed.gz"
    counts = {}

    def check(path: Path) -> None:
        counts["n_peaks"] = _check_narrowpeak_gz(path, url)

    download(url, dest, md5=meta.get("md5sum"), check=check, **kwargs)
    log.info("ENCODE %s: %d peaks (%s, %s) -> %s", accession, counts["n_peaks"], meta.get("assembly"),
             meta.get("output_type"), dest)
    return {**meta, "n_peaks": counts["n_peaks"], "url": url}


def _check_encode_metadata(accession: str, genome: str, meta: dict) -> None:
    status = str(meta.get("status", ""))
    if status in ("revoked", "deleted"):
        raise InputError(
            f"ENCODE file {accession} has status {status!r}: ENCODE withdrew it; pick a released peak "
            f"file of the same experiment"
        )
    if status not in ("released", "archived", ""):
        log.warning("ENCODE file %s has status %r (not 'released')", accession, status)
    assembly = meta.get("assembly")
    if not assembly:
        raise InputError(
            f"ENCODE file {accession} has no assembly in its metadata; use a peak file mapped to {genome}"
        )
    if not same_assembly(assembly, genome):
        raise InputError(
            f"ENCODE file {accession} is on assembly {assembly} but the genome asked for is {genome}: "
            f"use the {genome} peak file of the same experiment (the experiment page lists one per "
            f"assembly) or set genome to {assembly} with a matching genome FASTA"
        )
    file_format = str(meta.get("file_format", ""))
    file_type = str(meta.get("file_type", "") or meta.get("file_format_type", ""))
    if file_format != "bed" or (file_type and "narrowPeak" not in file_type):
        raise InputError(
            f"ENCODE file {accession} is {file_format or '?'} ({file_type or 'no file_type'}), not a "
            f"narrowPeak BED file: use the accession of a 'bed narrowPeak' file (e.g. IDR thresholded peaks)"
        )
    if "peak" not in str(meta.get("output_type", "")).lower():
        log.warning("ENCODE file %s has output_type %r", accession, meta.get("output_type"))
    if not meta.get("md5sum"):
        log.warning("ENCODE file %s has no md5sum; the download cannot be verified", accession)


def _check_narrowpeak_gz(path: Path, url: str) -> int:
    from deepmotif.data.readers import read_narrowpeak

    if not gzip_ok(path):
        raise DownloadError(f"{url} is not a complete gzip file (truncated or not compressed); download again")
    try:
        return len(read_narrowpeak(path))
    except InputError as e:
        raise DownloadError(f"{url} is not a valid narrowPeak file: {e}") from e
