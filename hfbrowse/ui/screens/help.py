"""F1: every key binding of the app and the main screen, with what it does."""

from __future__ import annotations

from rich.console import Group
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


KEY_WIDTH = 20  # "↑ / ↓ in the console", "enter (search box)"


class HelpScreen(ModalScreen[None]):
    BINDINGS = keys.bindings(keys.CLOSE, extra_keys="f1")

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    @property
    def rows(self) -> list[tuple[str, str]]:
        """Every (keys, what they do) line, section after section."""
        return [row for _, rows in self.sections for row in rows]

    def compose(self) -> ComposeResult:
        tables = []
        for title, rows in self.sections:
            if not rows:
                continue
            table = Table(
                show_header=False,
                box=None,
                expand=True,
                title=title,
                title_justify="left",
                title_style="bold underline",
            )
            table.add_column("key", style="bold cyan", no_wrap=True, width=KEY_WIDTH)
            table.add_column("action", ratio=1)  # the key column keeps its width
            for key, text in rows:
                table.add_row(Text(key), Text(text))
            tables += [table, Text("")]
        with VerticalScroll(id="help-body") as body:
            body.border_title = "hfbrowse help — escape closes"
            yield Static(INTRO + "\n")
            yield Static(Group(*tables))
            yield Static(
                "\nSingle-letter keys act when no text box has focus (the memory view's number"
                " fields take digits only); escape leaves a text box."
                "\nFor scripts: hfbrowse MODEL --print / --json."
            )
