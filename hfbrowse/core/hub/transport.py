"""Bounded HTTP for huggingface_hub: answer deadlines, a total deadline, and no hidden retries.

huggingface_hub's client (``httpx2``) only has per-read timeouts: a server that sends one byte a
second never trips them, and its retry loops (``http_get`` resumes a cut download up to 5 times
with 1 s sleeps; list calls retry 429/5xx honouring ``Retry-After``) turn one broken answer into
tens of seconds and a screenful of log lines. This module installs, through huggingface_hub's
public ``set_client_factory``, a client whose every request is bounded:

* the response headers must arrive within an *answer* deadline (a silent server, a trickled
  status line);
* inside a :func:`network_budget` (the gateway opens one per Hub step), every read also stops at
  the budget's *total* deadline, and any failure to get a usable answer — no connection, no
  answer, too slow, a cut connection, 429 or 5xx — is raised at once as :class:`HubUnusable`.
  That is not an ``OSError``/``httpx2`` error, so huggingface_hub's retry loops let it through
  and the gateway (the one place that decides to serve the cache) sees it on the first failure.

The deadline is enforced inside httpcore's network stream (a wrapper around its sync backend),
so it applies between the 1-byte reads of a trickle as well.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2  # huggingface_hub's own HTTP client (imported with it)

from hfbrowse.core.errors import HFBrowseError

ANSWER_S = 10.0  # outside a budget: response headers within this (a stuck server is not waited on)


class HubUnusable(HFBrowseError):
    """The server gave no usable answer (no connection, silence, too slow, cut, 429/5xx).
    ``reason`` is one line ready to show; the gateway turns it into going offline."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class _Budget:
    answer_s: float  # each request's headers within this (the first answer: from the start)
    total_at: float  # monotonic time at which every read of the budget stops
    total_s: float
    started: float = field(default_factory=time.monotonic)
    answered: bool = False  # some response of this budget has arrived


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("hub_budget", default=None)


@dataclass
class _Read:
    """The deadline of the request being read on this thread, and what missing it means."""

    at: float
    host: str
    silent: str  # said when nothing came by the deadline
    slow: str  # said when some bytes came, not the whole answer
    got: int = 0

    def missed(self) -> HubUnusable:
        return HubUnusable(f"The Hub ({self.host}) {self.slow if self.got else self.silent}")


# The read in progress on this thread (set by the transport, checked by the network stream).
_READ: contextvars.ContextVar[_Read | None] = contextvars.ContextVar("hub_read", default=None)


@contextlib.contextmanager
def network_budget(answer_s: float, total_s: float) -> Iterator[None]:
    """Bound every Hub request made inside: headers within ``answer_s`` (the first answer of the
    block counted from its start, so a silent server costs ``answer_s`` once, not per request),
    everything within ``total_s``; failures raise :class:`HubUnusable` without retries.
    Nested budgets keep the outer total. Threads started inside need ``copy_context``."""
    outer = _BUDGET.get()
    now = time.monotonic()
    total_at = now + total_s if outer is None else min(now + total_s, outer.total_at)
    token = _BUDGET.set(_Budget(answer_s, total_at, total_s))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def install() -> None:
    """Make huggingface_hub use the bounded client (idempotent; the first Hub call installs it)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from huggingface_hub import set_client_factory

        set_client_factory(_client)
        _installed = True


_installed = False
_install_lock = threading.Lock()


def _client() -> Any:
    """huggingface_hub's default client (its request hook, redirects, no default timeout) over
    the bounded transport."""
    from huggingface_hub.utils import _http

    return httpx2.Client(
        event_hooks={"request": [_http.hf_request_event_hook]},
        follow_redirects=True,
        timeout=None,
        transport=_BoundedTransport(),
    )


def _host(url: Any) -> str:
    parts = urlsplit(str(url))
    return parts.netloc or str(url)


class _BoundedTransport(httpx2.BaseTransport):
    """An ``httpx2.BaseTransport`` over ``httpx2.HTTPTransport`` whose reads have deadlines."""

    def __init__(self) -> None:
        self._inner = httpx2.HTTPTransport()
        pool = self._inner._pool  # httpx2 has no network_backend argument; httpcore2's pool does
        pool._network_backend = _DeadlineBackend(pool._network_backend)

    def handle_request(self, request: Any) -> Any:
        budget = _BUDGET.get()
        now = time.monotonic()
        host = _host(request.url)
        if budget is None:
            answer_at = now + ANSWER_S
        else:
            start = now if budget.answered else budget.started
            answer_at = min(start + budget.answer_s, budget.total_at)
        wait_s = budget.answer_s if budget is not None else ANSWER_S
        read = _Read(
            answer_at,
            host,
            f"did not answer within {wait_s:.0f} s",
            f"answered too slowly (no complete answer within {wait_s:.0f} s)",
        )
        token = _READ.set(read)
        try:
            response = self._inner.handle_request(request)
        except HubUnusable:
            raise
        except httpx2.TransportError as exc:
            if budget is None:
                raise
            raise HubUnusable(_describe(exc, host)) from exc
        finally:
            _READ.reset(token)
        if budget is None:
            return response
        budget.answered = True
        status = response.status_code
        if status == 429 or status >= 500:
            retry = response.headers.get("retry-after")
            response.close()
            raise HubUnusable(_status_reason(host, status, retry), status)
        slow = f"answered too slowly (not complete within {budget.total_s:.0f} s)"
        response.stream = _BoundedStream(response.stream, _Read(budget.total_at, host, slow, slow))
        return response

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _BoundedTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _status_reason(host: str, status: int, retry_after: str | None) -> str:
    if status == 429:
        wait = f", retry in {retry_after} s" if retry_after and retry_after.isdigit() else ""
        return f"The Hub ({host}) is rate-limiting (HTTP 429{wait})"
    return f"The Hub ({host}) is failing (HTTP {status})"


def _describe(exc: BaseException, host: str) -> str:
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"ConnectError", "ConnectTimeout"}:
        return f"No network: {host} cannot be reached"
    if names & {"TimeoutException"}:
        return f"The Hub ({host}) did not answer in time"
    if names & {"RemoteProtocolError", "ReadError", "WriteError", "NetworkError"}:
        return f"The connection to the Hub ({host}) was cut before the answer was complete"
    return f"The Hub ({host}) could not be read ({type(exc).__name__})"


class _BoundedStream(httpx2.SyncByteStream):
    """A response body whose reads stop at the budget's total deadline; transport errors in the
    middle of a body become :class:`HubUnusable` (not retried by huggingface_hub)."""

    def __init__(self, inner: Any, read: _Read) -> None:
        self._inner = inner
        self._read = read

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = _READ.set(self._read)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            except httpx2.TransportError as exc:
                raise HubUnusable(_describe(exc, self._read.host)) from exc
            finally:
                _READ.reset(token)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _DeadlineBackend:
    """httpcore2's network backend with the thread's read deadline applied to connect and every
    read/write (a trickle's 1-byte reads included)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _bounded(timeout)
        stream = self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        stream = self._inner.connect_unix_socket(
            path, timeout=_bounded(timeout), socket_options=socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the thread's read deadline; raises when none is."""
    read = _READ.get()
    if read is None:
        return timeout
    left = read.at - time.monotonic()
    if left <= 0:
        raise read.missed()
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded = _bounded(timeout)
        read = _READ.get()
        try:
            data = self._inner.read(max_bytes, bounded)
        except Exception as exc:
            if read is not None and bounded != timeout and "Timeout" in type(exc).__name__:
                raise read.missed() from exc
            raise
        if read is not None:
            read.got += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
