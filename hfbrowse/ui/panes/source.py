"""Right pane: ``__init__`` and ``forward`` of the shown head's class, pygments-highlighted; for
a repo with its own code (``auto_map``), that code as text under a "not run" banner (``r``).

Both are found in thread workers this pane owns: the head's class with ``ast`` (milliseconds;
``inspect`` only as a fallback), the repo's files by download, never imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_source
from hfbrowse.core.source.classes import ClassSource
from hfbrowse.core.untrusted import printable
from hfbrowse.ui.opened_model import OpenedModel

if TYPE_CHECKING:
    from hfbrowse.core.source.remote_code import RemoteCode


class SourceView(VerticalScroll, can_focus=True):
    """The scrollable, focusable body (arrow keys and page keys scroll it)."""


class SourcePane(Vertical, can_focus=False):
    @dataclass
    class _SourceFound(Message):
        token: int
        head: str
        source: ClassSource | HFBrowseError | None

    @dataclass
    class _RemoteFound(Message):
        token: int
        remote: RemoteCode | HFBrowseError | None

    class Settled(Message):
        """The pane shows the shown head's source (or why there is none)."""

    def __init__(self, gateway: HubGateway, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gateway = gateway
        self.opened: OpenedModel | None = None
        self.remote: RemoteCode | None = None
        self.showing_remote = False  # True while the repo's own (remote) code is shown
        self._shown: tuple[int, str | None] | None = None  # (token, head) drawn or loading
        self._remote_for: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="source-title")
        with SourceView(id="source-view"):
            yield Static("", id="source-body")

    def on_mount(self) -> None:
        self.border_title = "source"

    # -- what is shown ---------------------------------------------------------------------
    def show(self, opened: OpenedModel) -> None:
        self.opened = opened
        facts = opened.facts
        if opened.error is not None or facts is None:
            self._shown = None
            self.remote = None
            self.show_message("—" if opened.error else "waiting for the config …")
            if opened.error is not None:
                self.post_message(self.Settled())
            return
        if facts.heads.remote_code and self._remote_for != opened.token:
            self._remote_for = opened.token
            self.remote = None
            self._load_remote(facts, opened.token)
        if self._shown == (opened.token, opened.head):
            return
        self._shown = (opened.token, opened.head)
        if opened.head is None:
            if self.remote is not None:
                self._draw_remote(self.remote)
            else:
                self.show_message(f"No text head to show: {facts.heads.reason}.")
            self.post_message(self.Settled())
            return
        self.show_message(f"locating {opened.head} …")
        self._load_source(facts, opened.head, opened.token)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.showing_remote = False
        self.border_title = "source"
        self.query_one("#source-title", Static).update("")
        style = "bold red" if error else "dim"
        self.query_one("#source-body", Static).update(Text(printable(text), style=style))

    # -- the head's class --------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="source", exit_on_error=False)
    def _load_source(self, facts: ModelFacts, head: str, token: int) -> None:
        try:
            found: ClassSource | HFBrowseError | None = load_source(facts, head)
        except Exception as exc:
            found = as_user_error(exc)
        self.post_message(self._SourceFound(token, head, found))

    @on(_SourceFound)
    def _source_found(self, msg: _SourceFound) -> None:
        if self._shown != (msg.token, msg.head) or self.showing_remote:
            return
        if isinstance(msg.source, HFBrowseError):
            self.show_message(str(msg.source), error=True)
        elif msg.source is None:
            self.show_message(f"transformers has no class for {msg.head}.", error=True)
        else:
            self._draw_source(msg.head, msg.source)
        self.call_after_refresh(self.post_message, self.Settled())

    def _draw_source(self, head: str, source: ClassSource) -> None:
        from hfbrowse.render.source import source_body, source_title  # the highlighter: ~25 ms

        facts = self.opened.facts if self.opened else None
        heads_count = len(facts.heads.supported) if facts else 1
        self.showing_remote = False
        self.border_title = f"source — {head}"
        self.query_one("#source-title", Static).update(source_title(head, source, heads_count))
        self.query_one("#source-body", Static).update(source_body(source))
        self.query_one(SourceView).scroll_home(animate=False)

    # -- the repo's own code -------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="remote-code", exit_on_error=False)
    def _load_remote(self, facts: ModelFacts, token: int) -> None:
        from hfbrowse.core.source.remote_code import load_remote_code

        siblings = facts.hub.siblings if facts.hub else ()
        try:
            found: RemoteCode | HFBrowseError | None = load_remote_code(
                facts.ref, facts.config, self.gateway, siblings
            )
        except Exception as exc:  # one line on screen, never a traceback
            found = as_user_error(exc)
        self.post_message(self._RemoteFound(token, found))

    @on(_RemoteFound)
    def _remote_found(self, msg: _RemoteFound) -> None:
        if self.opened is None or msg.token != self.opened.token:
            return
        if isinstance(msg.remote, HFBrowseError) or msg.remote is None:
            why = msg.remote or "no code files found"
            self.notify(f"Could not read the repo's code: {why}", severity="error", markup=False)
            return
        self.remote = msg.remote
        if self.opened.head is None:  # no built-in class: the repo's code is the source to read
            self._draw_remote(msg.remote)
        else:
            self.notify("This repo has its own code (auto_map): r shows it, as text.")

    def _draw_remote(self, remote: RemoteCode) -> None:
        from hfbrowse.render.remote_code import banner, render_remote

        self.showing_remote = True
        self.border_title = "source — remote code (not run)"
        self.query_one("#source-title", Static).update(banner(remote))
        self.query_one("#source-body", Static).update(render_remote(remote))
        self.query_one(SourceView).scroll_home(animate=False)

    def toggle_remote(self) -> None:
        """``r``: the repo's code ↔ the head's class."""
        opened = self.opened
        if self.showing_remote and opened is not None and opened.facts is not None:
            if opened.head is None:
                self.show_message(f"No text head to show: {opened.facts.heads.reason}.")
            else:
                self._shown = None
                self.show(opened)
        elif self.remote is not None:
            self._draw_remote(self.remote)
        elif self.opened is not None and self.opened.facts and self.opened.facts.heads.remote_code:
            self.notify("Still reading the repo's code …")
        else:
            self.notify("This model has no code of its own (no auto_map in config.json).")
