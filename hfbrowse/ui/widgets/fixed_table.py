"""A DataTable whose column widths the caller sets: it does not measure every cell.

DataTable measures each cell of each new row (a Rich measurement per cell) to size columns
that fit their content. The tensor pane sets its column widths itself, from the data
(``tensor_columns.fit_columns``), before it adds rows, so that measuring changes nothing and
cost ~10 ms of the first frame for a GPT-2 (148 rows × 4 cells), more for bigger models.
With every column fixed and rows one line high, only the virtual size is updated here;
otherwise (a column left to auto width) DataTable's own sizing runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class FixedWidthTable(DataTable):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        keys = list(new_rows)
        fixed = all(not column.auto_width for column in self.ordered_columns)
        plain = all(
            (row := self.rows.get(key)) is None or (not row.auto_height and row.label is None)
            for key in keys
        )
        if not (fixed and plain):
            super()._update_dimensions(keys)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )
