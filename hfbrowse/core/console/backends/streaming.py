"""Streamed generation over HTTP, shared by the endpoint and provider backends: read the
server-sent events, hand the text on (throttled), stop on cancel, keep the text when the
stream breaks.

Each piece a server streams is one token for transformers serve, TGI and vLLM; when the server
reports ``usage.completion_tokens`` (transformers serve does in its last event) that count wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends.base import RemoteRun, StreamInterrupted, Throttle
from hfbrowse.core.console.backends.http import (
    EndpointError,
    Http,
    StreamBroken,
    event_error,
    host_of,
    sse_events,
)
from hfbrowse.core.console.results import HeadOutput

if TYPE_CHECKING:
    from hfbrowse.core.console.runner import RunHooks

Piece = Callable[[dict[str, Any]], str | None]  # an event → its new text (or None)


@dataclass(frozen=True)
class Streamed:
    text: str
    new_tokens: int
    stopped: bool  # cancelled by the user


def stream_text(
    http: Http,
    path: str,
    payload: dict[str, Any],
    piece: Piece,
    hooks: RunHooks,
    frame: RemoteRun,
    what: str,
    partial: Callable[[Streamed], HeadOutput],
    snippet: str,
    count: Callable[[dict[str, Any]], int | None] | None = None,
) -> Streamed:
    """POST ``payload`` and read its event stream to the end (or to a cancel). A stream that
    breaks after text came raises ``StreamInterrupted`` holding the result so far (built
    with ``partial``); before any text, the plain one-line error."""
    throttle = Throttle(hooks.on_text)
    pieces = 0
    reported: int | None = None
    try:
        with http.stream(path, payload, hooks.cancel, what) as lines:
            for event in sse_events(lines):
                error = event_error(event)
                if error is not None:
                    raise EndpointError(f"{host_of(http.base_url)} stopped {what}: {error}")
                text = piece(event)
                if text:
                    pieces += 1
                    throttle.add(text)
                if count is not None and (n := count(event)) is not None:
                    reported = n
                if hooks.cancel.is_set():
                    break
    except StreamBroken as exc:
        if not throttle.pieces:
            raise
        done = Streamed(throttle.end(), reported or pieces, stopped=True)
        frame.notices.append(f"the stream broke: {exc}")
        raise StreamInterrupted(str(exc), frame.finish(partial(done), snippet)) from None
    return Streamed(throttle.end(), reported or pieces, hooks.cancel.is_set())


def usage_tokens(event: dict[str, Any]) -> int | None:
    usage = event.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
        return usage["completion_tokens"]
    return None


def completion_piece(event: dict[str, Any]) -> str | None:
    choices = event.get("choices") or []
    return choices[0].get("text") if choices and isinstance(choices[0], dict) else None


def chat_piece(event: dict[str, Any]) -> str | None:
    choices = event.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return None
    delta = choices[0].get("delta") or {}
    return delta.get("content") if isinstance(delta, dict) else None


def tgi_piece(event: dict[str, Any]) -> str | None:
    """TGI's ``TextGenerationStreamOutput``: the token's text, special tokens left out (as
    ``skip_special_tokens`` does in-process)."""
    token = event.get("token") or {}
    if not isinstance(token, dict) or token.get("special"):
        return None
    return token.get("text")


def tgi_tokens(event: dict[str, Any]) -> int | None:
    details = event.get("details")
    if isinstance(details, dict) and isinstance(details.get("generated_tokens"), int):
        return details["generated_tokens"]
    return None
