"""A loopback HTTP server for download tests: ENCODE-portal paths plus fault injection.

A real :class:`http.server.ThreadingHTTPServer` on ``127.0.0.1`` (port 0) runs in a daemon thread and
serves byte strings registered per path. Faults are injected for the first ``fail_first`` requests
of a route, then the route answers normally, so retries and resumes are exercised for real:

``"drop"``
    send the status line and headers with the full ``Content-Length``, write half of the body,
    then shut the socket down (the client sees a short read).
``"500"``
    answer ``500 Internal Server Error``.
``"delay"``
    sleep ``delay`` seconds before answering (client time-outs).

Routes answer ``Range: bytes=N-`` with ``206 Partial Content`` when ``ranges=True`` and ignore the
header (``200`` and the whole body) when ``ranges=False``. Every route sends validators as real servers
do: an ``ETag`` (by default the quoted md5 of its body, so registering a new body at the same path is
a changed file; ``etag=None`` sends none) and, if given, ``Last-Modified``. A ``Range`` request with
``If-Range`` is honoured only when the validator matches the current one, otherwise the whole body
comes back with ``200`` (RFC 9110 13.1.5); ``honour_if_range=False`` mimics a server that ignores it. :meth:`FixtureServer.redirect` answers
with a 302 (as the ENCODE portal does to S3). Unregistered paths answer 404. Every request is
recorded (path and headers) in :attr:`FixtureServer.requests`.

Examples
--------
>>> with FixtureServer() as server:                     # doctest: +SKIP
...     server.add("/x.bin", b"abc", fail_first=1, fault="drop")
...     download(server.url("/x.bin"), "x.bin", backoff=0)
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

RANGE = re.compile(r"bytes=(\d+)-$")


@dataclass
class Route:
    """What one path answers; ``fail_first`` requests get ``fault`` first."""

    body: bytes
    status: int = 200
    content_type: str = "application/octet-stream"
    ranges: bool = True
    fail_first: int = 0
    fault: str = "drop"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = "auto"
    last_modified: str | None = None
    honour_if_range: bool = True
    served: int = 0

    def __post_init__(self):
        if self.etag == "auto":
            self.etag = f'"{hashlib.md5(self.body).hexdigest()}"'

    def validators(self) -> dict[str, str]:
        out = {"ETag": self.etag, "Last-Modified": self.last_modified}
        return {k: v for k, v in out.items() if v}


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def range(self) -> str | None:
        return self.headers.get("range")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def do_GET(self):  # noqa: N802 - http.server naming
        fixture = self.server.fixture
        fixture._record(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = fixture._route(self.path)
        if route is None:
            return self._send(404, b"not found\n", "text/plain")
        with fixture._lock:
            route.served += 1
            failing = route.served <= route.fail_first
        if failing and route.fault == "500":
            return self._send(500, b"server error\n", "text/plain")
        if failing and route.fault == "delay":
            time.sleep(route.delay)
        if route.status != 200:
            return self._send(route.status, route.body, route.content_type, route.headers)

        body, status, headers = route.body, 200, route.validators()
        match = RANGE.match(self.headers.get("Range", "")) if route.ranges else None
        if_range = self.headers.get("If-Range")
        if match and if_range is not None and route.honour_if_range:
            if if_range not in (route.etag, route.last_modified) or if_range.startswith("W/"):
                match = None  # the file changed since the client's partial copy: send it whole
        if match:
            start = int(match.group(1))
            if start >= len(body):
                return self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(body)}"})
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
            body, status = body[start:], 206
        if route.ranges:
            headers["Accept-Ranges"] = "bytes"
        if failing and route.fault == "drop":
            return self._drop(status, body, route.content_type, headers)
        return self._send(status, body, route.content_type, headers)

    def _headers(self, status: int, length: int, content_type: str, extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
        self._headers(status, len(body), content_type, extra)
        self.wfile.write(body)

    def _drop(self, status: int, body: bytes, content_type: str, extra: dict):
        """Promise the whole body, write half of it, then cut the connection."""
        self._headers(status, len(body), content_type, extra)
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    fixture: FixtureServer

    def handle_error(self, request, client_address):
        """Stay quiet when a client hangs up (time-out tests); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FixtureServer:
    """Serve registered byte strings on ``127.0.0.1`` in a background thread.

    Use as a context manager or through the :func:`http_server` pytest fixture.
    """

    def __init__(self):
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fixture = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes, **kwargs) -> Route:
        """Register ``body`` at ``path`` (with or without a query string); kwargs as :class:`Route`."""
        route = Route(body=body, **kwargs)
        with self._lock:
            self._routes[path] = route
        return route

    def redirect(self, path: str, target: str, status: int = 302) -> Route:
        """Answer ``path`` with a redirect to ``target`` (as the ENCODE portal does to S3)."""
        return self.add(path, b"", status=status, headers={"Location": target})

    def add_encode_file(
        self,
        accession: str,
        body: bytes,
        *,
        assembly: str = "GRCh38",
        md5sum: str | None = None,
        status: str = "released",
        file_format: str = "bed",
        output_type: str = "conservative IDR thresholded peaks",
        **kwargs,
    ) -> dict:
        """Serve ``body`` as ENCODE file ``accession``: metadata JSON and ``@@download`` path.

        ``md5sum`` defaults to the body's true md5; kwargs (faults) apply to the download route.
        """
        href = f"/files/{accession}/@@download/{accession}.bed.gz"
        meta = {
            "accession": accession,
            "md5sum": md5sum or hashlib.md5(body).hexdigest(),
            "assembly": assembly,
            "file_format": file_format,
            "file_type": f"{file_format} narrowPeak",
            "output_type": output_type,
            "status": status,
            "href": href,
            "file_size": len(body),
        }
        self.add(f"/files/{accession}/?format=json", json.dumps(meta).encode(), content_type="application/json")
        self.add(href, body, content_type="application/gzip", **kwargs)
        return meta

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _route(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path) or self._routes.get(path.split("?", 1)[0])


def gz(data: bytes) -> bytes:
    """Gzip ``data`` reproducibly (fixed mtime)."""
    return gzip.compress(data, mtime=0)


@pytest.fixture
def http_server():
    """A running :class:`FixtureServer`, shut down after the test."""
    with FixtureServer() as server:
        yield server
