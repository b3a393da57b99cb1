"""The genome view (deepmotif.report.genome_view) of the small CNN of tests/_trained_tf.py in headless
Chromium, from file:// with the network unused (marked ``browser``: skipped without Chromium)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def trained_tracks() -> dict:
    """:func:`_trained_tf.trained_tracks`: the trained CNN's tracks and instances over its test peaks."""
    from _trained_tf import trained_tracks

    return trained_tracks()


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
