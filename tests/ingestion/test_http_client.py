"""The HTTP client's transport against real local servers: a corporate proxy from the environment, redirects,
gzip bodies, JSON and form bodies, timeouts. (The platforms' own behaviour is tested with the sandbox.)"""

from __future__ import annotations

import gzip
import json
import threading
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingestion.runtime.errors import CircuitOpenError
from ingestion.runtime.http import HttpClient


class _Api(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict, bytes]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for k, v in {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **(headers or {}),
        }.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.seen.append(("GET", self.path, dict(self.headers), b""))
        if self.path.startswith("/old"):
            self._send(301, b"{}", {"Location": "/new?x=1"})
        elif self.path.startswith("/gzip"):
            self._send(200, gzip.compress(b'{"items": [1, 2, 3]}'), {"Content-Encoding": "gzip"})
        elif self.path.startswith("/slow"):
            time.sleep(0.5)
            self._send(200, b"{}")
        else:
            self._send(200, json.dumps({"path": self.path}).encode())

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(("POST", self.path, dict(self.headers), body))
        self._send(200, json.dumps({"type": self.headers["Content-Type"]}).encode())


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy for plain HTTP: the request line holds the absolute URL."""

    forwarded: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.forwarded.append(self.path)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # not through itself
        with direct.open(self.path, timeout=5) as resp:
            body = resp.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.handle_error = lambda request, address: None  # a client that timed out is expected here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api():
    _Api.seen = []
    with serving(_Api) as url:
        yield url


def test_proxy_from_the_environment_carries_the_requests(api, monkeypatch):
    _Proxy.forwarded = []
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serving(_Proxy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy)
        page = HttpClient(api, {"Api-Key": "k"}).get("items.json", {"page": 2})
    assert page.data == {"path": "/items.json?page=2"}
    assert _Proxy.forwarded == [f"{api}/items.json?page=2"]


def test_no_proxy_bypasses_it(api, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert HttpClient(api).get("x.json").data == {"path": "/x.json"}


def test_redirects_are_followed_and_gzip_is_decoded(api):
    client = HttpClient(api)
    assert client.get("old/path.json").data == {"path": "/new?x=1"}
    assert client.get("gzip.json").data == {"items": [1, 2, 3]}  # not taken for a truncated body
    assert "gzip" in _Api.seen[-1][2]["Accept-Encoding"]


def test_json_and_form_bodies(api):
    client = HttpClient(api)
    assert client.request("POST", "a", None, {"cursor": "c1"}).data == {"type": "application/json"}
    assert json.loads(_Api.seen[-1][3]) == {"cursor": "c1"}
    page = client.request("POST", "token", form={"grant_type": "client_credentials"}, auth=False)
    assert page.data == {"type": "application/x-www-form-urlencoded"}
    assert _Api.seen[-1][3] == b"grant_type=client_credentials"


def test_timeouts_are_retried_then_stop_the_source_with_the_reason(api):
    client = HttpClient(api, timeout=0.1, max_retries=2, backoff_base=0.01, source="slowshop")
    with pytest.raises(CircuitOpenError, match=r"slowshop: GET /slow.json failed 3 times; last: timeout"):
        client.get("slow.json")
    assert client.stats == {"requests": 3, "retries": 3}
