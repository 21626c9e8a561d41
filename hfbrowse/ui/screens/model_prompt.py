"""A one-line modal that asks for a line of text: another model (Hub id or folder) to compare
with, or a value for the models list's filters (author, parameter range)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class ModelPrompt(ModalScreen[str | None]):
    """Dismisses with the typed text (stripped), or None on escape / empty input (with
    ``empty_clears``, an empty input dismisses with "": "no value", apart from escape)."""

    DEFAULT_CSS = """
    ModelPrompt { align: center middle; }
    ModelPrompt #model-prompt {
        width: 72; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    ModelPrompt #model-prompt-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        known: dict[str, object] | None = None,
        placeholder: str = "a name from the models list, a Hub id (org/name) or a folder",
        *,
        hint: str = "enter compares · → completes · escape cancels",
        value: str = "",
        empty_clears: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.known = sorted(known or ())  # offered as completions
        self.hint = hint
        self.value = value
        self.empty_clears = empty_clears

    def compose(self) -> ComposeResult:
        with Vertical(id="model-prompt") as box:
            box.border_title = self.title_text
            yield Input(
                self.value,
                placeholder=self.placeholder,
                id="model-prompt-input",
                suggester=SuggestFromList(self.known, case_sensitive=False),
            )
            yield Static(self.hint, id="model-prompt-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(value if value or self.empty_clears else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
