"""A virtual table for long model lists: only the visible rows are ever rendered.

Textual's DataTable keeps a row object per row and measures every added cell; with 10,000 rows
its refresh and its ``clear()`` (plus the garbage collection that follows) stalled the event loop
for 0.1–1 s on this machine. This widget holds the caller's plain items and a function that turns
an item into cells, and renders a row only when it scrolls into view, so appending a page,
clearing the list and scrolling each cost a few visible rows' work however long the list is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = Text | str
_NULL_STYLE = Style.null()


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # the minimum width when ``flex``
    justify: Literal["left", "right"] = "left"
    flex: bool = False  # takes the width the other columns leave
    # How a cell too wide for the column is shortened (default: cut at the end, with "…").
    fit: Callable[[Text, int], Text] | None = None


class ModelTable(ScrollView, can_focus=True):
    """Rows of ``items`` drawn through ``cells(item)``; a header line that stays on top."""

    PREFETCH_ROWS = 40  # ask for more rows when the view comes this close to the end
    ROW_CACHE = 160  # rendered rows kept (a few screens): re-rendering one costs ~0.1 ms

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "model-table--header",
        "model-table--cursor",
        "model-table--empty",
    }
    DEFAULT_CSS = """
    ModelTable { height: 1fr; scrollbar-gutter: stable; }
    ModelTable > .model-table--header { text-style: bold; color: $text-muted; }
    ModelTable > .model-table--cursor { background: $block-cursor-blurred-background; }
    ModelTable:focus > .model-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    ModelTable > .model-table--empty { color: $text-muted; text-style: italic; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class _TableMessage(Message):
        """Carries the table as ``control``, so ``@on(..., "#id")`` selectors match it."""

        table: ModelTable

        @property
        def control(self) -> ModelTable:
            return self.table

    @dataclass
    class Highlighted(_TableMessage):
        index: int

    @dataclass
    class Selected(_TableMessage):
        index: int

    @dataclass
    class NearEnd(_TableMessage):
        rows: int

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: tuple[Column, ...] = ()
        self.items: list[Any] = []
        self.cells: Callable[[Any], Sequence[Cell]] = lambda item: (str(item),)
        self.empty_text = ""
        self._widths: tuple[int, ...] = ()
        self._row_cache: dict[int, Strip] = {}
        self._near_end_sent_at = -1
        self._styles: tuple[Style, Style, Style, Style] = (Style(), Style(), Style(), Style())
        self._header: tuple[tuple, Strip] | None = None

    # -- data ---------------------------------------------------------------------------------
    def set_rows(
        self,
        columns: tuple[Column, ...],
        items: list[Any],
        cells: Callable[[Any], Sequence[Cell]],
        empty_text: str = "",
        keep_cursor: bool = False,
    ) -> None:
        """Replace everything shown; the cursor goes back to the first row unless kept."""
        self.columns = columns
        self.items = items
        self.cells = cells
        self.empty_text = empty_text
        self._near_end_sent_at = -1
        if not keep_cursor:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._relayout()
        self.cursor_row = min(self.cursor_row, max(0, len(items) - 1)) if keep_cursor else 0

    def append(self, more: Sequence[Any]) -> None:
        """Add rows at the end (a newly fetched page); nothing already drawn is redrawn."""
        if not more:
            return
        self.items.extend(more)
        self._update_virtual_size()
        self.refresh()
        self._check_near_end()

    def redraw(self) -> None:
        """Re-render every row (their cells changed, e.g. cache markers)."""
        self._row_cache.clear()
        self.refresh()

    @property
    def current(self) -> Any | None:
        if 0 <= self.cursor_row < len(self.items):
            return self.items[self.cursor_row]
        return None

    # -- geometry -----------------------------------------------------------------------------
    def _relayout(self) -> None:
        """Fit the columns to the width: drop columns from the right until the rest fit (a
        narrow pane lists names only), then give the flex column what is left."""
        width = self.scrollable_content_region.width or self.size.width
        shown = list(self.columns)
        while len(shown) > 1 and sum(c.width for c in shown) + len(shown) + 1 > width:
            shown.pop()
        fixed = sum(c.width for c in shown if not c.flex) + len(shown) + 1
        least = 8 if len(shown) == 1 else None  # names alone may shrink below their minimum
        self._widths = tuple(
            max(least or c.width, width - fixed) if c.flex else c.width for c in shown
        )
        self._row_cache.clear()
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        total = sum(self._widths) + len(self._widths) + 1
        self.virtual_size = Size(total, len(self.items) + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self._scroll_cursor_into_view()

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # -- rendering ----------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_cache.clear()  # rows carry the base style: a theme or focus change redraws

    def render_lines(self, crop: Region) -> list[Strip]:
        """Look the styles up once per frame, not once per line."""
        self._styles = (
            self.rich_style,
            self.get_component_rich_style("model-table--header"),
            self.get_component_rich_style("model-table--cursor"),
            self.get_component_rich_style("model-table--empty"),
        )
        return super().render_lines(crop)

    def _line(self, cells: Sequence[Cell], style: Style) -> Strip:
        """One row as a single Strip padded to the table's width, ``style`` under the cells'
        own styles: one Strip per row keeps allocations (and so garbage collection) low."""
        line = Text(" ", style=style, no_wrap=True, end="")
        for cell, col, width in zip(cells, self.columns, self._widths, strict=False):
            text = cell if isinstance(cell, Text) else Text(str(cell))  # cells() makes new Texts
            if col.fit is not None and text.cell_len > width:
                text = col.fit(text, width)
            text.truncate(width, overflow="ellipsis")
            text.align(col.justify, width)
            line.append_text(text)
            line.append(" ")
        pad = self.virtual_size.width - line.cell_len
        if pad > 0:
            line.append(" " * pad)
        # Text.render leaves unstyled runs with style None; Textual's NO_COLOR (monochrome)
        # filter reads every segment's style, so give them the null style instead.
        segments = [
            seg if seg.style is not None else Segment(seg.text, _NULL_STYLE)
            for seg in line.render(self.app.console)
        ]
        return Strip(segments, max(line.cell_len, self.virtual_size.width))

    def _row_strip(self, index: int, base: Style) -> Strip:
        strip = self._row_cache.get(index)
        if strip is None:
            if len(self._row_cache) >= self.ROW_CACHE:
                self._row_cache.clear()
            strip = self._row_cache[index] = self._line(self.cells(self.items[index]), base)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        base, header, cursor, empty = self._styles
        if y == 0:
            key = (self._widths, base, header)
            if self._header is None or self._header[0] != key:
                self._header = (key, self._line([c.title for c in self.columns], base + header))
            strip = self._header[1]
        else:
            index = scroll_y + y - 1
            if not self.items and y == 1 and self.empty_text:
                return Strip([Segment(f" {self.empty_text}", base + empty)]).adjust_cell_length(
                    width, base
                )
            if not 0 <= index < len(self.items):
                return Strip.blank(width, base)
            if index == self.cursor_row:  # built apart: its background replaces the rows'
                strip = self._line(self.cells(self.items[index]), base + cursor)
                return strip.crop(scroll_x, scroll_x + width)
            strip = self._row_strip(index, base)
        return strip.crop(scroll_x, scroll_x + width)

    # -- cursor and scrolling -----------------------------------------------------------------
    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self.items) - 1)) if self.items else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        self._scroll_cursor_into_view()
        if round(self.scroll_y) == top:  # no scroll: only the two rows whose look changed
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        if self.items:
            self.post_message(self.Highlighted(self, new))
        self._check_near_end()

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        rows = self._visible_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_near_end()

    def _check_near_end(self) -> None:
        """Post NearEnd once per list length when the view's bottom nears the last row."""
        last_visible = round(self.scroll_y) + self._visible_rows
        rows = len(self.items)
        if rows - last_visible <= self.PREFETCH_ROWS and self._near_end_sent_at != rows:
            self._near_end_sent_at = rows
            self.post_message(self.NearEnd(self, rows))

    def action_cursor(self, step: int) -> None:
        self.cursor_row += step

    def action_page(self, direction: int) -> None:
        self.cursor_row += direction * self._visible_rows

    def action_jump(self, where: int) -> None:
        self.cursor_row = len(self.items) - 1 if where < 0 else 0

    def action_select(self) -> None:
        if self.items:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.items):
            if index == self.cursor_row:
                self.action_select()
            else:
                self.cursor_row = index
            event.stop()
