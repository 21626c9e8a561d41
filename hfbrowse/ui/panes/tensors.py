"""Centre-bottom pane: the tensor table (filter, per-dtype totals, quantisation line), the module
tree (``g``) and the ``__init__`` line that creates the highlighted tensor's module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tree

from hfbrowse.core.checkpoint.quantization import QuantizedCounts
from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable
from hfbrowse.core.formatting import grouped, human_bytes, human_count, shape_text
from hfbrowse.core.untrusted import printable
from hfbrowse.ui.opened_model import OpenedModel
from hfbrowse.ui.widgets.tensor_origin import TensorOrigin, quant_text

if TYPE_CHECKING:
    from hfbrowse.ui.widgets.module_tree_view import ModuleTreeView

FILTER_DEBOUNCE_S = 0.15
NAME_WIDTH_CAP = 96  # longer tensor names are cut; zoom (z) and the filter still find them
# Rows the table holds at once: DataTable measures every cell on the UI thread (200,000 rows
# froze the screen for over a minute); the filter searches all rows and shows the first ones.
MAX_TABLE_ROWS = 2_000


def _capped(count: int) -> str:
    if count <= MAX_TABLE_ROWS:
        return ""
    return f" · first {MAX_TABLE_ROWS:,} shown, filter for the rest"


class TensorPane(Vertical, can_focus=False):
    """Rows come from safetensors headers (or the meta device, labelled as such)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.table_data: TensorTable | None = None
        self.counts: QuantizedCounts | None = None
        self._filter_timer: Timer | None = None
        self._head_class: tuple[str | None, str | None] = (None, None)
        self._message: tuple[str, bool] | None = None
        self._rows: tuple[TensorRow, ...] = ()  # the rows the table shows, in its order

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tensors (substring)…", id="tensor-filter")
        table: DataTable = DataTable(id="tensor-table", zebra_stripes=True, cursor_type="row")
        table.add_column("name", key="name")
        table.add_column("shape", key="shape")
        table.add_column("dtype", key="dtype")
        table.add_column("params", key="params")
        table.add_column("bytes", key="bytes")
        yield table
        yield TensorOrigin(id="tensor-origin")  # the module tree (g) mounts above it when asked
        yield Static("", id="tensor-totals")
        yield Static("", id="tensor-quant")

    def on_mount(self) -> None:
        self.border_title = "tensors"

    # -- what is shown ---------------------------------------------------------------------
    def show(self, opened: OpenedModel) -> None:
        facts, checkpoint = opened.facts, opened.checkpoint
        option = facts.heads.option(opened.head) if facts else None
        head_class = (option.class_name if option else None, facts.model_type if facts else None)
        if head_class != self._head_class:
            self._head_class = head_class
            self.query_one(TensorOrigin).set_head(*head_class)
        if opened.error is not None:
            self.show_message("—")
        elif checkpoint is None:
            if opened.meta_pending:
                self.show_message(
                    f"No safetensors checkpoint. Building {opened.meta_pending} on the meta"
                    " device (imports torch) …"
                )
            else:
                self.show_message("reading safetensors headers …")
        elif checkpoint.table is None:
            self.show_message(str(checkpoint.error or "no tensor table"), error=True)
        elif checkpoint.table is not self.table_data:
            self.show_table(checkpoint.table, checkpoint.counts, checkpoint.notice)

    def show_message(self, text: str, *, error: bool = False) -> None:
        if self._message == (text, error):
            return  # already says so (show() runs at every stage of an opening)
        self._message = (text, error)
        self.table_data = None
        self.counts = None
        self._rows = ()
        self.query_one(DataTable).clear()
        self.border_title = "tensors"
        style = "bold red" if error else "dim"
        self.query_one("#tensor-totals", Static).update(Text(printable(text), style=style))
        self._set_quant(None)
        if (tree := self._tree()) is not None:
            tree.built_for = None

    def show_table(
        self, table: TensorTable, counts: QuantizedCounts | None, notice: str | None = None
    ) -> None:
        self._message = None
        self.table_data = table
        self.counts = counts
        self.border_title = Text(
            f"tensors — {len(table.rows):,} · {table.source}" + _capped(len(table.rows))
        )
        self._fill(table.filtered(self.query_one(Input).value))
        totals = Text()
        if notice:
            totals.append(printable(notice) + "\n", style="yellow")
        if (flagged := table.flag_note()) is not None:
            totals.append(printable(flagged) + "\n", style="bold yellow")
        for t in table.totals:
            totals.append(f"{t.dtype}", style="bold")
            noun = "tensor" if t.tensors == 1 else "tensors"
            totals.append(
                f" {t.tensors:,} {noun} · {human_count(t.parameters)} params"
                f" · {human_bytes(t.nbytes)}   "
            )
        totals.append("total ", style="bold")
        totals.append(f"{human_count(table.parameters)} params · {human_bytes(table.nbytes)}")
        self.query_one("#tensor-totals", Static).update(totals)
        self._set_quant(counts)
        if (tree := self._tree()) is not None:
            tree.built_for = None
            if tree.display:
                tree.show(table, counts)

    def _set_quant(self, counts: QuantizedCounts | None) -> None:
        quant = self.query_one("#tensor-quant", Static)
        quant.update(quant_text(counts))
        quant.display = bool(counts and counts.scheme)

    def _fill(self, rows: tuple[TensorRow, ...]) -> None:
        widget = self.query_one(DataTable)
        widget.clear()
        rows = rows[:MAX_TABLE_ROWS]  # the filter reaches the rest (see the border title)
        self._rows = rows
        # Names are a checkpoint's text: Text cells (a str cell would be parsed as markup),
        # control characters escaped; a flagged row says so beside its count.
        cells = [
            (
                Text(printable(r.name), style="bold yellow" if r.problem else ""),
                shape_text(r.shape),
                r.dtype,
                Text(("⚠ " if r.problem else "") + grouped(r.parameters), justify="right"),
                Text(human_bytes(r.nbytes), justify="right"),
            )
            for r in rows
        ]
        # Column widths set here, from the data, rather than measured by DataTable when it
        # next goes idle: the table is right on the very frame the rows arrive.
        for index, column in enumerate(widget.ordered_columns):
            widest = max((len(str(row[index])) for row in cells), default=0)
            column.auto_width = False
            column.width = max(len(column.label), min(widest, NAME_WIDTH_CAP))
        widget.add_rows(cells)
        widget.refresh()

    # -- the filter ------------------------------------------------------------------------
    @on(Input.Changed, "#tensor-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE_S, self._apply_filter)

    def _apply_filter(self) -> None:
        if self.table_data is not None:
            text = self.query_one(Input).value
            rows = self.table_data.filtered(text)
            self._fill(rows)
            if text.strip():
                self.border_title = Text(
                    f"tensors — {len(rows):,} of {len(self.table_data.rows):,} match {text!r}"
                    + _capped(len(rows))
                )
            else:
                self.border_title = Text(
                    f"tensors — {len(rows):,} · {self.table_data.source}" + _capped(len(rows))
                )

    @on(Input.Submitted, "#tensor-filter")
    def _filter_submitted(self) -> None:
        self._apply_filter()
        self.query_one(DataTable).focus()

    # -- module tree and the __init__ line -------------------------------------------------
    def _tree(self) -> ModuleTreeView | None:
        found = self.query("#tensor-tree")
        return found.first() if found else None  # type: ignore[return-value]

    async def toggle_tree(self) -> None:
        """``g``: the module tree in the table's place; again: the table."""
        table = self.query_one("#tensor-table", DataTable)
        tree = self._tree()
        show_tree = tree is None or not tree.display
        if show_tree and self.table_data is None:
            self.notify("No tensor table yet.")
            return
        if tree is None:
            from hfbrowse.ui.widgets.module_tree_view import ModuleTreeView

            tree = ModuleTreeView(id="tensor-tree")
            await self.mount(tree, after=table)
        if show_tree and tree.built_for is not self.table_data:
            tree.show(self.table_data, self.counts)
        tree.display, table.display = show_tree, not show_tree
        (tree if show_tree else table).focus()

    @on(DataTable.RowHighlighted, "#tensor-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:
            self._lookup_row(event.data_table, event.cursor_row)

    @on(Tree.NodeHighlighted, "#tensor-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        from hfbrowse.ui.widgets.module_tree_view import tensor_of

        if event.node.tree.has_focus:
            self.query_one(TensorOrigin).lookup(tensor_of(event.node.data))

    def on_descendant_focus(self, event) -> None:
        """Focusing the table or tree shows the origin of what its cursor is on."""
        widget = event.widget
        if isinstance(widget, DataTable) and widget.id == "tensor-table":
            self._lookup_row(widget, widget.cursor_row)
        elif widget.id == "tensor-tree" and isinstance(widget, Tree) and widget.cursor_node:
            from hfbrowse.ui.widgets.module_tree_view import tensor_of

            self.query_one(TensorOrigin).lookup(tensor_of(widget.cursor_node.data))

    def on_descendant_blur(self, event) -> None:
        self.query_one(TensorOrigin).clear()

    def _lookup_row(self, table: DataTable, row: int) -> None:
        if not 0 <= row < min(len(self._rows), table.row_count):  # empty or cleared
            self.query_one(TensorOrigin).clear()
            return
        row_data = self._rows[row]
        if row_data.problem:  # the origin line's place says what does not add up
            self.query_one(TensorOrigin).say(f"{row_data.name}: ⚠ {row_data.problem}")
            return
        self.query_one(TensorOrigin).lookup(row_data.name)
