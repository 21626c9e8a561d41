"""The ``Backend`` protocol, and what every remote backend shares.

A backend takes the same ``RunRequest`` and ``RunHooks`` as the in-process runner (progress,
streamed text, the cancel event) and returns the same ``RunResult`` with the same output
dataclasses, so the console, ``--json``, history and ``/snippet`` treat every backend alike.
It says, before a run, whether it serves a head (``refusal``: None, or the one line why not),
and what the console's title shows (``describe``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hfbrowse.core.console.errors import RunCancelled, RunError
from hfbrowse.core.console.results import HeadOutput, RunResult, Timing
from hfbrowse.core.console.settings import (
    GenerationSettings,
    apply_overrides,
    defaults_for,
    model_folder,
    read_generation_config,
)
from hfbrowse.core.heads.registry import head_spec

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.tensors import TensorTable
    from hfbrowse.core.console.backends.settings import BackendSettings
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.console.session import ModelSession
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import ModelFacts

STREAM_INTERVAL_S = 0.2  # as in-process: 5 screen updates a second
CAUSAL_LM = "AutoModelForCausalLM"
SEQ2SEQ = "AutoModelForSeq2SeqLM"
_POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_source_positions", "n_ctx")


@dataclass
class RunContext:
    """What a run needs besides the request: the model on screen and the session's services."""

    facts: ModelFacts
    gateway: HubGateway
    session: ModelSession
    table: TensorTable | None = None


class Backend(Protocol):
    settings: BackendSettings
    kind: str  # "in-process", "endpoint" or "provider" (``RunResult.backend``)

    def describe(self) -> str:
        """The console title's words: ``cpu``, ``endpoint 127.0.0.1:8000 · TGI · gpt2``, …"""
        ...

    def refusal(self, head: str, chat: bool) -> str | None:
        """None when this backend can run ``head`` (in chat mode), else the one line why not."""
        ...

    def remarks(self, facts: ModelFacts) -> list[str]:
        """What to tell the user about this backend and the model on screen (e.g. the
        endpoint serves another model)."""
        ...

    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult: ...

    def close(self) -> None: ...


def not_served(where: str, serves: str, head: str) -> str:
    """``this endpoint serves text generation only; fill-mask needs an HF-protocol server or
    in-process`` — the one line for a head a backend cannot run."""
    return (
        f"{where} serves {serves} only; {head_spec(head).task} needs an HF-protocol server"
        " or in-process"
    )


def generation_settings(request: RunRequest, facts: ModelFacts) -> GenerationSettings:
    """The model's generation_config (when its files are here) with the user's ``/set``."""
    generation_config = read_generation_config(model_folder(facts.ref))
    return apply_overrides(defaults_for(request.head, generation_config), request.overrides)


def positions_of(config: dict[str, Any]) -> int | None:
    """How many positions the model on screen has (config.json), or None."""
    for key in _POSITION_KEYS:
        value = config.get(key)
        if isinstance(value, int) and value > 0:
            return value
    text = config.get("text_config")
    return positions_of(text) if isinstance(text, dict) else None


def local_folder(facts: ModelFacts) -> Path | None:
    return model_folder(facts.ref)


class Throttle:
    """Collects streamed pieces and hands the text so far to ``on_text``: at once for the first
    piece, then at most every ``STREAM_INTERVAL_S`` (each screen update costs the UI thread a
    repaint), and at the end. Joining happens only when the text is handed on."""

    def __init__(self, on_text: Callable[[str], None] | None) -> None:
        self.on_text = on_text
        self.pieces: list[str] = []
        self.first_at: float | None = None
        self._last = 0.0
        self._sent = ""

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        now = time.perf_counter()
        if self.first_at is None:
            self.first_at = now
        elif now - self._last < STREAM_INTERVAL_S:
            return
        self._emit(now)

    def end(self) -> str:
        text = self.text
        if text != self._sent:
            self._emit(time.perf_counter())
        return text

    def _emit(self, now: float) -> None:
        self._last = now
        text = self.text
        if self.on_text is not None and text != self._sent:
            self._sent = text
            self.on_text(text)


class StreamInterrupted(RunError):
    """The stream broke after text had come (server stalled or killed): one line, and the
    result so far in ``partial`` — the console keeps that text on screen."""

    def __init__(self, message: str, partial: RunResult) -> None:
        super().__init__(message)
        self.partial = partial


@dataclass
class RemoteRun:
    """One remote run's frame: what ``finish`` turns into the ``RunResult``."""

    request: RunRequest
    backend: Backend
    model: str  # the model the server ran (its own name for it)
    model_class: str  # the server's kind: "transformers serve", "TGI", "provider together"
    notices: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def finish(self, output: HeadOutput, snippet: str) -> RunResult:
        run_s = time.perf_counter() - self.started
        where = self.backend.describe()
        return RunResult(
            model=self.model,
            head=self.request.head,
            model_class=self.model_class,
            device=where,
            dtype="",
            input=self.request.text,
            output=output,
            timing=Timing(None, run_s, getattr(output, "new_tokens", None)),
            notices=tuple(self.notices),
            snippet=snippet,
            backend=self.backend.kind,
            where=where,
        )


def check_served(backend: Backend, request: RunRequest) -> None:
    why = backend.refusal(request.head, request.chat is not None)
    if why is not None:
        raise RunError(why)


def settings_dict(settings: GenerationSettings) -> dict[str, Any]:
    return asdict(settings)


def call_cancellable(
    call: Callable[[], Any], cancel: threading.Event, what: str, poll_s: float = 0.05
) -> Any:
    """``call()`` in a helper thread, abandoned at once when the run is cancelled (a library
    call that cannot be interrupted ends by its own timeout, unseen)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="hfbrowse-remote", daemon=True).start()
    while not done.wait(poll_s):
        if cancel.is_set():
            raise RunCancelled(f"stopped: {what} abandoned")
    if "error" in box:
        raise box["error"]
    return box["value"]
