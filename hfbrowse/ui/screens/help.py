"""F1: every key binding of the app and the main screen, with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hfbrowse.ui import keys

INTRO = (
    "hfbrowse shows a model's config.json, its tensors (from safetensors headers, no weights"
    " downloaded), and the source of the class its Auto head resolves to."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = keys.bindings(keys.CLOSE, extra_keys="f1")

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = bindings

    def compose(self) -> ComposeResult:
        table = Table(show_header=True, header_style="bold", box=None, expand=True)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        for key, text in self.rows:
            table.add_row(Text(key), Text(text))
        with VerticalScroll(id="help-body") as body:
            body.border_title = "hfbrowse help — escape closes"
            yield Static(INTRO + "\n")
            yield Static(table)
            yield Static(
                "\nSingle-letter keys act when no text box has focus; escape leaves a text box."
                "\nCommand palette: ctrl+p.  For scripts: hfbrowse MODEL --print / --json."
            )
