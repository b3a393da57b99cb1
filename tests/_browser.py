"""Open a page in headless Chromium over the DevTools protocol (aiohttp's websocket, no extra packages).

:func:`inspect_page` loads a ``file://`` page with the network cut off, collects console errors,
uncaught exceptions and failed loads, reports every ``<img>`` and can run a script and take a
full-page screenshot. Used by tests/test_report_dashboard_browser.py and to make docs/dashboard.png::

    python tests/_browser.py results/CTCF/dashboard.html docs/dashboard.png
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--disable-dev-shm-usage", "--remote-debugging-port=0"]


def running_in_ci() -> bool:
    """True under CI (``CI=true``, as GitHub Actions and GitLab set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_browser() -> str:
    """The Chromium executable, after checking that the DevTools client (aiohttp) imports.

    Missing either, the calling test is skipped, or fails under CI (``CI=true``), where a skipped
    browser test would hide that the pages were never opened.
    """
    import pytest

    problems = []
    chromium = find_chromium()
    if chromium is None:
        problems.append("no chromium executable (Debian: apt-get install -y chromium)")
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        problems.append("the DevTools client needs aiohttp (pip install -r requirements.txt)")
    if problems:
        message = "browser tests: " + "; ".join(problems)
        if running_in_ci():
            pytest.fail(f"CI is set but {message}", pytrace=False)
        pytest.skip(message)
    return chromium


def find_chromium() -> str | None:
    """Path of a Chromium executable (Debian's ``chromium`` first), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What happened while a page loaded."""

    errors: list[str] = field(default_factory=list)       # console errors, exceptions, failed loads
    images: list[dict] = field(default_factory=list)      # {src, complete, width, height} per <img>
    requests: list[str] = field(default_factory=list)     # every URL the page asked for
    result: object = None                                 # value of the script run after load
    screenshot: bytes | None = None


async def _inspect(url: str, chromium: str, width: int, height: int, script: str | None,
                   full_page: bool, timeout: float) -> PageReport:
    import aiohttp

    report = PageReport()
    # Chromium's helpers (zygote, crashpad handler) can outlive the browser and still write to the profile: the
    # browser runs in a process group of its own, killed whole after it exits; a file written after that must
    # not fail the test's cleanup (a flaky "Directory not empty: 'Default'").
    with tempfile.TemporaryDirectory(prefix="deepmotif-chromium-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                 f"--window-size={width},{height}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            ws_url = await asyncio.wait_for(asyncio.to_thread(_devtools_url, proc), timeout)
            async with aiohttp.ClientSession() as http, http.ws_connect(ws_url, max_msg_size=0) as ws:
                counter = 0
                events: asyncio.Queue = asyncio.Queue()
                pending: dict[int, asyncio.Future] = {}

                async def reader():
                    async for msg in ws:
                        data = json.loads(msg.data)
                        if "id" in data and data["id"] in pending:
                            pending.pop(data["id"]).set_result(data)
                        else:
                            await events.put(data)

                async def send(method, params=None, session=None):
                    nonlocal counter
                    counter += 1
                    future = asyncio.get_running_loop().create_future()
                    pending[counter] = future
                    message = {"id": counter, "method": method, "params": params or {}}
                    if session:
                        message["sessionId"] = session
                    await ws.send_str(json.dumps(message))
                    data = await asyncio.wait_for(future, timeout)
                    if "error" in data:
                        raise RuntimeError(f"{method}: {data['error']}")
                    return data.get("result", {})

                task = asyncio.create_task(reader())
                target = await send("Target.createTarget", {"url": "about:blank"})
                session = (await send("Target.attachToTarget", {"targetId": target["targetId"],
                                                                "flatten": True}))["sessionId"]
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await send(f"{domain}.enable", session=session)
                await send("Page.navigate", {"url": url}, session)
                loop = asyncio.get_running_loop()
                deadline = loop.time() + timeout
                loaded = False
                while True:
                    try:
                        event = await asyncio.wait_for(events.get(), 0.5 if loaded else deadline - loop.time())
                    except asyncio.TimeoutError:
                        if loaded:
                            break  # quiet for half a second after load
                        raise RuntimeError(f"{url} did not load within {timeout} s") from None
                    method, params = event.get("method"), event.get("params", {})
                    if method == "Page.loadEventFired":
                        loaded = True
                    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                        report.errors.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                                    for a in params.get("args", [])))
                    elif method == "Runtime.exceptionThrown":
                        details = params.get("exceptionDetails", {})
                        report.errors.append("exception: " + details.get("exception", {}).get(
                            "description", details.get("text", "")))
                    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                        report.errors.append("log: " + params["entry"].get("text", ""))
                    elif method == "Network.requestWillBeSent":
                        report.requests.append(params["request"]["url"])
                    elif method == "Network.loadingFailed":
                        report.errors.append(f"failed load: {params.get('errorText')}")
                images = await send("Runtime.evaluate", {"expression": (
                    "JSON.stringify(Array.from(document.images).map(i => ({src: i.src.slice(0, 64), "
                    "complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})))"),
                    "returnByValue": True}, session)
                report.images = json.loads(images["result"]["value"])
                if script:
                    value = await send("Runtime.evaluate", {"expression": script, "returnByValue": True,
                                                            "awaitPromise": True}, session)
                    report.result = value.get("result", {}).get("value")
                if full_page:
                    metrics = await send("Page.getLayoutMetrics", session=session)
                    size = metrics.get("cssContentSize") or metrics["contentSize"]
                    shot = await send("Page.captureScreenshot", {
                        "format": "png", "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": 0, "width": width, "height": min(size["height"], 16000),
                                 "scale": 1}}, session)
                else:
                    shot = await send("Page.captureScreenshot", {"format": "png"}, session)
                report.screenshot = base64.b64decode(shot["data"])
                task.cancel()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the helpers left in its group
            except ProcessLookupError:
                pass
    return report


def _devtools_url(proc: subprocess.Popen) -> str:
    for line in proc.stderr:
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            return match.group(1)
    raise RuntimeError(f"chromium exited ({proc.wait()}) without a DevTools address")


def inspect_page(path: str | os.PathLike, chromium: str | None = None, width: int = 1400, height: int = 1000,
                 script: str | None = None, full_page: bool = False, timeout: float = 60.0) -> PageReport:
    """Load a local HTML file in headless Chromium and report errors, images and a screenshot."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no chromium executable (Debian: apt-get install chromium)")
    url = Path(path).resolve().as_uri()
    return asyncio.run(_inspect(url, chromium, width, height, script, full_page, timeout))


if __name__ == "__main__":
    page, out = sys.argv[1], sys.argv[2]
    result = inspect_page(page, height=int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
    Path(out).write_bytes(result.screenshot)
    print(f"{len(result.images)} images, errors: {result.errors or 'none'} → {out}")
