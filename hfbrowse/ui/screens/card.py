"""The highlighted model's card: its YAML metadata as a small table, then the README as Markdown.

Shown over the main screen (escape closes it). The README is fetched in a thread worker through
the gateway, so offline it comes from the HF cache, and a gated repo's answer says what access
is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.card import ModelCard, load_card
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui import keys

ORIGINS = {"hub": "from the Hub", "cache": "from the local cache (offline)", "folder": "local"}


class ModelCardScreen(ModalScreen[None]):
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

    @dataclass
    class _Loaded(Message):
        card: ModelCard

    @dataclass
    class _Failed(Message):
        error: HFBrowseError

    def __init__(self, ref: ModelRef, gateway: HubGateway) -> None:
        super().__init__()
        self.ref = ref
        self.gateway = gateway
        self.card: ModelCard | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-body") as body:
            body.border_title = f"card — {self.ref.display}"
            body.border_subtitle = "escape closes"
            yield Static(f"loading README.md of {self.ref.display} …", id="card-status")
            yield Static(id="card-meta")
            yield Markdown(id="card-markdown")

    def on_mount(self) -> None:
        self.query_one("#card-body").focus()
        self._load(self.ref)

    @work(thread=True, exclusive=True, group="model-card", exit_on_error=False)
    def _load(self, ref: ModelRef) -> None:
        gateway = self.gateway
        try:
            self.post_message(self._Loaded(load_card(ref, gateway)))
        except Exception as exc:
            self.post_message(self._Failed(as_user_error(exc)))

    @on(_Loaded)
    async def _loaded(self, msg: _Loaded) -> None:
        card = self.card = msg.card
        status = Text(f"README.md {ORIGINS.get(card.origin, card.origin)}", style="dim")
        if card.truncated:
            status.append(" · long card: shown in part", style="yellow")
        if card.metadata_error:
            status.append(f" · {card.metadata_error}", style="yellow")
        self.query_one("#card-status", Static).update(status)
        self.query_one("#card-meta", Static).update(metadata_table(card))
        self.query_one("#card-meta").display = bool(card.metadata)
        await self.query_one("#card-markdown", Markdown).update(
            card.body or "*This card has no text besides its metadata.*"
        )

    @on(_Failed)
    def _failed(self, msg: _Failed) -> None:
        status = self.query_one("#card-status", Static)
        status.add_class("-error")
        status.update(str(msg.error))
        self.query_one("#card-meta").display = False


def metadata_table(card: ModelCard) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in card.metadata:
        table.add_row(key, value)
    return table
