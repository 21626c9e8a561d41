"""The family view (``F``): the opened model's base model(s) and the models derived from it.

Bases come with the opened model (no request); the derived models are listed when the view
opens (one request per relation, most downloaded first — the Hub's own model tree). Enter opens
the highlighted model (the main screen opens it as any model); ``D`` and ``d`` compare the
opened model with its base: the config diff and the head diff, the screens ``D``/``d`` open.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.family import (
    CHILDREN_LIMIT,
    RELATION_OF,
    RELATION_PLURAL,
    Family,
    Relative,
    load_family,
    with_children,
)
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.screens.repo_view import RepoViewScreen


class FamilyScreen(RepoViewScreen):
    """Dismissed with the model to open (None: closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(keys.CLOSE, extra_keys="F"),
        *keys.bindings(keys.FAMILY),
    ]
    DEFAULT_CSS = """
    FamilyScreen { align: center middle; }
    FamilyScreen #family-body {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    FamilyScreen #family-status { height: auto; color: $text-muted; }
    FamilyScreen #family-status.-error { color: $text-error; }
    FamilyScreen #family-table { height: 1fr; }
    """

    STATUS_ID = "family-status"

    def __init__(
        self, facts: ModelFacts, family: Family | None, head: str | None, gateway: HubGateway
    ) -> None:
        super().__init__(facts.ref, gateway)
        self.facts, self.family, self.head = facts, family, head
        self.rows: list[Relative | None] = []  # the model each table row opens (None: a title)

    def compose(self) -> ComposeResult:
        with Vertical(id="family-body") as body:
            body.border_title = f"family — {printable(self.ref.display)}"
            body.border_subtitle = "enter opens · D/d: config/head diff with the base · esc closes"
            yield Static(Text("listing the models derived from it …"), id="family-status")
            yield DataTable(id="family-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#family-table", DataTable)
        for label in ("relation", "model", "downloads"):
            table.add_column(label)
        table.focus()
        super().on_mount()

    def fetch(self) -> Family:
        family = self.family or load_family(self.facts, self.gateway)
        return with_children(family, self.gateway, self.ref, CHILDREN_LIMIT)

    def draw(self, family: Family) -> None:
        self.family = family
        table = self.query_one("#family-table", DataTable)
        for base in family.bases:
            rel = Text(RELATION_OF.get(family.relation or "", "base"), style="bold cyan")
            table.add_row(rel, Text(printable(base.id)), "")
            self.rows.append(base)
        notes = list(family.notes)
        listed = 0
        for group in family.children or ():
            name = RELATION_PLURAL.get(group.relation, group.relation)
            if group.error:
                notes.append(f"{name}: {group.error}")
                continue
            for child in group.models:
                downloads = f"{child.downloads:,}" if child.downloads is not None else ""
                table.add_row(Text(name, style="green"), Text(printable(child.id)), downloads)
                self.rows.append(child)
                listed += 1
            if group.more:
                table.add_row(Text(name, style="dim"), Text("… more on the Hub", style="dim"), "")
                self.rows.append(None)
        parts = [family.summary() or "no base model named, and no models derived from it known"]
        if listed:
            parts.append(
                f"{listed} listed here (most downloaded first, up to {CHILDREN_LIMIT} a relation)"
            )
        status = " · ".join(parts)
        if notes:
            status += "\n" + "\n".join(f"note: {n}" for n in notes)
        self.status(status)

    def _highlighted(self) -> Relative | None:
        table = self.query_one("#family-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#family-table")
    def _open(self) -> None:
        if (relative := self._highlighted()) is None:
            return
        try:
            ref = relative.ref
        except HFBrowseError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss(ref)

    def _with_base(self, action: str) -> None:
        family = self.family
        if family is None or family.base is None:
            self.notify(f"{self.ref.display} names no base model to compare with.", markup=False)
            return
        below = self.app.screen_stack[-2]  # the main screen, which opens the diff screens
        self.dismiss(None)
        below.call_later(below.run_action, action)

    def action_diff_config_base(self) -> None:
        self._with_base("diff_config_base")

    def action_diff_heads_base(self) -> None:
        self._with_base("diff_heads_base")
