"""The yardstick of benchmarks/startup.py: a bare Textual app, one bordered Static with some
text and a Footer, started the way hfbrowse is (a fresh interpreter on a real terminal).

Run by the benchmark as ``python benchmarks/_startup_probe.py``; ``q`` quits.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

TEXT = "bare Textual app: first frame"


class BareApp(App[None]):
    CSS = "Static { border: round $accent; height: 1fr; }"
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("f1", "bell", "Help")]

    def compose(self) -> ComposeResult:
        yield Static(f"{TEXT}\n\nOne bordered Static with some text, and a Footer.")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
