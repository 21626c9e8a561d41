"""A yes/no modal: the console asks before loading a pickle checkpoint or an oversized model."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from hfbrowse.core.untrusted import printable


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes (button, ``y``); anything else is no."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; background: $background 60%; }
    ConfirmScreen #confirm-body {
        width: 84; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-title { text-style: bold; color: $warning; margin-bottom: 1; }
    ConfirmScreen .confirm-question { margin-bottom: 1; }
    ConfirmScreen #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, title: str, questions: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.questions = questions

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(Text(printable(self.title_text)), id="confirm-title")
            for question in self.questions:
                yield Static(Text(printable(question)), classes="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Load (y)", id="confirm-yes", variant="warning")
                yield Button("Cancel (n)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
