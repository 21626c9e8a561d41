"""Console commands: lines starting with ``/`` change settings or show things, never run a model.

``//text`` runs ``/text`` as input, for the rare prompt that starts with a slash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from hfbrowse.core.console.errors import SettingsError
from hfbrowse.core.console.settings import parse_assignment, settings_keys
from hfbrowse.render import console_results as render

if TYPE_CHECKING:
    from hfbrowse.ui.panes.console import ConsolePane

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


def run_command(pane: ConsolePane, line: str) -> None:
    name, _, rest = line.strip().partition(" ")
    handler = COMMANDS.get(name.lower())
    if handler is None:
        pane.write(Text(f"unknown command {name}; /help lists them", style="bold red"))
        return
    handler(pane, rest.strip())


def _set(pane: ConsolePane, rest: str) -> None:
    if not rest:
        settings = pane.settings()
        if settings is None:
            pane.write(Text("/set changes generation settings; this head does not generate."))
            return
        text = Text(settings.line(), style="bold")
        custom = ", ".join(f"{k}={v}" for k, v in pane.overrides.items()) or "none"
        text.append(f"\nset by you: {custom}; the rest from the model's generation_config")
        pane.write(text)
        return
    changes = {}
    try:
        for part in rest.split():
            key, value = parse_assignment(part)
            changes[key] = value
    except SettingsError as exc:
        pane.write(Text(str(exc), style="bold red"))
        return
    pane.overrides.update(changes)
    pane.draw_settings()
    shown = " ".join(f"{k}={v}" for k, v in changes.items())
    pane.write(Text(f"set {shown}", style="green"))


def _reset(pane: ConsolePane, rest: str) -> None:
    pane.overrides.clear()
    pane.draw_settings()
    pane.write(Text("settings reset to the model's defaults", style="green"))


def _snippet(pane: ConsolePane, rest: str) -> None:
    if pane.last_result is None:
        pane.write(Text("no run yet: the snippet is the Python of the last run", style="yellow"))
        return
    pane.write(render.snippet(pane.last_result.snippet))


def _unload(pane: ConsolePane, rest: str) -> None:
    if pane.busy:
        pane.write(Text("a run is in progress: Escape stops it first", style="yellow"))
        return
    if pane.session.loaded is None:
        pane.write(Text("no model is loaded", style="dim"))
        return
    name = pane.session.loaded.key.model
    pane.session.unload()
    pane.write(Text(f"unloaded {name}", style="green"))


def _clear(pane: ConsolePane, rest: str) -> None:
    for entry in pane.query("#console-log > *"):
        entry.remove()


def _help(pane: ConsolePane, rest: str) -> None:
    text = Text()
    for i, (command, what) in enumerate(HELP):
        text.append(("\n" if i else "") + f"{command:<18}", style="bold")
        text.append(what)
    text.append("\nEnter runs · ↑/↓ earlier inputs · Escape or Ctrl+C stops a run · y copies")
    pane.write(text)


COMMANDS = {
    "/set": _set,
    "/reset": _reset,
    "/snippet": _snippet,
    "/unload": _unload,
    "/clear": _clear,
    "/help": _help,
}
