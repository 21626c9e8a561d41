"""The opened PEFT adapter (``a``): its config, the base modules it touches, parameters added.

The base is opened headers-first in a thread worker (``inspect_adapter``, the function
``--print/--json`` call too, and ``adapter_lines`` the lines they print), so the view and the
report cannot disagree; ``b`` here or on the main screen opens the base model itself.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from hfbrowse.core.adapter_report import AdapterReport, adapter_lines, inspect_adapter
from hfbrowse.core.adapters import run_note
from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen


class AdapterScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(keys.CLOSE, extra_keys="a"),
        *keys.bindings(keys.ADAPTER),
    ]
    DEFAULT_CSS = """
    AdapterScreen { align: center middle; }
    AdapterScreen #adapter-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    AdapterScreen #adapter-status { height: auto; color: $text-muted; }
    AdapterScreen #adapter-status.-error { color: $text-error; }
    """

    STATUS_ID = "adapter-status"

    def __init__(self, facts: ModelFacts, table: TensorTable | None, gateway: HubGateway) -> None:
        super().__init__(facts.ref, gateway)
        self.facts = facts
        self.table = table
        self.report: AdapterReport | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="adapter-body") as body:
            body.border_title = f"adapter — {self.ref.display}"
            body.border_subtitle = "b opens the base · escape closes"
            yield Static(Text("reading the base model's headers …"), id="adapter-status")
            yield Static(id="adapter-lines")

    def on_mount(self) -> None:
        self.query_one("#adapter-body").focus()
        super().on_mount()

    def fetch(self) -> AdapterReport:
        return inspect_adapter(self.facts, self.table, self.gateway)

    def draw(self, report: AdapterReport) -> None:
        self.report = report
        self.status(f"read from headers (no peft needed) · {run_note()}")
        text = Text()
        for line in adapter_lines(report, modules_shown=200):
            style = "yellow" if line.startswith(("warning:", "base:")) else ""
            text.append(line + "\n", style=style)
        self.query_one("#adapter-lines", Static).update(text)

    def action_open_base(self) -> None:
        below = self.app.screen_stack[-2]  # the main screen, which opens models
        self.dismiss()
        below.call_later(below.run_action, "open_base")
