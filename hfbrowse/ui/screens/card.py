"""The highlighted model's card: its YAML metadata as a small table, then the README as Markdown.

Shown over the main screen (escape closes it). The README is fetched in a thread worker through
the gateway, so offline it comes from the HF cache, and a gated repo's answer says what access
is needed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from hfbrowse.core.hub.card import ModelCard, load_card
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen

ORIGINS = {"hub": "from the Hub", "cache": "from the local cache (offline)", "folder": "local"}


class ModelCardScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.CLOSE, extra_keys="c")
    DEFAULT_CSS = """
    ModelCardScreen { align: center middle; }
    ModelCardScreen #card-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    ModelCardScreen #card-meta { height: auto; }
    ModelCardScreen #card-status { height: auto; color: $text-muted; }
    ModelCardScreen #card-status.-error { color: $text-error; }
    ModelCardScreen Markdown { margin: 0; padding: 0; }
    """

    STATUS_ID = "card-status"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-body") as body:
            body.border_title = Text(f"card — {printable(self.ref.display)}")
            body.border_subtitle = "escape closes"
            loading = f"loading README.md of {printable(self.ref.display)} …"
            yield Static(Text(loading), id="card-status")
            yield Static(id="card-meta")
            yield Markdown(id="card-markdown")

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()
        super().on_mount()

    def fetch(self) -> ModelCard:
        return load_card(self.ref, self.gateway)

    async def draw(self, card: ModelCard) -> None:
        self.card = card
        status = Text(f"README.md {ORIGINS.get(card.origin, card.origin)}", style="dim")
        if card.truncated:
            status.append(" · long card: shown in part", style="yellow")
        if card.metadata_error:
            status.append(f" · {printable(card.metadata_error)}", style="yellow")
        self.query_one("#card-status", Static).update(status)
        self.query_one("#card-meta", Static).update(metadata_table(card))
        self.query_one("#card-meta").display = bool(card.metadata)
        await self.query_one("#card-markdown", Markdown).update(
            printable(card.body, keep_lines=True) or "*This card has no text besides its metadata.*"
        )

    def failed(self) -> None:
        self.query_one("#card-meta").display = False


def metadata_table(card: ModelCard) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in card.metadata:
        table.add_row(Text(printable(key)), Text(printable(value)))
    return table
