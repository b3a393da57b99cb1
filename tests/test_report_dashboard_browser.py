"""The dashboard and the index in headless Chromium, from file:// with the network unused.

The browser tests are marked ``browser``; they are skipped when Chromium or aiohttp (the DevTools
client) is missing, and fail instead under ``CI=true`` (Debian: ``apt-get install -y chromium``).
Screenshots are kept in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _browser import inspect_page, require_browser, running_in_ci
from _trained_tf import N_SEQUENCES, trained_tf

ARTIFACTS = Path(__file__).parent / "artifacts"
BODY_FONT = "getComputedStyle(document.body).fontFamily"


@pytest.fixture
def chromium() -> str:
    return require_browser()

# Choose the last sequence in the selector; report which panels are visible afterwards.
SELECT_LAST = """(() => {
  const select = document.getElementById("seq-select");
  select.value = String(select.options.length - 1);
  select.dispatchEvent(new Event("change"));
  return Array.from(document.querySelectorAll(".seq-panel")).map(p => !p.hidden);
})()"""


def _local_requests(report) -> list[str]:
    return [u for u in report.requests if not u.startswith(("data:", "file:"))]


@pytest.mark.browser
def test_dashboard_loads_every_image_without_errors(chromium):
    page = trained_tf()["dashboard"]
    report = inspect_page(page, chromium, script=SELECT_LAST, full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dashboard.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert _local_requests(report) == []                      # nothing but the file and its data: URIs
    assert len(report.images) >= 3 * N_SEQUENCES + 2
    broken = [i["src"] for i in report.images if not (i["complete"] and i["width"] > 0 and i["height"] > 0)]
    assert broken == []
    assert report.result == [False] * (N_SEQUENCES - 1) + [True]  # the selector shows one sequence


@pytest.mark.browser
def test_index_loads_without_errors(chromium):
    page = trained_tf()["index"]
    report = inspect_page(page, chromium, script="document.querySelector('a[href$=\"dashboard.html\"]').href")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "index.png").write_bytes(report.screenshot)
    assert report.errors == [] and _local_requests(report) == []
    assert report.result.startswith("file://") and report.result.endswith("/dashboard.html")


PAGE_OVERFLOW = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.mark.browser
def test_wide_tables_scroll_inside_the_page(chromium):
    # the ground-truth tables are wider than a laptop screen: they scroll on their own, the page does not
    for page in (trained_tf()["dashboard"], trained_tf()["index"]):
        scroll, client = inspect_page(page, chromium, width=800, script=PAGE_OVERFLOW).result
        assert scroll <= client, (page, scroll, client)


@pytest.mark.browser
def test_pages_use_their_stylesheet(chromium):
    # what a person sees: the page's font rule applies (an HTML-escaped stylesheet left the browser default)
    for page in (trained_tf()["dashboard"], trained_tf()["index"]):
        font = inspect_page(page, chromium, script=BODY_FONT).result
        assert font.startswith("system-ui") and '"Segoe UI"' in font, (page, font)


def test_stylesheet_is_not_html_escaped():
    from deepmotif.report.dashboard import STYLE, render_index

    auc = pd.DataFrame({"tf": ["CTCF"], "arch": ["cnn"], "test_auroc": [0.9], "test_auprc": [0.8]})
    html = render_index(auc, {"CTCF": "CTCF/dashboard.html"}, {"CTCF": "<b>"}, top=10, max_q=0.01)
    assert f"<style>{STYLE}</style>" in html and "&#34;" not in html
    assert "&lt;b&gt;" in html  # the data is still escaped


def test_browser_tests_fail_under_ci_without_chromium(monkeypatch):
    import _browser

    monkeypatch.setattr(_browser, "find_chromium", lambda: None)
    monkeypatch.setenv("CI", "true")
    assert running_in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI is set but browser tests: no chromium"):
        require_browser()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        require_browser()


def test_dashboard_takes_a_description_starting_with_a_dash():
    # the rule passes --description={params.description:q}: a value starting with "-" is not an option
    from deepmotif.cli import build_parser
    from deepmotif.plan.results import MODEL_FILES

    files = [arg for name in MODEL_FILES for arg in (f"--{name.replace('_', '-')}", f"cnn={name}")]
    args = build_parser().parse_args([
        "dashboard", "--tf=CTCF", "--description=-x: a leading dash", *files, "--settings={}", "--performance-out=a.png",
        "--training-out=b.png", "--saliency-figures=s", "--temporal-figures=t", "--ism-figures=i",
        "--motif-figures", "cnn=m", "--index-page=index.html", "-o", "d.html"])
    assert args.description == "-x: a leading dash" and args.metrics == [("cnn", "metrics")]


def test_dashboard_and_index_show_the_composition_baseline():
    # the trained TF's negatives are dinucleotide shuffles: composition alone is worth exactly chance
    import json

    f = trained_tf()
    check = json.loads(f["composition"].read_text())
    assert check["test_auroc"] == 0.5 and check["positives"]["gc"] == check["negatives"]["gc"]
    page = f["dashboard"].read_text()
    assert '<td class="l">composition only (GC + CpG)</td><td>0.5000</td>' in page
    assert 'alt="GC content and CpG observed/expected of positives and negatives' in page
    assert (f["figures"] / "composition.png").stat().st_size > 1000
    index = f["index"].read_text()
    assert "composition AUROC</th>" in index
    row = index[index.index('dashboard.html">dashboard</a>'):].split("</tr>")[0]
    assert row.count("<td>") == 2 and "<td>0.5000</td>" in row  # the cnn AUROC, then the baseline's


def test_dashboard_composition_options_go_together(capsys):
    from deepmotif.cli import main
    from deepmotif.plan.results import MODEL_FILES

    files = [arg for name in MODEL_FILES for arg in (f"--{name.replace('_', '-')}", f"cnn={name}")]
    status = main(["dashboard", "--tf=CTCF", "--description=", *files, "--settings={}", "--performance-out=a.png",
                   "--training-out=b.png", "--saliency-figures=s", "--temporal-figures=t", "--ism-figures=i",
                   "--motif-figures", "cnn=m", "--index-page=index.html", "-o", "d.html",
                   "--sequences=sequences.tsv", "--composition-out=c.png"])
    assert status == 2
    assert "--sequences, --composition-out and --composition-table go together" in capsys.readouterr().err
