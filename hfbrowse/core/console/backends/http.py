"""HTTP for the remote backends: finite timeouts, one-line errors, a cancel that closes the
connection, and the one rule about the user's HF token.

Facts this module is built on (transformers serve, TGI, huggingface_hub 2.4, measured):
- huggingface_hub's default ``timeout=None`` waits forever on a slow server: every request here
  has a connect timeout and a read timeout (``--timeout``), and a stall mid-stream is reported
  as a stall, not as a raw ``ReadTimeout``;
- breaking out of a stream leaves the server generating (the next request waited 8.7 s);
  closing the connection stops it (0.08 s): ``CancelWatch`` shuts the socket down as soon as
  the run's cancel event is set, even while the reading thread is blocked in ``recv``;
- after a 500, transformers serve resets the kept-alive connection: the next request is retried
  once on a fresh connection, and a 5xx drops the pooled connections;
- a 4xx's reason is only in the body (``detail``, ``error``, ``error.message``): shown as is;
- with ``HF_TOKEN`` set and no explicit token, huggingface_hub sends the token as a Bearer
  header to ANY URL. Here a request carries the endpoint's own key, or the HF token only when
  the host is Hugging Face's (https) — never a token to anyone else.

httpx2 (huggingface_hub's HTTP client) is imported inside functions: the TUI's first frame does
not need it.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from hfbrowse.core.console.errors import RunError
from hfbrowse.core.errors import one_line

CONNECT_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 10.0  # GET /info, /v1/models, /health: small answers, at once from any server
HF_HOST_SUFFIXES = ("huggingface.co", "hf.co", "hf.space", "huggingface.cloud")
CANCEL_POLL_S = 0.05
_RESET_ERRORS = ("RemoteProtocolError", "ReadError", "WriteError")


class EndpointError(RunError):
    """A remote backend failed; the message is one line naming the server and the reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def host_of(url: str) -> str:
    """``http://127.0.0.1:8000/x`` → ``127.0.0.1:8000`` (what titles and messages show)."""
    parts = urlsplit(url)
    return parts.netloc or url


def is_hugging_face_host(url: str) -> bool:
    """An https URL on a Hugging Face domain (the Hub, the router, Inference Endpoints)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        return False
    return any(host == s or host.endswith("." + s) for s in HF_HOST_SUFFIXES)


def authorization(url: str, endpoint_key: str | None, hf_token: str | None) -> dict[str, str]:
    """The Authorization header a request to ``url`` may carry: the endpoint's key when given,
    else the HF token only for a Hugging Face host (Inference Endpoints), else none."""
    if endpoint_key:
        return {"authorization": f"Bearer {endpoint_key}"}
    if hf_token and is_hugging_face_host(url):
        return {"authorization": f"Bearer {hf_token}"}
    return {}


def server_reason(response: Any) -> str:
    """The reason a server gave in its body (FastAPI ``detail``, TGI ``error``, OpenAI
    ``error.message``), else its status phrase."""
    try:
        body = response.json()
    except Exception:
        text = " ".join((getattr(response, "text", "") or "").split())
        return text[:200] or str(getattr(response, "reason_phrase", "") or "")
    reason: Any = None
    if isinstance(body, dict):
        reason = body.get("detail") or body.get("error") or body.get("message")
        if isinstance(reason, dict):
            reason = reason.get("message") or reason.get("msg") or json.dumps(reason)
        if isinstance(reason, list):  # FastAPI validation: [{"loc": [...], "msg": "..."}]
            reason = "; ".join(
                str(item.get("msg", item)) if isinstance(item, dict) else str(item)
                for item in reason
            )
    if reason is None:
        reason = json.dumps(body)[:200]
    return one_line(Exception(str(reason)), limit=300)


def retry_after(response: Any) -> str | None:
    """``Retry-After`` as words: seconds, or an HTTP date turned into seconds from now."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return f"{int(value)} s"
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return value[:40]
    seconds = max(0, round(when.timestamp() - time.time()))
    return f"{seconds} s"


def status_error(response: Any, what: str) -> EndpointError:
    """An HTTP error status as one line: the server's own reason, and what to do."""
    status = response.status_code
    host = host_of(str(response.request.url))
    reason = server_reason(response)
    if status == 429:
        wait = retry_after(response)
        after = f"; retry after {wait}" if wait else ""
        return EndpointError(f"{host} is rate-limiting {what} (429): {reason}{after}", status)
    if status in (401, 403):
        return EndpointError(
            f"{host} refused {what} ({status}): {reason} — pass the endpoint's key with"
            " --endpoint-key or HFBROWSE_ENDPOINT_KEY",
            status,
        )
    if status == 404:
        return EndpointError(f"{host} has no {what} (404 at {response.request.url.path})", status)
    if status >= 500:
        return EndpointError(f"{host} failed on {what} ({status}): {reason}", status)
    return EndpointError(f"{host} refused {what} ({status}): {reason}", status)


def transport_error(exc: BaseException, url: str, timeout_s: float, what: str) -> EndpointError:
    """A connection-level failure as one line (down, slow, reset)."""
    host = host_of(url)
    names = {c.__name__ for c in type(exc).__mro__}
    if "ConnectTimeout" in names:
        return EndpointError(f"{host} did not accept a connection within {CONNECT_TIMEOUT_S:g} s")
    if "ConnectError" in names:
        detail = one_line(exc)
        if "refused" in detail.lower() or "errno 111" in detail.lower():
            detail = "connection refused"
        return EndpointError(f"cannot reach the endpoint at {host} ({detail}): is it running?")
    if "ReadTimeout" in names or "TimeoutException" in names:
        return EndpointError(
            f"{host} sent nothing for {timeout_s:g} s on {what} (--timeout {timeout_s:g})"
        )
    if "RemoteProtocolError" in names or "ReadError" in names:
        return EndpointError(f"{host} closed the connection during {what}")
    return EndpointError(f"{host}: {what} failed: {one_line(exc)}")


def sse_events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Server-sent events' JSON payloads; ``[DONE]`` (or the end of the stream) ends them.
    transformers serve ends its streams without ``[DONE]``."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        if not data:
            continue
        try:
            event = json.loads(data)
        except ValueError:
            raise EndpointError(
                f"the endpoint streamed something that is not JSON: {data[:80]!r}"
            ) from None
        if isinstance(event, dict):
            yield event


def event_error(event: dict[str, Any]) -> str | None:
    """An error the server put into its stream (TGI: ``error``; OpenAI: ``error.message``)."""
    error = event.get("error")
    if not error:
        return None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


class CancelWatch:
    """Calls ``close`` once the run's cancel event is set, from its own thread: the reading
    thread may be blocked in ``recv`` on a stalled server, and only closing the connection
    frees it (and stops the server generating)."""

    def __init__(self, cancel: threading.Event, close: Callable[[], None]) -> None:
        self._cancel = cancel
        self._close = close
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="hfbrowse-cancel", daemon=True)

    def __enter__(self) -> CancelWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        while not self._done.is_set():
            if self._cancel.wait(CANCEL_POLL_S):
                if not self._done.is_set():
                    with contextlib.suppress(Exception):
                        self._close()
                return


def shut_socket(response: Any) -> None:
    """Shut the TCP connection under ``response`` down (the reader's ``recv`` returns at once,
    the server sees the client leave)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class Http:
    """One endpoint's connection pool, with its timeouts and headers (kept between runs: the
    next run reuses the connection, which keeps the first-token overhead low)."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        timeout_s: float,
        transport: Any = None,
    ) -> None:
        self.base_url = base_url
        self.headers = dict(headers)
        self.timeout_s = timeout_s
        self.transport = transport  # tests hand in a mock transport
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx2

                timeout = httpx2.Timeout(
                    self.timeout_s, connect=min(CONNECT_TIMEOUT_S, self.timeout_s)
                )
                self._client = httpx2.Client(
                    headers=self.headers,
                    timeout=timeout,
                    follow_redirects=False,  # a redirect must not carry the key elsewhere
                    transport=self.transport,
                )
            return self._client

    def reset(self) -> None:
        """Drop the pooled connections (after a 5xx, a reset, or a cancel)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    close = reset

    def url(self, path: str) -> str:
        return self.base_url + path if path.startswith("/") or not path else path

    def _send(
        self,
        method: str,
        path: str,
        payload: Any,
        *,
        stream: bool,
        what: str,
        timeout_s: float | None = None,
    ) -> Any:
        """Send once; on a reset of a kept-alive connection, once more on a fresh one."""
        url = self.url(path)
        for attempt in (0, 1):
            client = self.client()
            extra: dict[str, Any] = {}
            if timeout_s is not None:
                import httpx2

                extra["timeout"] = httpx2.Timeout(
                    timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)
                )
            request = client.build_request(method, url, json=payload, **extra)
            try:
                response = client.send(request, stream=stream)
            except Exception as exc:
                names = {c.__name__ for c in type(exc).__mro__}
                if attempt == 0 and names & set(_RESET_ERRORS):
                    self.reset()
                    continue
                raise transport_error(exc, url, self.timeout_s, what) from None
            if response.status_code >= 400:
                try:
                    response.read()
                except Exception:
                    pass
                finally:
                    response.close()
                if response.status_code >= 500:
                    self.reset()
                raise status_error(response, what)
            if 300 <= response.status_code < 400:
                response.close()
                where = response.headers.get("location", "elsewhere")
                raise EndpointError(
                    f"{host_of(url)} redirects {what} to {where}: pass that URL as --endpoint"
                    " (redirects are not followed, so a key never goes anywhere else)",
                    response.status_code,
                )
            return response
        raise EndpointError(f"{host_of(url)}: {what} failed twice on a fresh connection")

    def get_json(self, path: str, what: str, timeout_s: float | None = None) -> Any:
        response = self._send("GET", path, None, stream=False, what=what, timeout_s=timeout_s)
        return _json_of(response, what)

    def post_json(self, path: str, payload: Any, what: str) -> Any:
        response = self._send("POST", path, payload, stream=False, what=what)
        return _json_of(response, what)

    @contextlib.contextmanager
    def stream(
        self, path: str, payload: Any, cancel: threading.Event, what: str
    ) -> Iterator[Iterator[str]]:
        """The response's lines while the run is not cancelled; cancelling (or leaving the
        block early) closes the connection, so the server stops generating."""
        response = self._send("POST", path, payload, stream=True, what=what)
        finished = False
        try:
            with CancelWatch(cancel, lambda: shut_socket(response)):
                yield self._lines(response, what, cancel)
            finished = not cancel.is_set()
        finally:
            if not finished:
                shut_socket(response)
            response.close()
            if not finished:
                self.reset()

    def _lines(self, response: Any, what: str, cancel: threading.Event) -> Iterator[str]:
        try:
            yield from response.iter_lines()
        except Exception as exc:
            if cancel.is_set():
                return  # the watch closed the connection: the run was stopped
            raise broken_stream(exc, str(response.request.url), self.timeout_s) from None


class StreamBroken(EndpointError):
    """The connection failed after the stream began (stalled, killed): what came so far is
    kept by the caller; this says why it ended."""


def broken_stream(exc: BaseException, url: str, timeout_s: float) -> StreamBroken:
    host = host_of(url)
    names = {c.__name__ for c in type(exc).__mro__}
    if "ReadTimeout" in names or "TimeoutException" in names:
        return StreamBroken(f"{host} stalled mid-stream: nothing for {timeout_s:g} s (--timeout)")
    if "RemoteProtocolError" in names or "ReadError" in names:
        return StreamBroken(f"{host} went away mid-stream (connection closed)")
    return StreamBroken(f"{host}: the stream broke: {one_line(exc)}")


def _json_of(response: Any, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        host = host_of(str(response.request.url))
        raise EndpointError(f"{host} answered {what} with something that is not JSON") from None
