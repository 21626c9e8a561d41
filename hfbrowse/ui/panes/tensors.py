"""Centre-bottom pane: the tensor table (filter, per-dtype totals, quantisation line), the module
tree (``g``) and the ``__init__`` line that creates the highlighted tensor's module.

The columns follow the pane's width (``widgets.tensor_columns``): shape, dtype and parameters
stay visible and long names are shortened, the full name then shown under the table; ``s``
orders the rows by size (largest first) and back by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tree

from hfbrowse.core.checkpoint.quantization import QuantizedCounts
from hfbrowse.core.checkpoint.tensors import ORDER_NAME, ORDER_SIZE, TensorRow, TensorTable
from hfbrowse.core.formatting import count_of, human_bytes, human_count
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.opened_model import OpenedModel
from hfbrowse.ui.widgets.fixed_table import FixedWidthTable
from hfbrowse.ui.widgets.tensor_columns import TensorLayout, fit_columns
from hfbrowse.ui.widgets.tensor_origin import TensorOrigin, quant_text

if TYPE_CHECKING:
    from hfbrowse.ui.widgets.module_tree_view import ModuleTreeView

FILTER_DEBOUNCE_S = 0.15
# Rows the table holds at once: DataTable measures every cell on the UI thread (200,000 rows
# froze the screen for over a minute); the filter searches all rows and shows the first ones.
MAX_TABLE_ROWS = 2_000
FIT_ROWS = 10 * MAX_TABLE_ROWS  # rows the column widths are measured on


def _capped(count: int) -> str:
    if count <= MAX_TABLE_ROWS:
        return ""
    return f" · first {MAX_TABLE_ROWS:,} shown, filter for the rest"


MODELS_WIDTH = 28  # app.tcss: #models, beside the centre on a wide screen
CENTRE_SHARE = 3 / 5  # app.tcss: #centre 3fr, #source 2fr


class TensorPane(Vertical, can_focus=False):
    """Rows come from safetensors headers (or the meta device, labelled as such)."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.TENSORS)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.table_data: TensorTable | None = None
        self.counts: QuantizedCounts | None = None
        self.order = ORDER_NAME
        self.layout_: TensorLayout | None = None
        self.shown_rows: tuple[TensorRow, ...] = ()  # the rows in the table, in its order
        self._filter_timer: Timer | None = None
        self._head_class: tuple[str | None, str | None] = (None, None)
        self._message: tuple[str, bool] | None = None
        # Set by the screen while it swaps placeholders for the panes beside this one: the
        # widths in between are not ones the user sees, and refilling the table costs.
        self.refit_paused = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tensors (substring)…", id="tensor-filter")
        yield FixedWidthTable(
            id="tensor-table", zebra_stripes=True, cursor_type="row", cell_padding=0
        )
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
        self.shown_rows = ()
        self.query_one(DataTable).clear()
        self.border_title = "tensors"
        self.border_subtitle = ""
        style = "bold red" if error else "dim"
        totals = self.query_one("#tensor-totals", Static)
        totals.update(Text(printable(text), style=style))
        totals.display = True
        self._set_quant(None)
        if (tree := self._tree()) is not None:
            tree.built_for = None

    def show_table(
        self, table: TensorTable, counts: QuantizedCounts | None, notice: str | None = None
    ) -> None:
        self._message = None
        self.table_data = table
        self.counts = counts
        self.layout_ = None  # another table: its own column widths
        self._apply_filter()
        self.border_subtitle = Text(printable(total_line(table)))
        totals = self.query_one("#tensor-totals", Static)
        lines = dtype_lines(table, notice)
        totals.update(lines)
        totals.display = bool(lines.plain)
        self._set_quant(counts)
        if (tree := self._tree()) is not None:
            tree.built_for = None
            if tree.display:
                tree.show(table, counts)

    def _set_quant(self, counts: QuantizedCounts | None) -> None:
        quant = self.query_one("#tensor-quant", Static)
        quant.update(quant_text(counts))
        quant.display = bool(counts and counts.scheme)

    # -- the table ------------------------------------------------------------------------
    def _table_width(self) -> int:
        """Cells the table's rows may use. Before the first layout (a prefetched model drawn
        in the very first frame) the pane has no size yet: what the stylesheet will give it is
        estimated, so the first frame is already laid out; ``on_resize`` corrects it."""
        table = self.query_one(DataTable)
        width = table.scrollable_content_region.width
        if width > 0:
            return width
        screen = self.app.size.width
        beside = MODELS_WIDTH if screen >= 110 and self.screen.has_class("-wide") else 0
        return int((screen - beside) * CENTRE_SHARE) - 4  # borders and the scrollbar

    def _layout(self) -> TensorLayout | None:
        if self.table_data is None:
            return None
        # Fitted to the rows the table can hold (all of them, up to the cap): a bounded walk
        # however many tensors the header lists.
        rows = self.table_data.rows[:FIT_ROWS]
        return fit_columns(rows, self._table_width(), self.table_data.sharded)

    def _fill(self, rows: tuple[TensorRow, ...]) -> None:
        widget = self.query_one(DataTable)
        rows = rows[:MAX_TABLE_ROWS]  # the filter reaches the rest (see the border title)
        layout = self._layout()
        if layout is None:
            return
        if self.layout_ is None or layout.keys != self.layout_.keys:
            widget.clear(columns=True)
            for col in layout.columns:
                title = Text(col.title if col.key == "name" else f" {col.title}", style="bold")
                title.justify = col.justify
                widget.add_column(title, key=col.key)
        else:
            widget.clear()
        self.layout_ = layout
        # Column widths set here, from the data, rather than measured by DataTable when it
        # next goes idle: the table is right on the very frame the rows arrive.
        for col, column in zip(layout.columns, widget.ordered_columns, strict=True):
            column.auto_width = False
            column.width = col.width
        self.shown_rows = rows
        widget.add_rows([layout.cells(r) for r in rows])
        widget.refresh()
        origin = self.query_one(TensorOrigin)
        hidden_shard = self.table_data is not None and self.table_data.sharded
        hidden_shard = hidden_shard and "shard" not in layout.keys
        origin.show_name = layout.shortened or hidden_shard
        if hidden_shard and self.table_data is not None:
            origin.files = {r.name: r.file for r in self.table_data.rows}
        else:
            origin.files = {}

    def on_resize(self) -> None:
        """A wider or narrower pane (a resized terminal, ``z``): refit the columns."""
        if not self.refit_paused:
            self.refit()

    def refit(self) -> None:
        """The columns for the pane's width now, unless they are already right."""
        if self.table_data is None or self.layout_ is None:
            return
        if self._layout() != self.layout_:
            table = self.query_one(DataTable)
            row = table.cursor_row
            self._fill(self.shown_rows)
            table.move_cursor(row=row, animate=False)

    def action_toggle_order(self) -> None:
        """``s``: the rows largest first; again: by name."""
        if self.table_data is None:
            self.notify("No tensor table yet.")
            return
        self.order = ORDER_SIZE if self.order == ORDER_NAME else ORDER_NAME
        self._apply_filter()

    # -- the filter ------------------------------------------------------------------------
    @on(Input.Changed, "#tensor-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE_S, self._apply_filter)

    def _apply_filter(self) -> None:
        if self.table_data is None:
            return
        text = self.query_one(Input).value
        rows = self.table_data.filtered(text, self.order)
        self._fill(rows)
        order = " · largest first" if self.order == ORDER_SIZE else ""
        if text.strip():
            total = len(self.table_data.rows)
            title = f"tensors — {len(rows):,} of {total:,} match {text!r}{order}"
        else:
            title = f"tensors — {len(rows):,} · {self.table_data.source}{order}"
        self.border_title = Text(printable(title + _capped(len(rows))))

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
        if not 0 <= row < len(self.shown_rows):  # empty or cleared under the cursor
            self.query_one(TensorOrigin).clear()
            return
        row_data = self.shown_rows[row]
        if row_data.problem:  # the origin line's place says what does not add up
            self.query_one(TensorOrigin).say(f"{row_data.name}: ⚠ {row_data.problem}")
            return
        self.query_one(TensorOrigin).lookup(row_data.name)


def total_line(table: TensorTable) -> str:
    """The pane's bottom border: ``61.6K params · 240.5 KiB · F32`` (one dtype), or the total
    alone when the dtypes are listed under the table."""
    line = f"{human_count(table.parameters)} params · {human_bytes(table.nbytes)}"
    if len(table.totals) == 1:
        line += f" · {table.totals[0].dtype}"
    return line


def dtype_lines(table: TensorTable, notice: str | None) -> Text:
    """Under the table: the notice, the header entries that do not add up, and one entry per
    dtype when there is more than one."""
    text = Text()
    if notice:
        text.append(printable(notice), style="yellow")
    if (flagged := table.flag_note()) is not None:
        text.append(("\n" if text else "") + printable(flagged), style="bold yellow")
    if len(table.totals) > 1:
        for i, t in enumerate(table.totals):
            text.append("\n" if text and i == 0 else ("   " if i else ""))
            text.append(printable(t.dtype), style="bold")
            size = f"{human_count(t.parameters)} · {human_bytes(t.nbytes)}"
            text.append(f" {count_of(t.tensors, 'tensor')} · {size}")
    return text
