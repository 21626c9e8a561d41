"""A hostile Hub double on 127.0.0.1: the ways a real server or network misbehaves.

Why: the friendly double (``hub_server.FakeHub``) answers every request correctly and at once,
so it cannot show what the app does when the Hub hangs, trickles, rate-limits, ignores ``Range``,
answers an HTML error page, fails, cuts a body short or redirects elsewhere. This server sits in
front of a ``FakeHub`` (its *upstream*) and misbehaves in one chosen :data:`MODES` for the requests
in scope (``where``); requests out of scope are passed through unchanged, so a test can break
exactly one step of opening a model (e.g. only the weights files ignore ``Range``).

Bounded by construction: it binds and talks to loopback addresses only; every response ends by
itself (a held connection after ``hold_s``, a trickle after ``hold_s`` or ``max_bytes``); the
server stops by itself after ``lifetime_s``; ``stop()`` wakes every waiting handler at once.
Standard library only.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MODES = (
    "pass",  # no hostility: a loopback proxy (a redirect target, a control)
    "hang",  # accept the connection, read nothing, never answer
    "trickle",  # the true response, one byte per `interval_s`
    "429",  # 429 Too Many Requests with Retry-After, every time
    "ignore_range",  # GET with Range: 200 and the whole file, as a server without ranges does
    "html",  # 200 with an HTML page (a captive portal, a proxy's error page)
    "500",  # 500 Internal Server Error
    "drop",  # the true status and Content-Length, then half the body, then the socket closes
    "redirect",  # 302 to the same path on `redirect_to` (another loopback host/port)
    "forge",  # the true answer with some headers replaced by `forge` (a crafted ETag, commit …)
)
SCOPES = ("all", "api", "resolve", "weights")
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Seen:
    """One request as the hostile server saw it, and how much of its answer went out."""

    method: str
    path: str
    range: str | None
    hostile: bool  # whether the mode applied (else passed through)
    status: int | None  # None: never answered
    bytes_sent: int  # body bytes written to the socket
    authorized: bool = False  # the request carried an Authorization header (a token)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def dead_loopback_url() -> str:
    """A loopback URL nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def in_scope(where: str, method: str, path: str) -> bool:
    """Whether a request falls in the hostile mode's scope."""
    if where == "all":
        return True
    is_resolve = "/resolve/" in path
    if where == "api":
        return path.startswith("/api/")
    if where == "resolve":
        return is_resolve
    return is_resolve and path.split("?")[0].endswith(".safetensors")  # "weights"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hostile: HostileHub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # a client that connects and sends nothing does not hold a thread for ever

    def log_message(self, format, *args):  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        hub = self.server.hostile
        if hub.mode == "hang" and hub.where == "all":
            # Never read, never answer: hold the socket until the bound or stop().
            hub._record(Seen("?", "?", None, True, None, 0))
            hub._stopping.wait(hub.hold_s)
            self.close_connection = True
            self.rfile = _Empty()  # handle() then reads nothing and returns

    def _dispatch(self) -> None:
        hub = self.server.hostile
        hub._begin()
        self.close_connection = True  # one request per connection keeps every path bounded
        hostile = hub.mode != "pass" and in_scope(hub.where, self.command, self.path)
        mode = hub.mode if hostile else "pass"
        rng = self.headers.get("Range")
        status, sent = None, 0
        self._partial: tuple[int | None, int] = (None, 0)
        try:
            if mode == "hang":
                hub._stopping.wait(hub.hold_s)
            elif mode == "429":
                status, sent = self._plain(429, b"Too Many Requests", {"Retry-After": "1"})
            elif mode == "500":
                status, sent = self._plain(500, b"Internal Server Error")
            elif mode == "html":
                page = b"<!doctype html><html><body><h1>Sign in to the network</h1></body></html>"
                status, sent = self._plain(200, page, {"Content-Type": "text/html"})
            elif mode == "redirect":
                status, sent = self._redirect()
            else:
                status, sent = self._proxy(mode)
        except OSError:  # the client went away (hung up): record what went out before
            status, sent = self._partial
        finally:
            authorized = self.headers.get("Authorization") is not None
            seen = Seen(self.command, self.path, rng, hostile, status, sent, authorized)
            hub._record(seen, done=True)

    do_GET = do_HEAD = _dispatch

    def _plain(self, status: int, body: bytes, headers: dict[str, str] | None = None):
        self.send_response(status)
        for key, value in {"Content-Type": "text/plain", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            return status, len(body)
        return status, 0

    def _redirect(self) -> tuple[int, int]:
        """302 to the same path on ``redirect_to``, as the Hub sends a file to its CDN: with the
        upstream's X-Repo-Commit and ETag, and X-Linked-Etag / X-Linked-Size, which the client
        reads from the redirect itself for a HEAD (it follows redirects only for a GET)."""
        hub = self.server.hostile
        headers = {"Location": hub.redirect_to.rstrip("/") + self.path}
        if hub.upstream:
            up = urlsplit(hub.upstream)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=10)
            try:
                auth = {k: v for k, v in self.headers.items() if k.lower() == "authorization"}
                conn.request("HEAD", self.path, headers=auth)
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 400:  # errors are the upstream's own, not redirected
                    error = {k: v for k, v in resp.getheaders() if k.lower().startswith("x-")}
                    return self._plain(resp.status, b"", error)
                for key in ("X-Repo-Commit", "ETag"):
                    if resp.getheader(key):
                        headers[key] = resp.getheader(key)
                if resp.getheader("ETag"):
                    headers["X-Linked-Etag"] = resp.getheader("ETag")
                headers["X-Linked-Size"] = resp.getheader("Content-Length") or "0"
            finally:
                conn.close()
        return self._plain(302, b"", headers)

    def _proxy(self, mode: str) -> tuple[int, int]:
        """Ask the upstream, then answer truly, slowly (trickle), cut short (drop), or with the
        whole file instead of the requested range (ignore_range)."""
        hub = self.server.hostile
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        if mode == "ignore_range" and self.command == "GET":
            headers.pop("Range", None)
            headers.pop("range", None)
        up = urlsplit(hub.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=10)
        try:
            conn.request(self.command, self.path, headers=headers)
            resp = conn.getresponse()
            length = int(resp.getheader("Content-Length") or 0)
            head = f"HTTP/1.1 {resp.status} {resp.reason}\r\n"
            forged = {k.lower(): v for k, v in hub.forge.items()} if mode == "forge" else {}
            for key, value in resp.getheaders():
                if key.lower() not in HOP_HEADERS:
                    value = forged.get(key.lower(), value)
                    head += f"{key}: {value.replace(hub.upstream, hub.url)}\r\n"
            head += f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
            body_wanted = 0 if self.command == "HEAD" else length
            if mode == "drop" and body_wanted:
                body_wanted = length // 2
            if mode == "trickle":
                return resp.status, self._trickle(head.encode(), resp, body_wanted)
            self._partial = (resp.status, 0)
            self.wfile.write(head.encode())
            sent = 0
            while sent < body_wanted:
                chunk = resp.read(min(CHUNK, body_wanted - sent))
                if not chunk:
                    break
                self.wfile.write(chunk)
                sent += len(chunk)
                self._partial = (resp.status, sent)
                with hub._lock:
                    hub.body_bytes_sent += len(chunk)
            if mode == "drop":
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
            return resp.status, sent
        finally:
            conn.close()

    def _trickle(self, head: bytes, resp: http.client.HTTPResponse, body_wanted: int) -> int:
        hub = self.server.hostile
        data = head + resp.read(body_wanted)
        deadline = time.monotonic() + hub.hold_s
        sent = 0
        for i in range(min(len(data), hub.max_bytes)):
            if hub._stopping.is_set() or time.monotonic() > deadline:
                break
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            sent += 1
            hub._stopping.wait(hub.interval_s)
        return max(0, sent - len(head))


class _Empty:
    """A request stream with nothing in it (the hang mode never reads the real one)."""

    def readline(self, *args: object) -> bytes:
        return b""

    def read(self, *args: object) -> bytes:
        return b""

    def close(self) -> None:
        pass


class HostileHub:
    """Misbehave in ``mode`` for requests in ``where``; pass the rest to ``upstream``.

    Use as a context manager, or ``start()``/``stop()``. ``seen`` lists the requests.
    """

    def __init__(
        self,
        mode: str,
        *,
        upstream: str | None = None,
        where: str = "all",
        redirect_to: str | None = None,
        hold_s: float = 30.0,
        interval_s: float = 1.0,
        max_bytes: int = 120,
        lifetime_s: float = 120.0,
        forge: dict[str, str] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {MODES}")
        if where not in SCOPES:
            raise ValueError(f"where {where!r}: one of {SCOPES}")
        needs_upstream = mode in ("pass", "trickle", "ignore_range", "drop", "forge")
        needs_upstream = needs_upstream or where != "all"
        if needs_upstream and upstream is None:
            raise ValueError(f"mode {mode!r} (where={where!r}) needs an upstream Hub double")
        for url in (upstream, redirect_to):
            if url is not None and not is_loopback_url(url):
                raise ValueError(f"{url}: only loopback addresses are allowed")
        self.mode, self.where = mode, where
        self.upstream = (upstream or "").rstrip("/")
        self.redirect_to = redirect_to or dead_loopback_url()
        self.hold_s, self.interval_s = hold_s, interval_s
        self.max_bytes, self.lifetime_s = max_bytes, lifetime_s
        self.forge = dict(forge or {})
        self.url = ""
        self.body_bytes_sent = 0  # proxied body bytes written (ignore_range, drop, pass)
        self._seen: list[Seen] = []
        self._lock = threading.Condition()
        self._active = 0  # requests being answered
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    def start(self) -> HostileHub:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hostile = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes held and trickling handlers: they return at once
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self._timer is not None:
            self._timer.cancel()

    def __enter__(self) -> HostileHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered (its bytes all counted); False on timeout.
        A client can read a whole answer before the handler has counted what it wrote."""
        with self._lock:
            return self._lock.wait_for(lambda: self._active == 0, timeout)

    def _begin(self) -> None:
        with self._lock:
            self._active += 1

    def _record(self, seen: Seen, done: bool = False) -> None:
        with self._lock:
            self._seen.append(seen)
            if done:
                self._active -= 1
                self._lock.notify_all()


@contextlib.contextmanager
def hostile_servers(upstream: str | None = None) -> Iterator[Callable[..., HostileHub]]:
    """A starter of hostile servers in front of ``upstream`` (the default), all stopped on
    leaving the block: the body of the pytest fixtures that hand it to tests."""
    servers: list[HostileHub] = []

    def start(mode: str, **options) -> HostileHub:
        options.setdefault("upstream", upstream)
        server = HostileHub(mode, **options).start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
