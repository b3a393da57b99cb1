"""The dashboard and the index in headless Chromium, from file:// with the network unused.

Marked ``browser``; skipped when no Chromium is installed (Debian: ``apt-get install -y chromium``).
Screenshots are kept in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _browser import find_chromium, inspect_page
from _trained_tf import N_SEQUENCES, trained_tf

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="needs chromium (apt-get install -y chromium)"),
]
pytest.importorskip("aiohttp", reason="the DevTools client uses aiohttp (installed with pytorch-lightning)")

# Choose the last sequence in the selector; report which panels are visible afterwards.
SELECT_LAST = """(() => {
  const select = document.getElementById("seq-select");
  select.value = String(select.options.length - 1);
  select.dispatchEvent(new Event("change"));
  return Array.from(document.querySelectorAll(".seq-panel")).map(p => !p.hidden);
})()"""


def _local_requests(report) -> list[str]:
    return [u for u in report.requests if not u.startswith(("data:", "file:"))]


def test_dashboard_loads_every_image_without_errors():
    page = trained_tf()["dashboard"]
    report = inspect_page(page, script=SELECT_LAST, full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dashboard.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert _local_requests(report) == []                      # nothing but the file and its data: URIs
    assert len(report.images) >= 3 * N_SEQUENCES + 2
    broken = [i["src"] for i in report.images if not (i["complete"] and i["width"] > 0 and i["height"] > 0)]
    assert broken == []
    assert report.result == [False] * (N_SEQUENCES - 1) + [True]  # the selector shows one sequence


def test_index_loads_without_errors():
    page = trained_tf()["index"]
    report = inspect_page(page, script="document.querySelector('a[href$=\"dashboard.html\"]').href")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "index.png").write_bytes(report.screenshot)
    assert report.errors == [] and _local_requests(report) == []
    assert report.result.startswith("file://") and report.result.endswith("/dashboard.html")
