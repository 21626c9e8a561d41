"""Head compatibility view (``k``): one row per supported head, the highlighted head's details.

Rows arrive one by one (the shown head first) from a worker that runs transformers' own loading
rules on meta tensors; a head not yet computed says so rather than showing a stale answer.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from hfbrowse.core.formatting import human_count
from hfbrowse.core.heads.compat_results import (
    STATUS_CLEAN,
    STATUS_ERROR,
    STATUS_MISMATCH,
    STATUS_NEW,
    STATUS_UNUSED,
    HeadCompat,
)
from hfbrowse.core.untrusted import printable

LIST_LIMIT = 12
STYLES = {
    STATUS_CLEAN: "bold green",
    STATUS_UNUSED: "green",
    STATUS_NEW: "bold yellow",
    STATUS_MISMATCH: "bold red",
    STATUS_ERROR: "red",
}


def short_name(auto_class: str) -> str:
    """``AutoModelForSequenceClassification`` → ``SequenceClassification``."""
    return auto_class.removeprefix("AutoModelFor") if auto_class != "AutoModel" else "AutoModel"


def verdict(head: HeadCompat) -> Text:
    """``loads cleanly`` / ``2 new · 5 unused`` / ``1 mismatch`` in the status colour."""
    if head.error:
        return Text("cannot build", style=STYLES[STATUS_ERROR])
    if head.status == STATUS_CLEAN:
        return Text("loads cleanly", style=STYLES[STATUS_CLEAN])
    parts = []
    if head.mismatched:
        parts.append(f"{len(head.mismatched)} mismatch")
    if head.missing:
        parts.append(f"{len(head.missing)} new")
    if head.unexpected:
        parts.append(f"{len(head.unexpected)} unused")
    return Text(" · ".join(parts), style=STYLES.get(head.status, ""))


def _listing(title: str, items: list[str], style: str) -> Text:
    text = Text()
    text.append(f"{title} ({len(items)}):\n", style=style)
    for item in items[:LIST_LIMIT]:
        text.append(f"  {printable(item)}\n")
    if len(items) > LIST_LIMIT:
        text.append(f"  … {len(items) - LIST_LIMIT} more\n", style="dim")
    return text


def detail(head: HeadCompat) -> Text:
    """Everything the summary compresses, for the highlighted head."""
    text = Text()
    text.append(f"{head.auto_class} → {head.class_name}\n", style="bold")
    text.append(printable(head.summary()) + "\n", style=STYLES.get(head.status, ""))
    if head.error:
        return text
    text.append(
        f"{head.loaded}/{head.expected} expected tensors read from the checkpoint"
        f" · {human_count(head.head_parameters)} parameters"
    )
    if head.new_parameters:
        text.append(f" · {human_count(head.new_parameters)} newly initialised", style="yellow")
    text.append("\n")
    if head.mismatched:
        text.append_text(
            _listing(
                "shape mismatch (checkpoint vs head)",
                [
                    f"{m.name}: {list(m.checkpoint_shape)} vs {list(m.expected_shape)}"
                    for m in head.mismatched
                ],
                "bold red",
            )
        )
    if head.missing:
        text.append_text(_listing("newly initialised", list(head.missing), "bold yellow"))
    if head.unexpected:
        text.append_text(_listing("checkpoint tensors unused", list(head.unexpected), "green"))
    for r in head.renamed:
        example = printable(f"{r.example_from} → {r.example_to}")
        text.append(f"renamed at load: {r.count} × {r.kind}, e.g. {example}\n", style="cyan")
    if head.tied:
        text.append(f"tied, not read: {printable(', '.join(head.tied))}\n", style="dim")
    if head.ignored:
        text.append(
            f"{head.ignored} key(s) dropped by the class's _keys_to_ignore_on_load_* patterns\n",
            style="dim",
        )
    for err in head.conversion_errors:
        text.append(f"conversion error: {printable(err)}\n", style="red")
    return text


class CompatView(Vertical):
    """Rows per head, filled as results arrive; details of the highlighted row below."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.results: dict[str, HeadCompat] = {}
        self.order: list[tuple[str, str]] = []
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="compat-basis")
        table: DataTable = DataTable(
            id="compat-table",
            cursor_type="row",
            zebra_stripes=True,
            show_header=False,
            cell_padding=0,
        )
        table.add_column("head", key="head")
        table.add_column("verdict", key="verdict")
        yield table
        with VerticalScroll(id="compat-detail-scroll"):
            yield Static("", id="compat-detail")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.results.clear()
        self.order = []
        self.query_one(DataTable).clear()
        self.query_one("#compat-basis", Static).update(
            Text(printable(text), style="bold red" if error else "dim")
        )
        self.query_one("#compat-detail", Static).update("")

    def start(self, order: list[tuple[str, str]], basis: str, shown: str | None) -> None:
        """Rows for every head, each 'waiting' until its result arrives; cursor on ``shown``."""
        self.results.clear()
        self.order = order
        self.shown = shown
        self.query_one("#compat-basis", Static).update(Text(basis, style="dim"))
        self._redraw()
        names = [a for a, _ in order]
        if shown in names:
            self.query_one(DataTable).move_cursor(row=names.index(shown))

    def add_result(self, head: HeadCompat) -> None:
        self.results[head.auto_class] = head
        self._redraw()

    def set_notes(self, basis: str, notes: tuple[str, ...]) -> None:
        text = Text(basis, style="dim")
        for note in notes:
            text.append(f"\nnote: {printable(note)}", style="italic yellow")
        self.query_one("#compat-basis", Static).update(text)

    def set_shown(self, head: str | None) -> None:
        self.shown = head
        self._redraw()

    def _redraw(self) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for auto_class, _ in self.order:
            result = self.results.get(auto_class)
            shown = auto_class == self.shown
            table.add_row(
                Text(
                    f"{'*' if shown else ' '} {short_name(auto_class)}",
                    style="bold" if shown else "",
                ),
                Text(" ").append_text(
                    verdict(result) if result else Text("building …", style="dim")
                ),
                key=auto_class,
            )
        if self.order:
            table.move_cursor(row=min(max(cursor, 0), len(self.order) - 1))
        self._show_detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#compat-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        widget = self.query_one("#compat-detail", Static)
        if not 0 <= row < len(self.order):
            widget.update("")
            return
        auto_class, class_name = self.order[row]
        result = self.results.get(auto_class)
        if result is None:
            widget.update(Text(f"{auto_class} → {class_name}: not computed yet", style="dim"))
        else:
            widget.update(detail(result))
