"""The centre pane's analysis views: head compatibility (``k``) and memory (``m``).

Shown in place of the config pane; the same key again brings the config back.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher

from hfbrowse.ui.widgets.compat_view import CompatView
from hfbrowse.ui.widgets.memory_view import MemoryView

TITLES = {
    "compat-view": "head compatibility — k closes",
    "memory-view": "memory — m closes",
}


class AnalysisPane(Vertical):
    DEFAULT_CSS = """
    AnalysisPane { display: none; height: 1fr; }
    AnalysisPane ContentSwitcher, AnalysisPane CompatView, AnalysisPane MemoryView {
        height: 1fr;
    }
    #compat-basis { height: auto; max-height: 2; padding: 0 1; }
    #compat-table { height: auto; max-height: 8; }
    #compat-detail-scroll { height: 1fr; padding: 0 1; }
    #memory-knobs { height: 1; padding: 0 1; }
    #memory-knobs Input { border: none; height: 1; width: 12; padding: 0 1; }
    #memory-table { height: auto; max-height: 7; }
    #memory-notes-scroll { height: 1fr; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="compat-view", id="analysis-switcher"):
            yield CompatView(id="compat-view")
            yield MemoryView(id="memory-view")

    @property
    def compat(self) -> CompatView:
        return self.query_one(CompatView)

    @property
    def memory(self) -> MemoryView:
        return self.query_one(MemoryView)

    @property
    def current(self) -> str | None:
        return self.query_one(ContentSwitcher).current

    def switch(self, view: str) -> None:
        self.query_one(ContentSwitcher).current = view
        self.border_title = TITLES[view]
