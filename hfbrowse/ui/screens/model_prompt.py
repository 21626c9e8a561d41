"""A one-line modal that asks for another model (Hub id or folder) to compare with."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class ModelPrompt(ModalScreen[str | None]):
    """Dismisses with the typed text (stripped), or None on escape / empty input."""

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
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.known = sorted(known or ())  # offered as completions

    def compose(self) -> ComposeResult:
        with Vertical(id="model-prompt") as box:
            box.border_title = self.title_text
            yield Input(
                placeholder=self.placeholder,
                id="model-prompt-input",
                suggester=SuggestFromList(self.known, case_sensitive=False),
            )
            yield Static("enter compares · → completes · escape cancels", id="model-prompt-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
