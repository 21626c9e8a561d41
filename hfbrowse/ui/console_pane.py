"""Bottom pane: the console that runs the shown head on typed input."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, RichLog


class ConsolePane(Vertical, can_focus=False):
    def compose(self) -> ComposeResult:
        yield RichLog(id="console-log", wrap=True, markup=False)
        yield Input(placeholder=": type input for the shown head, Enter runs", id="console-input")

    def on_mount(self) -> None:
        self.border_title = "console"
        self.query_one(RichLog).write(
            Text("The console runs the shown head on typed input (not yet built).", style="dim")
        )
