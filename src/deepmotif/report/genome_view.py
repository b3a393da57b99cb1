"""A genome browser view of a TF's tracks and motif instances: igv.js offline, and IGV desktop sessions.

igv.js (the ``igv`` package of the npm registry, MIT licence) is fetched once per machine by
``setup.sh`` (:func:`fetch_igv`: ``npm pack igv@IGV_VERSION`` into the per-user cache) and copied
beside the results (``results/igv/igv.min.js``), so pages open from ``file://`` with no network. A
page cannot read local files from ``file://``, so the view carries its data: the logit and
attribution of every architecture over the shown peaks (runs of equal values), the instances there,
and as the reference the sequences of the shown peaks only, one sequence per peak named by its
position (``chr8_51955_52454``): a page cannot carry a genome of gigabases.

For desktop IGV, :func:`session_xml` writes a session that loads the FASTA, every bigWig and every
instances BED at the strongest peak (paths relative to the session file, the genome's absolute).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from deepmotif.errors import InputError

log = logging.getLogger(__name__)

IGV_VERSION = "3.8.10"
IGV_FILES = ("igv.min.js", "LICENSE")


# --- igv.js ------------------------------------------------------------------------------------------

def igv_dir(version: str = IGV_VERSION) -> Path | None:
    """Where igv.js ``version`` is kept: ``$DEEPMOTIF_IGV_DIR``, else ``<user cache>/igv/<version>``."""
    from deepmotif.runtime.user_cache import cache_root

    if os.environ.get("DEEPMOTIF_IGV_DIR"):
        return Path(os.environ["DEEPMOTIF_IGV_DIR"]).expanduser()
    root = cache_root()
    return None if root is None else root / "igv" / version


def fetch_igv(version: str = IGV_VERSION, dest: str | os.PathLike | None = None) -> Path:
    """igv.js from the npm registry (``npm pack igv@version``), kept in :func:`igv_dir`; a no-op when present.

    Returns
    -------
    pathlib.Path
        The folder holding ``igv.min.js`` and its ``LICENSE``.

    Raises
    ------
    InputError
        No ``npm``, or ``npm pack`` failed (offline?).
    """
    folder = Path(dest) if dest is not None else igv_dir(version)
    if folder is None:
        raise InputError("DEEPMOTIF_CACHE_DIR is off: set DEEPMOTIF_IGV_DIR to a folder for igv.js")
    if all((folder / name).is_file() for name in IGV_FILES):
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise InputError(f"igv.js {version} is not in {folder} and there is no npm to fetch it "
                         "(Debian: apt-get install npm; or run setup.sh)")
    with tempfile.TemporaryDirectory(prefix="deepmotif-igv-") as tmp:
        done = subprocess.run([npm, "pack", f"igv@{version}", "--silent"], cwd=tmp, capture_output=True, text=True)
        archive = Path(tmp) / f"igv-{version}.tgz"
        if done.returncode != 0 or not archive.is_file():
            raise InputError(f"npm pack igv@{version} failed ({done.stderr.strip()[-300:]}); is the npm registry "
                             "reachable?")
        with tarfile.open(archive) as tar:
            members = {f"package/dist/{IGV_FILES[0]}": IGV_FILES[0], f"package/{IGV_FILES[1]}": IGV_FILES[1]}
            staged = Path(tmp) / "staged"
            staged.mkdir()
            for member, name in members.items():
                source = tar.extractfile(member)
                if source is None:
                    raise InputError(f"igv-{version}.tgz has no {member}")
                (staged / name).write_bytes(source.read())
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        partial.chmod(0o755)  # mkdtemp makes it 0700
        for name in IGV_FILES:
            shutil.copy2(staged / name, partial / name)
        if folder.exists():
            shutil.rmtree(folder)
        partial.rename(folder)
    log.info("igv.js %s → %s", version, folder)
    return folder


def bundle_igv(dest: str | os.PathLike, version: str = IGV_VERSION) -> Path:
    """Copy igv.js (and its licence) into the folder ``dest`` (``results/igv``); fetch it first if needed.

    Returns
    -------
    pathlib.Path
        ``dest/igv.min.js``.
    """
    from deepmotif.data.io import atomic_path

    source = fetch_igv(version)
    dest = Path(dest)
    for name in IGV_FILES:
        with atomic_path(dest / name) as tmp:
            shutil.copyfile(source / name, tmp)
    return dest / IGV_FILES[0]


# --- data of the view --------------------------------------------------------------------------------

@dataclass
class ModelTracks:
    """The files of one architecture: ``logit`` and ``attribution`` bigWigs, ``instances`` BED."""

    logit: str
    attribution: str
    instances: str


def top_loci(regions: pd.DataFrame, logit_bw: str | os.PathLike, n: int) -> pd.DataFrame:
    """The ``n`` regions with the highest peak of the logit track, strongest first (``chrom start end max_logit``)."""
    from deepmotif.apply.tracks import read_track

    means = [float(np.nanmax(read_track(logit_bw, c, s, e))) for c, s, e in
             regions[["chrom", "start", "end"]].itertuples(index=False)]
    table = regions[["chrom", "start", "end"]].assign(max_logit=means)
    return table.sort_values("max_logit", ascending=False, kind="stable").head(n).reset_index(drop=True)


def locus_name(chrom: str, start: int, end: int) -> str:
    """The name of a shown locus, and of its sequence in the view: ``chr8_51955_52454`` (1-based, inclusive).

    No ``:`` in it: igv.js would read ``chr8:51955-52454`` as a position on ``chr8``.
    """
    return f"{chrom}_{start + 1}_{end}"


def locus_string(chrom: str, start: int, end: int) -> str:
    """What igv.js is asked to show for a locus: its whole sequence, ``chr8_51955_52454:1-500``.

    A bare name would first be searched as a feature name on the internet.
    """
    return f"{locus_name(chrom, start, end)}:1-{end - start}"


def wig_features(bw: str | os.PathLike, loci: pd.DataFrame, digits: int = 3) -> list[dict]:
    """igv.js wig features ``{chr, start, end, value}`` of a bigWig over ``loci``, in the coordinates of each
    locus's own sequence (:func:`locus_name`): runs of equal rounded values."""
    from deepmotif.apply.tracks import read_track

    features = []
    for chrom, start, end in loci[["chrom", "start", "end"]].itertuples(index=False):
        values = np.round(read_track(bw, chrom, start, end).astype(np.float64), digits)
        breaks = np.flatnonzero(np.diff(values) != 0) + 1
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(values)]):
            if not np.isnan(values[a]):
                features.append({"chr": locus_name(chrom, start, end), "start": int(a), "end": int(b),
                                 "value": float(values[a])})
    return features


def instance_features(bed: str | os.PathLike, loci: pd.DataFrame) -> list[dict]:
    """igv.js annotation features of the instances inside ``loci`` (named by JASPAR name, else pattern), in
    the coordinates of each locus's sequence."""
    from deepmotif.interpret.instances import read_instances

    hits = read_instances(bed)
    features = []
    for chrom, start, end in loci[["chrom", "start", "end"]].itertuples(index=False):
        inside = hits[(hits["chrom"] == chrom) & (hits["start"] >= start) & (hits["end"] <= end)]
        features += [{"chr": locus_name(chrom, start, end), "start": int(r.start - start), "end": int(r.end - start),
                      "strand": r.strand, "name": r.jaspar if r.jaspar not in ("", ".") else r.pattern,
                      "score": float(r.score), "pattern": r.pattern, "attribution": float(r.attribution),
                      "position": locus_name(chrom, int(r.start), int(r.end))}
                     for r in inside.itertuples(index=False)]
    return features


def view_options(tf: str, genome, loci: pd.DataFrame, models: Mapping[str, ModelTracks]) -> dict:
    """igv.js ``createBrowser`` options: the loci's sequences as the reference (one sequence per locus, named
    by its position, so a view of a few peaks does not carry a genome), three tracks per architecture."""
    import base64

    fasta = "".join(f">{locus_name(c, s, e)}\n{genome[c][s:e]}\n"
                    for c, s, e in loci[["chrom", "start", "end"]].itertuples(index=False))
    tracks = []
    for arch, files in models.items():
        tracks += [
            {"name": f"{arch} logit", "type": "wig", "features": wig_features(files.logit, loci),
             "color": "#1d3557", "height": 60, "autoscale": True},
            {"name": f"{arch} attribution", "type": "wig", "features": wig_features(files.attribution, loci),
             "color": "#2a9d8f", "altColor": "#e63946", "height": 70, "autoscale": True},
            {"name": f"{arch} instances", "type": "annotation", "displayMode": "EXPANDED", "height": 50,
             "features": instance_features(files.instances, loci), "color": "#6a4c93"},
        ]
    first = loci.iloc[0]
    return {"reference": {"id": tf, "name": tf, "indexed": False,
                          "fastaURL": "data:text/plain;base64," + base64.b64encode(fasta.encode()).decode()},
            "locus": locus_string(first["chrom"], int(first["start"]), int(first["end"])),
            "loadDefaultGenomes": False, "showChromosomeWidget": True, "tracks": tracks}


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; margin: 0.8em; color: #222; }}
h1 {{ font-size: 1.3em; margin: 0 0 0.3em 0; }}
p.how {{ color: #555; max-width: 70em; margin: 0 0 0.5em 0; }}
button {{ margin: 0 0.4em 0.4em 0; }}
#igv {{ border: 1px solid #ddd; min-height: 300px; }}
</style>
<script src="{igv_src}"></script>
</head>
<body>
<h1>{title}</h1>
<p class="how">Each peak is shown as its own sequence, named by its position (coordinates on the ruler
count from the peak's start; the IGV session file has genome coordinates). The {n} strongest tracked peaks (by the highest logit of {first_arch}). Per architecture: the logit per base
(mean over the {length}-bp windows covering it, both strands), the attribution of the reference base, and the motif
instances called on it (Fi-NeMo). Drag to move, scroll or +/- to zoom; the buttons jump to a peak.</p>
<div id="loci">{buttons}</div>
<div id="igv"></div>
<script>
const options = {options};
igv.createBrowser(document.getElementById("igv"), options).then(function (browser) {{
  window.igvBrowser = browser;
  document.querySelectorAll("#loci button").forEach(function (b) {{
    b.addEventListener("click", function () {{ browser.search(b.dataset.locus); }});
  }});
  document.body.dataset.ready = "true";
}}).catch(function (err) {{ console.error("igv: " + err); }});
</script>
</body>
</html>
"""


def genome_view_html(tf: str, genome, loci: pd.DataFrame, models: Mapping[str, ModelTracks],
                     igv_src: str, length: int) -> str:
    """The page: igv.js from ``igv_src`` (relative to the page) and the data of :func:`view_options`."""
    import html

    options = json.dumps(view_options(tf, genome, loci, models), separators=(",", ":")).replace("</", "<\\/")
    buttons = "".join(
        f'<button data-locus="{html.escape(locus_string(c, s, e))}">{html.escape(f"{c}:{s + 1:,}-{e:,}")} '
        f"(logit up to {m:.1f})</button>" for c, s, e, m in loci.itertuples(index=False))
    return PAGE.format(title=html.escape(f"{tf}: genome view"), igv_src=html.escape(igv_src), n=len(loci),
                       first_arch=html.escape(next(iter(models))), length=length, buttons=buttons, options=options)


def session_xml(genome: str | os.PathLike, models: Mapping[str, ModelTracks], locus: str,
                base: str | os.PathLike) -> str:
    """An IGV desktop session: the genome FASTA (absolute path) and every track, relative to ``base``
    (the session file's folder)."""

    def rel(path: str) -> str:
        return os.path.relpath(Path(path).resolve(), Path(base).resolve())

    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
             f'<Session genome={quoteattr(str(Path(genome).resolve()))} locus={quoteattr(locus)} version="8">',
             "    <Resources>"]
    for arch, files in models.items():
        for kind, path in (("logit", files.logit), ("attribution", files.attribution),
                           ("instances", files.instances)):
            lines.append(f"        <Resource name={quoteattr(f'{arch} {kind}')} path={quoteattr(rel(path))}/>")
    lines += ["    </Resources>", "</Session>", ""]
    return "\n".join(lines)


def write_genome_view(tf: str, genome: str | os.PathLike, regions: pd.DataFrame, models: Mapping[str, ModelTracks],
                      igv_js: str | os.PathLike, output: str | os.PathLike, session: str | os.PathLike | None = None,
                      n_peaks: int = 3, length: int = 101) -> pd.DataFrame:
    """Write the genome view page (and the IGV session); return the loci shown."""
    from deepmotif.apply.predict import open_genome
    from deepmotif.data.io import atomic_path

    if not models:
        raise InputError(f"genome view of {tf}: no tracks given")
    if not Path(igv_js).is_file():
        raise InputError(f"{igv_js}: igv.js not found; run deepmotif bundle-igv (or setup.sh)")
    loci = top_loci(regions, next(iter(models.values())).logit, max(n_peaks, 1))
    src = os.path.relpath(Path(igv_js).resolve(), Path(output).resolve().parent)
    page = genome_view_html(tf, open_genome(genome), loci, models, Path(src).as_posix(), length)
    with atomic_path(output) as tmp:
        Path(tmp).write_text(page)
    if session is not None:
        first = loci.iloc[0]
        locus = f"{first['chrom']}:{int(first['start']) + 1}-{int(first['end'])}"
        with atomic_path(session) as tmp:
            Path(tmp).write_text(session_xml(genome, models, locus, Path(session).parent))
    return loci
