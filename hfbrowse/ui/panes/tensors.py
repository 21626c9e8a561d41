"""Centre-bottom pane: the tensor table with a substring filter and per-dtype totals."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable
from hfbrowse.core.formatting import human_bytes, human_count, shape_text
from hfbrowse.ui.widgets.module_tree_view import ModuleTreeView, TensorAnalysis, TensorOrigin

FILTER_DEBOUNCE_S = 0.15
NAME_WIDTH_CAP = 96  # longer tensor names are cut; zoom (z) and the filter still find them


class TensorPane(TensorAnalysis, Vertical, can_focus=False):
    """Rows come from safetensors headers (or the meta device, labelled as such)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.table_data: TensorTable | None = None
        self._filter_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter tensors (substring)…", id="tensor-filter")
        table: DataTable = DataTable(id="tensor-table", zebra_stripes=True, cursor_type="row")
        table.add_column("name", key="name")
        table.add_column("shape", key="shape")
        table.add_column("dtype", key="dtype")
        table.add_column("params", key="params")
        table.add_column("bytes", key="bytes")
        yield table
        yield ModuleTreeView(id="tensor-tree")
        yield TensorOrigin(id="tensor-origin")
        yield Static("", id="tensor-totals")
        yield Static("", id="tensor-quant")

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.table_data = None
        self.query_one(DataTable).clear()
        self.border_title = "tensors"
        style = "bold red" if error else "dim"
        self.query_one("#tensor-totals", Static).update(Text(text, style=style))

    def show_table(self, table: TensorTable, notice: str | None = None) -> None:
        self.table_data = table
        self.border_title = f"tensors — {len(table.rows):,} · {table.source}"
        self._fill(table.filtered(self.query_one(Input).value))
        totals = Text()
        if notice:
            totals.append(notice + "\n", style="yellow")
        for t in table.totals:
            totals.append(f"{t.dtype}", style="bold")
            totals.append(
                f" {t.tensors:,} tensors · {human_count(t.parameters)} params"
                f" · {human_bytes(t.nbytes)}   "
            )
        totals.append("total ", style="bold")
        totals.append(f"{human_count(table.parameters)} params · {human_bytes(table.nbytes)}")
        self.query_one("#tensor-totals", Static).update(totals)

    def _fill(self, rows: tuple[TensorRow, ...]) -> None:
        widget = self.query_one(DataTable)
        widget.clear()
        cells = [
            (
                r.name,
                shape_text(r.shape),
                r.dtype,
                Text(f"{r.parameters:,}", justify="right"),
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
                self.border_title = (
                    f"tensors — {len(rows):,} of {len(self.table_data.rows):,} match {text!r}"
                )
            else:
                self.border_title = f"tensors — {len(rows):,} · {self.table_data.source}"

    @on(Input.Submitted, "#tensor-filter")
    def _filter_submitted(self) -> None:
        self._apply_filter()
        self.query_one(DataTable).focus()
