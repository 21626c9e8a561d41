"""The hostile Hub double does what each mode says, and stays bounded (the hostile-Hub tests of
the app are only as good as this)."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.hostile_hub import HostileHub, dead_loopback_url, in_scope
from tests.support.hub_server import FakeHub, RepoSpec

REPO = "org/tiny"
FILE = f"/{REPO}/resolve/main/model.safetensors"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "config.json").write_text('{"model_type": "gpt2"}')
    (folder / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}" + b"w" * 4000)
    with FakeHub([RepoSpec(REPO, folder)]) as hub:
        yield hub


def get(url: str, path: str, headers: dict | None = None, method: str = "GET", timeout=5.0):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_pass_mode_is_a_faithful_proxy(upstream: FakeHub) -> None:
    with HostileHub("pass", upstream=upstream.url) as hub:
        status, headers, body = get(hub.url, FILE, {"Range": "bytes=0-7"})
    assert status == 206 and body == b"\x02" + b"\x00" * 7
    assert headers["Content-Range"] == "bytes 0-7/4010"


def test_fixed_answers() -> None:
    with HostileHub("429") as hub:
        status, headers, _ = get(hub.url, "/api/models/org/tiny")
        assert status == 429 and headers["Retry-After"] == "1"
    with HostileHub("500") as hub:
        assert get(hub.url, "/api/models/org/tiny")[0] == 500
    with HostileHub("html") as hub:
        status, headers, body = get(hub.url, "/api/models/org/tiny")
        assert status == 200 and headers["Content-Type"] == "text/html" and b"<html>" in body


def test_ignore_range_sends_the_whole_file(upstream: FakeHub) -> None:
    with HostileHub("ignore_range", upstream=upstream.url, where="weights") as hub:
        status, _, body = get(hub.url, FILE, {"Range": "bytes=0-7"})
        assert status == 200 and len(body) == 4010
        assert hub.wait_idle()
        assert hub.body_bytes_sent == 4010
        status, _, body = get(hub.url, f"/{REPO}/resolve/main/config.json", {"Range": "bytes=0-1"})
        assert status == 206 and body == b'{"'  # out of scope: passed through


def test_drop_cuts_the_body_in_half(upstream: FakeHub) -> None:
    with (
        HostileHub("drop", upstream=upstream.url) as hub,
        pytest.raises(http.client.IncompleteRead) as cut,
    ):
        get(hub.url, FILE)
    assert len(cut.value.partial) == 2005


def test_redirect_carries_the_hub_headers(upstream: FakeHub) -> None:
    with HostileHub("redirect", upstream=upstream.url, redirect_to="http://127.0.0.1:1") as hub:
        status, headers, _ = get(hub.url, FILE, method="HEAD")
    assert status == 302 and headers["Location"] == f"http://127.0.0.1:1{FILE}"
    assert headers["X-Linked-Size"] == "4010" and headers["X-Repo-Commit"]


def test_hang_holds_until_its_bound_or_stop() -> None:
    with HostileHub("hang", hold_s=0.5) as hub:
        started = time.monotonic()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            get(hub.url, "/api/models/org/tiny", timeout=10)
        assert 0.4 < time.monotonic() - started < 5
    hub = HostileHub("hang", hold_s=60).start()
    sock = socket.create_connection(("127.0.0.1", int(hub.url.rsplit(":", 1)[1])))
    sock.settimeout(10)
    time.sleep(0.2)  # let the handler take the connection
    started = time.monotonic()
    hub.stop()
    assert sock.recv(1) == b""  # closed by stop(), not after 60 s
    assert time.monotonic() - started < 5
    sock.close()


def test_trickle_sends_one_byte_per_interval(upstream: FakeHub) -> None:
    with HostileHub("trickle", upstream=upstream.url, interval_s=0.05, hold_s=0.6) as hub:
        started = time.monotonic()
        try:  # ~12 bytes of the status line arrive, then the bound closes the socket
            body = get(hub.url, FILE, timeout=10)[2]
        except (http.client.HTTPException, ConnectionError):
            body = b""
        assert 0.5 < time.monotonic() - started < 5
    assert body == b""  # of 4010 bytes


def test_only_loopback_and_known_modes() -> None:
    with pytest.raises(ValueError):
        HostileHub("hang", redirect_to="http://example.com")
    with pytest.raises(ValueError):
        HostileHub("teapot")
    with pytest.raises(ValueError):
        HostileHub("trickle")  # needs an upstream to trickle
    assert dead_loopback_url().startswith("http://127.0.0.1:")
    assert in_scope("weights", "GET", FILE) and not in_scope("weights", "GET", "/api/models/a")


def test_lifetime_stops_the_server() -> None:
    hub = HostileHub("500", lifetime_s=0.3).start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and hub._server is not None:
        time.sleep(0.05)
    assert hub._server is None
    with pytest.raises(OSError):
        get(hub.url, "/", timeout=2)
