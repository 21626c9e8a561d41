"""Console commands: lines starting with ``/`` change settings or show things, never run a model.

They act on a typed ``ConsoleState`` and answer with ``Reply`` values the UI draws, so the
commands are tested without a screen. ``//text`` runs ``/text`` as input, for the rare prompt
that starts with a slash (``split_input`` decides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hfbrowse.core.console.backends import settings as backend_settings
from hfbrowse.core.console.backends.holder import BackendHolder
from hfbrowse.core.console.chat import CAUSAL_LM, ChatMessage, ChatState, NoChatTemplate
from hfbrowse.core.console.errors import RunError, SettingsError
from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.console.settings import GenerationSettings, parse_assignment, settings_keys

REPLY_INFO = "info"
REPLY_DONE = "done"  # something changed as asked
REPLY_WARN = "warn"
REPLY_ERROR = "error"
REPLY_SNIPPET = "snippet"  # ``text`` is Python code
REPLY_HELP = "help"  # ``rows`` are (command, what it does)
REPLY_CLEAR = "clear"  # the UI empties the console
REPLY_BACKEND = "backend"  # the backend changed: the UI probes it and retitles the console

HELP = (
    ("/set key=value …", "change generation settings (" + ", ".join(settings_keys()) + ")"),
    ("/set", "show the settings and where their defaults come from"),
    ("/reset", "forget /set values: back to the model's generation_config"),
    ("/snippet", "show the Python that reproduces the last run (y copies it)"),
    ("/unload", "free the loaded model"),
    ("/backend [WHERE]", "where runs go: in-process, endpoint URL, provider NAME|auto"),
    ("/chat [on|off]", "chat mode for a causal LM with a chat template (multi-turn)"),
    ("/system TEXT", "the chat's system message (/system alone: none)"),
    ("/new", "start a new conversation"),
    ("/prompt", "what the last chat turn sent (the rendered template, or the messages)"),
    ("/clear", "clear the console"),
    ("/help", "this list"),
    ("//text", "run text that starts with a slash"),
)
HELP_FOOTER = "Enter runs · ↑/↓ earlier inputs · Escape or Ctrl+C stops a run · y copies"


@dataclass
class ConsoleState:
    """What the commands read and change; the console pane owns one."""

    session: ModelSession = field(default_factory=ModelSession)
    overrides: dict[str, Any] = field(default_factory=dict)  # from /set
    last_result: RunResult | None = None
    busy: bool = False
    settings: GenerationSettings | None = None  # effective, for the shown head (None: no /set)
    backends: BackendHolder = field(default_factory=BackendHolder)
    chat: ChatState = field(default_factory=ChatState)
    head: str | None = None  # the shown head (chat mode needs a causal LM)
    has_template: bool | None = None  # the shown model's chat template (None: not known here)


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str = ""
    rows: tuple[tuple[str, str], ...] = ()


def split_input(line: str) -> tuple[str, str]:
    """``("command", line)`` for ``/…``, ``("run", text)`` otherwise (``//x`` runs ``/x``)."""
    if line.startswith("//"):
        return "run", line[1:]
    if line.startswith("/"):
        return "command", line
    return "run", line


def run_command(state: ConsoleState, line: str) -> Reply:
    name, _, rest = line.strip().partition(" ")
    handler = COMMANDS.get(name.lower())
    if handler is None:
        return Reply(REPLY_ERROR, f"unknown command {name}; /help lists them")
    return handler(state, rest.strip())


def _set(state: ConsoleState, rest: str) -> Reply:
    if not rest:
        if state.settings is None:
            return Reply(
                REPLY_INFO, "/set changes generation settings; this head does not generate."
            )
        custom = ", ".join(f"{k}={v}" for k, v in state.overrides.items()) or "none"
        return Reply(
            REPLY_INFO,
            f"{state.settings.line()}\nset by you: {custom};"
            " the rest from the model's generation_config",
        )
    changes = {}
    try:
        for part in rest.split():
            key, value = parse_assignment(part)
            changes[key] = value
    except SettingsError as exc:
        return Reply(REPLY_ERROR, str(exc))
    state.overrides.update(changes)
    return Reply(REPLY_DONE, "set " + " ".join(f"{k}={v}" for k, v in changes.items()))


def _reset(state: ConsoleState, rest: str) -> Reply:
    state.overrides.clear()
    return Reply(REPLY_DONE, "settings reset to the model's defaults")


def _snippet(state: ConsoleState, rest: str) -> Reply:
    if state.last_result is None:
        return Reply(REPLY_WARN, "no run yet: the snippet is the Python of the last run")
    return Reply(REPLY_SNIPPET, state.last_result.snippet)


def _unload(state: ConsoleState, rest: str) -> Reply:
    if state.busy:
        return Reply(REPLY_WARN, "a run is in progress: Escape stops it first")
    loaded = state.session.loaded
    if loaded is None:
        return Reply(REPLY_INFO, "no model is loaded")
    state.session.unload()
    return Reply(REPLY_DONE, f"unloaded {loaded.key.model}")


def _backend(state: ConsoleState, rest: str) -> Reply:
    holder = state.backends
    usage = "/backend in-process | endpoint URL | provider NAME|auto"
    if not rest:
        return Reply(REPLY_INFO, f"runs go to: {holder.words()}\n{usage}")
    if state.busy:
        return Reply(REPLY_WARN, "a run is in progress: Escape stops it first")
    kind, _, arg = rest.partition(" ")
    kind, arg = kind.lower(), arg.strip()
    base = holder.settings
    try:
        if kind in ("in-process", "local", "inprocess"):
            chosen = backend_settings.in_process(base)
        elif kind == "endpoint" and arg:
            chosen = backend_settings.with_endpoint(base, arg)
        elif kind.startswith(("http://", "https://")):
            chosen = backend_settings.with_endpoint(base, kind)
        elif kind == "provider" and arg:
            chosen = backend_settings.with_provider(base, arg)
        else:
            return Reply(REPLY_ERROR, f"usage: {usage}")
    except RunError as exc:
        return Reply(REPLY_ERROR, str(exc))
    if not holder.switch(chosen):
        return Reply(REPLY_INFO, f"runs already go to {holder.words()}")
    return Reply(REPLY_BACKEND, f"runs now go to {chosen.label()}")


def _chat(state: ConsoleState, rest: str) -> Reply:
    want = rest.lower()
    if want not in ("", "on", "off"):
        return Reply(REPLY_ERROR, "usage: /chat, /chat on or /chat off")
    on = not state.chat.on if want == "" else want == "on"
    if not on:
        state.chat.on = False
        return Reply(REPLY_DONE, "chat mode off: the model continues your text")
    if state.head != CAUSAL_LM:
        return Reply(REPLY_WARN, "chat mode runs a causal LM: press h for AutoModelForCausalLM")
    if state.has_template is False:
        return Reply(REPLY_WARN, "this model has no chat template: staying in plain completion")
    state.chat.on = True
    known = "" if state.has_template else " (its template is checked on the first turn)"
    return Reply(REPLY_DONE, f"chat mode on: each input is a user turn{known}; /new starts over")


def _system(state: ConsoleState, rest: str) -> Reply:
    state.chat.system = rest or None
    return Reply(REPLY_DONE, f"system message: {rest!r}" if rest else "no system message")


def _new(state: ConsoleState, rest: str) -> Reply:
    turns = len(state.chat.turns)
    state.chat.new()
    return Reply(REPLY_DONE, f"new conversation ({turns} earlier turn{'s' * (turns != 1)} dropped)")


def _prompt(state: ConsoleState, rest: str) -> Reply:
    if state.chat.last_prompt is None:
        return Reply(REPLY_WARN, "no chat turn yet: /chat on, then type a message")
    return Reply(REPLY_INFO, state.chat.last_prompt)


def chat_messages(state: ConsoleState, text: str) -> tuple[ChatMessage, ...] | None:
    """What a run sends in chat mode (None: plain completion)."""
    if not state.chat.on or state.head != CAUSAL_LM:
        return None
    return state.chat.messages_for(text)


def record_run(state: ConsoleState, result: RunResult) -> None:
    """A finished run: the last result (for /snippet and y), a chat turn kept in the history."""
    state.last_result = result
    output = result.output
    if output.kind == "chat":
        reply = getattr(output, "reply", "")
        state.chat.record(result.input, reply, getattr(output, "prompt", ""))


def record_failure(state: ConsoleState, exc: BaseException) -> None:
    """A failed run: a model without a chat template leaves chat mode (the error says so)."""
    if isinstance(exc, NoChatTemplate):
        state.chat.on = False
        state.has_template = False


def _clear(state: ConsoleState, rest: str) -> Reply:
    return Reply(REPLY_CLEAR)


def _help(state: ConsoleState, rest: str) -> Reply:
    return Reply(REPLY_HELP, HELP_FOOTER, HELP)


COMMANDS: dict[str, Callable[[ConsoleState, str], Reply]] = {
    "/set": _set,
    "/reset": _reset,
    "/snippet": _snippet,
    "/unload": _unload,
    "/clear": _clear,
    "/backend": _backend,
    "/chat": _chat,
    "/system": _system,
    "/new": _new,
    "/prompt": _prompt,
    "/help": _help,
}
