"""The sandbox HTTP server: serves a `World` over each platform's real API, on loopback.

    server = make_server(world, faults=FaultPlan.parse("429=0.05,500=0.03"), rate_scale=10)
    server.start()            # background thread; server.url is http://127.0.0.1:PORT
    ...                       # GET {server.url}/discourse/latest.json, {server.url}/shopify/admin/api/2025-01/orders.json
    server.stop()

Each platform lives under its prefix (`/discourse`, `/shopify`); under it, the platform's real paths.
Control endpoints (never rate-limited, never faulted, not counted):
- `GET /_sandbox/health` -> `{"status": "ok", ...}`
- `GET /_sandbox/stats` -> request counts by platform prefix and status, and faults injected by kind;
  `DELETE /_sandbox/stats` resets them.
- `GET /_sandbox/faults` -> the current plan; `POST /_sandbox/faults` with a JSON plan (see
  `pulse.sandbox.faults`) replaces it (`{}` turns faults off).
- `POST /_sandbox/reset` -> clears stats, rate-limit state, and restarts the fault plan's random stream.
"""

from __future__ import annotations

import email.utils
import logging
import socket
import struct
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pulse.sandbox.faults import FaultInjector, FaultPlan, FaultPlanError
from pulse.sandbox.platforms import JSON_TYPE, Platform, Request, Response, discover, dumps, json_response
from pulse.sandbox.tables import World

log = logging.getLogger("pulse.sandbox.server")

DEFAULT_CREDENTIALS: dict[str, dict[str, str]] = {spec.name: dict(spec.credentials) for spec in discover()}
CONTROL_PREFIX = "/_sandbox"


class Stats:
    """Request counts by platform prefix and status (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.by_prefix: dict[str, dict[str, int]] = {}
            self.by_status: dict[str, int] = {}

    def count(self, prefix: str, status: int | str) -> None:
        key = str(status)
        with self._lock:
            self.total += 1
            bucket = self.by_prefix.setdefault(prefix, {})
            bucket[key] = bucket.get(key, 0) + 1
            self.by_status[key] = self.by_status.get(key, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "total": self.total,
                "by_prefix": {p: dict(c) for p, c in self.by_prefix.items()},
                "by_status": dict(self.by_status),
            }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    sandbox: SandboxServer

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away (reset, broken pipe, timeout): nothing to tell anyone
        log.exception("sandbox.request_failed client=%s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PulseSandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end after this
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.sandbox._track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # ------------------------------------------------------------------ plumbing
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        path = split.path
        body = self._read_body()
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._send(sandbox.control(self.command, path, body))
            return
        prefix, platform = sandbox.route(path)
        if platform is None:
            sandbox.stats.count("other", 404)
            self._send(json_response(404, {"errors": [f"no sandbox platform serves {path}"]}))
            return
        fault = sandbox.injector.draw(path)
        if fault is not None:
            if fault.kind == "reset":
                sandbox.stats.count(prefix, "reset")
                self._reset()
                return
            if fault.kind in ("429", "500", "502", "503"):
                response = platform.fault_response(int(fault.kind), fault.retry_after)
                sandbox.stats.count(prefix, response.status)
                self._send(response)
                return
            if fault.kind == "slow":
                time.sleep(fault.slow_seconds)
        request = Request(
            method=self.command,
            path=path[len(prefix) :] or "/",
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            host=self.headers.get("Host") or f"{sandbox.host}:{sandbox.port}",
            prefix=prefix,
            body=body,
        )
        try:
            response = platform.handle(request)
        except Exception:
            log.exception("sandbox.platform_error platform=%s path=%s", platform.name, path)
            response = json_response(500, {"errors": ["sandbox platform raised; see the server log"]})
        sandbox.stats.count(prefix, response.status)
        mode = fault.kind if fault is not None and fault.kind.startswith("truncate") else None
        self._send(response, mode)

    def _send(self, response: Response, mode: str | None = None) -> None:
        body = response.body
        length = len(body)
        if mode == "truncate":
            body = body[: length // 2]
            length = len(body)
        lines = [
            f"HTTP/1.1 {response.status} {_phrase(response.status)}",
            f"Date: {_http_date()}",
            f"Server: {self.server_version}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {length}",
        ]
        lines.extend(f"{k}: {v}" for k, v in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if mode == "truncate_close":
            self.wfile.write(head + body[: length // 2])
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(head + body)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, before any response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class SandboxServer:
    """The running sandbox: platforms, fault injector, stats, and the HTTP server around them."""

    def __init__(
        self,
        world: World,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
        credentials: dict[str, dict[str, str]] | None = None,
    ):
        if rate_scale <= 0:
            raise ValueError(f"rate_scale must be > 0, got {rate_scale}")
        creds = {
            name: {**values, **((credentials or {}).get(name) or {})}
            for name, values in DEFAULT_CREDENTIALS.items()
        }
        self.credentials = creds
        self.platforms: dict[str, Platform] = {
            spec.prefix: spec.build(world.tables, creds[spec.name], rate_limits, rate_scale)
            for spec in discover()
        }
        self.injector = FaultInjector(faults)
        self.stats = Stats()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.httpd = _HTTPServer((host, port), _Handler)
        self.httpd.sandbox = self
        self.host, self.port = self.httpd.server_address[:2]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a background thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.httpd.serve_forever, name="pulse-sandbox", daemon=True
            )
            self._thread.start()
            log.info("sandbox.started url=%s faults=%s", self.url, self.injector.plan)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the CLI's `pulse sandbox serve`)."""
        log.info("sandbox.serving url=%s faults=%s", self.url, self.injector.plan)
        try:
            self.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._close()

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._close()

    def _close(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:  # wake handler threads blocked on idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def warm(self) -> SandboxServer:
        """Encode every record of every platform now (seconds for a big world); returns self."""
        started = time.perf_counter()
        for platform in self.platforms.values():
            platform.warm()
        log.info("sandbox.warmed seconds=%.1f", time.perf_counter() - started)
        return self

    def set_faults(self, plan: FaultPlan | None) -> None:
        self.injector.set_plan(plan or FaultPlan())

    def reset(self) -> None:
        self.stats.reset()
        for platform in self.platforms.values():
            platform.reset()
        self.injector.set_plan(self.injector.plan)

    def route(self, path: str) -> tuple[str, Platform | None]:
        for prefix, platform in self.platforms.items():
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, platform
        return "other", None

    def stats_snapshot(self) -> dict:
        return {**self.stats.snapshot(), "faults": dict(self.injector.injected)}

    def control(self, method: str, path: str, body: bytes) -> Response:
        what = path[len(CONTROL_PREFIX) :].strip("/")
        if what == "health" and method == "GET":
            return json_response(200, {"status": "ok", "platforms": list(self.platforms)})
        if what == "stats":
            if method == "DELETE":
                self.stats.reset()
                self.injector.reset_counts()
            return json_response(200, self.stats_snapshot())
        if what == "faults":
            if method in ("POST", "PUT"):
                try:
                    self.set_faults(FaultPlan.from_json(body))
                except FaultPlanError as exc:
                    return json_response(400, {"error": str(exc)})
                log.info("sandbox.faults_set plan=%s", self.injector.plan)
            return json_response(200, self.injector.plan.to_dict())
        if what == "reset" and method == "POST":
            self.reset()
            return json_response(200, {"status": "ok"})
        return Response(404, dumps({"error": f"unknown control endpoint {method} {path}"}), [], JSON_TYPE)


def make_server(
    world: World,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | str | None = None,
    rate_limits: bool = True,
    rate_scale: float = 1.0,
    credentials: dict[str, dict[str, str]] | None = None,
) -> SandboxServer:
    """A sandbox server for `world` (not started: call `.start()` or `.serve_forever()`).

    `faults`: a FaultPlan or its string form (`"429=0.05,500=0.03"`). `rate_scale` multiplies the
    platforms' rates (10 = ten times the requests per second). `credentials`:
    `{"discourse": {"api_key", "api_username"}, "shopify": {"access_token"}}`, merged over
    `DEFAULT_CREDENTIALS`.
    """
    plan = FaultPlan.parse(faults) if isinstance(faults, str) else faults
    return SandboxServer(world, host, port, plan, rate_limits, rate_scale, credentials)
