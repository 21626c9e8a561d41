"""The revisions picker (``R``): branches, tags and recent commits of the opened Hub model.

Enter opens the highlighted revision (the main screen reopens the model at it); ``d`` compares
the opened revision with the highlighted one — config.json and the tensor table, from headers
(``diff_revision``, the function ``--diff-revision`` calls, and the lines it prints).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from hfbrowse.core.config.diff import render_diff_lines
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.revisions import Revisions, list_revisions
from hfbrowse.core.model import Checkpoint, ModelFacts
from hfbrowse.core.revision_diff import RevisionDiff, diff_revision, tensor_diff_lines
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen


class RevisionsScreen(RepoViewScreen):
    """Dismissed with the revision to open (None: closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(keys.CLOSE, extra_keys="R"),
        *keys.bindings(keys.REVISIONS),
    ]
    DEFAULT_CSS = """
    RevisionsScreen { align: center middle; }
    RevisionsScreen #revisions-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    RevisionsScreen #revisions-status { height: auto; color: $text-muted; }
    RevisionsScreen #revisions-status.-error { color: $text-error; }
    RevisionsScreen #revisions-table { height: 1fr; }
    """

    STATUS_ID = "revisions-status"

    def __init__(self, facts: ModelFacts, checkpoint: Checkpoint | None, gateway: HubGateway):
        super().__init__(facts.ref, gateway)
        self.facts = facts
        self.checkpoint = checkpoint
        self.revisions: Revisions | None = None
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="revisions-body") as body:
            body.border_title = f"revisions — {self.ref.display}"
            body.border_subtitle = "enter opens · d diffs with the opened one · escape closes"
            yield Static(Text(f"listing the revisions of {self.ref.id} …"), id="revisions-status")
            yield DataTable(id="revisions-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#revisions-table", DataTable)
        for label in ("", "revision", "commit", "date", "title"):
            table.add_column(label)
        table.focus()
        super().on_mount()

    def fetch(self) -> Revisions:
        return list_revisions(self.ref, self.gateway)

    def draw(self, revs: Revisions) -> None:
        self.revisions = revs
        table = self.query_one("#revisions-table", DataTable)
        opened = self.ref.revision or "main"
        for r in revs.refs:
            mark = "●" if r.name == opened else " "
            table.add_row(mark, Text(r.name), r.commit[:8], "", Text(r.kind, style="dim"))
            self.names.append(r.name)
        for c in revs.commits:
            mark = "●" if c.commit == opened else " "
            table.add_row(mark, c.short, c.commit[:8], c.date[:10], Text(c.title))
            self.names.append(c.commit)
        n = len(revs.refs)
        status = f"{n} branch{'es' if n != 1 else ''} and tags · {len(revs.commits)} recent commits"
        if revs.skipped:
            status += f" · {revs.skipped} left out (unsafe names or no commit sha)"
        self.status(status)

    def _highlighted(self) -> str | None:
        table = self.query_one("#revisions-table", DataTable)
        if not self.names or not 0 <= table.cursor_row < len(self.names):
            return None
        return self.names[table.cursor_row]

    @on(DataTable.RowSelected, "#revisions-table")
    def _open(self) -> None:
        if (name := self._highlighted()) is not None:
            self.dismiss(name)

    def action_diff(self) -> None:
        if (name := self._highlighted()) is None or self.checkpoint is None:
            return
        self.app.push_screen(RevisionDiffScreen(self.facts, self.checkpoint, name, self.gateway))


class RevisionDiffScreen(RepoViewScreen):
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.CLOSE, extra_keys="d")
    DEFAULT_CSS = """
    RevisionDiffScreen { align: center middle; }
    RevisionDiffScreen #revdiff-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    RevisionDiffScreen #revdiff-status { height: auto; color: $text-muted; }
    RevisionDiffScreen #revdiff-status.-error { color: $text-error; }
    """

    STATUS_ID = "revdiff-status"
    STYLES: ClassVar[dict[str, str]] = {"+": "green", "-": "red", "~": "yellow"}

    def __init__(
        self, facts: ModelFacts, checkpoint: Checkpoint, other: str, gateway: HubGateway
    ) -> None:
        super().__init__(facts.ref, gateway)
        self.facts, self.checkpoint, self.other = facts, checkpoint, other
        self.diff: RevisionDiff | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="revdiff-body") as body:
            left = self.ref.revision or "main"
            body.border_title = f"{self.ref.id}: {left} → {self.other[:12]}"
            body.border_subtitle = "headers only · escape closes"
            yield Static(Text(f"reading {self.other}'s config and headers …"), id="revdiff-status")
            yield Static(id="revdiff-lines")

    def on_mount(self) -> None:
        self.query_one("#revdiff-body").focus()
        super().on_mount()

    def fetch(self) -> RevisionDiff:
        return diff_revision(self.facts, self.checkpoint, self.other, self.gateway)

    def draw(self, diff: RevisionDiff) -> None:
        self.diff = diff
        c = diff.config
        self.status(
            f"config.json: ~{c.count('changed')} changed, +{c.count('added')} added,"
            f" -{c.count('removed')} removed"
        )
        text = Text()
        for line in [
            *(render_diff_lines(c) or ["  config.json identical"]),
            *tensor_diff_lines(diff),
        ]:
            text.append(line + "\n", style=self.STYLES.get(line.strip()[:1], ""))
        self.query_one("#revdiff-lines", Static).update(text)
