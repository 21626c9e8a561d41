"""Right pane: ``__init__`` and ``forward`` of the shown head's class, pygments-highlighted."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from hfbrowse.core.source.classes import ClassSource
from hfbrowse.core.source.remote_code import RemoteCode

SYNTAX_THEME = "monokai"


class SourceView(VerticalScroll, can_focus=True):
    """The scrollable, focusable body (arrow keys and page keys scroll it)."""


class SourcePane(Vertical, can_focus=False):
    showing_remote = False  # True while the repo's own (remote) code is shown

    def compose(self) -> ComposeResult:
        yield Static("", id="source-title")
        with SourceView(id="source-view"):
            yield Static("", id="source-body")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.showing_remote = False
        self.query_one("#source-title", Static).update("")
        style = "bold red" if error else "dim"
        self.query_one("#source-body", Static).update(Text(text, style=style))

    def show_source(self, head: str, source: ClassSource, heads_count: int) -> None:
        self.showing_remote = False
        self.border_title = f"source — {head}"
        title = Text()
        title.append(f"{head} → ", style="dim")
        title.append(source.class_name, style="bold")
        if source.relative_file:
            title.append(
                f"  {source.relative_file.removeprefix('transformers/')}:{source.line}", style="dim"
            )
        if heads_count > 1:
            title.append(f"   (h: next of {heads_count} heads)", style="dim italic")
        self.query_one("#source-title", Static).update(title)
        parts: list = []
        for method in source.methods:
            where = Text()
            where.append(f"def {method.name}", style="bold yellow")
            if method.defining_class != source.class_name:
                where.append(f"  inherited from {method.defining_class}", style="italic magenta")
            where.append(f"  {Path(method.file).name}:{method.start_line}", style="dim")
            parts.append(where)
            parts.append(
                Syntax(
                    method.text,
                    "python",
                    theme=SYNTAX_THEME,
                    line_numbers=True,
                    start_line=method.start_line,
                    word_wrap=False,
                    background_color="default",
                    dedent=False,
                )
            )
            parts.append(Text(""))
        for name in source.missing:
            parts.append(Text(f"{name}: not found in the class or its bases", style="dim"))
        self.query_one("#source-body", Static).update(Group(*parts))
        self.query_one(SourceView).scroll_home(animate=False)

    def show_remote(self, remote: RemoteCode) -> None:
        """The repo's own code, as text, under a red "not run" banner (remote_code_view)."""
        from hfbrowse.render.remote_code import banner, render_remote

        self.showing_remote = True
        self.border_title = "source — remote code (not run)"
        self.query_one("#source-title", Static).update(banner(remote))
        self.query_one("#source-body", Static).update(render_remote(remote))
        self.query_one(SourceView).scroll_home(animate=False)
