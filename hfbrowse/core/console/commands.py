"""Console commands: lines starting with ``/`` change settings or show things, never run a model.

They act on a typed ``ConsoleState`` and answer with ``Reply`` values the UI draws, so the
commands are tested without a screen. ``//text`` runs ``/text`` as input, for the rare prompt
that starts with a slash (``split_input`` decides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hfbrowse.core.console.errors import SettingsError
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

HELP = (
    ("/set key=value …", "change generation settings (" + ", ".join(settings_keys()) + ")"),
    ("/set", "show the settings and where their defaults come from"),
    ("/reset", "forget /set values: back to the model's generation_config"),
    ("/snippet", "show the Python that reproduces the last run (y copies it)"),
    ("/unload", "free the loaded model"),
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
    "/help": _help,
}
