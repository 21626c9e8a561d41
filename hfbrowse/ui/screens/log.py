"""What transformers / huggingface_hub logged, kept in the app instead of printed over it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import RichLog

from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys


class LogScreen(ModalScreen[None]):
    BINDINGS = keys.bindings(keys.CLOSE)

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        log = RichLog(id="library-log", wrap=True, markup=False)
        log.border_title = "library log — escape closes"
        yield log

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        if not self.lines:
            log.write(Text("Nothing logged.", style="dim"))
        for level, text in self.lines:
            line = printable(f"{level}: {text}", keep_lines=True)
            log.write(Text(line, style="yellow" if level == "warning" else "red"))
