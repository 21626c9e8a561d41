"""A HeadDiff drawn for the terminal: unified or side by side, pygments-highlighted.

Each side's method text is highlighted once, as a whole (so multi-line strings and docstrings
colour correctly), then split into lines that the diff rows pick by line number. Added and
removed lines keep their syntax colours on a green / red background.
"""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from hfbrowse.core.source.classes import MethodSource
from hfbrowse.core.source.head_diff import HeadDiff, MethodDiff, method_summary
from hfbrowse.core.untrusted import printable
from hfbrowse.render.theme import SYNTAX_THEME

ADDED = "on #123d1f"
REMOVED = "on #47161b"
ADDED_MARK = "bold green"
REMOVED_MARK = "bold red"


def highlighted(method: MethodSource | None) -> dict[int, Text]:
    """File line number → highlighted line, for one method."""
    if method is None:
        return {}
    syntax = Syntax("", "python", theme=SYNTAX_THEME, background_color="default")
    lines = syntax.highlight(printable(method.text, keep_lines=True)).split("\n", allow_blank=True)
    return {method.start_line + i: line for i, line in enumerate(lines)}


def _code(lines: dict[int, Text], number: int | None, fallback: str | None) -> Text:
    if number is not None and number in lines:
        return lines[number].copy()
    return Text(printable(fallback or ""))


def method_header(m: MethodDiff, diff: HeadDiff) -> Text:
    head = Text()
    head.append(f"def {m.name}", style="bold yellow")
    head.append(f"   {method_summary(m)}", style="italic")
    for mark, style, src in (("-", REMOVED_MARK, m.left), ("+", ADDED_MARK, m.right)):
        if src is not None:
            where = printable(f"{src.defining_class}  {Path(src.file).name}:{src.start_line}")
            head.append(f"\n  {mark} {where}", style=style if mark else "dim")
    return head


def render_unified(diff: HeadDiff) -> RenderableType:
    parts: list[RenderableType] = []
    for m in diff.methods:
        parts.append(method_header(m, diff))
        left, right = highlighted(m.left), highlighted(m.right)
        if m.shared_definition or not m.hunks:
            parts.append(Text("  (no difference)" if m.left else "", style="dim"))
        for hunk in m.hunks:
            if diff.context < len(hunk.lines) or len(m.hunks) > 1:
                parts.append(Text(hunk.header, style="cyan"))
            for ln in hunk.lines:
                row = Text()
                row.append(f"{ln.left_no or '':>5} {ln.right_no or '':>5} ", style="dim")
                if ln.kind == "added":
                    row.append("+", style=ADDED_MARK)
                    code = _code(right, ln.right_no, ln.text)
                    code.stylize(ADDED)
                elif ln.kind == "removed":
                    row.append("-", style=REMOVED_MARK)
                    code = _code(left, ln.left_no, ln.text)
                    code.stylize(REMOVED)
                else:
                    row.append(" ")
                    code = _code(left, ln.left_no, ln.text)
                row.append_text(code)
                row.no_wrap = True
                parts.append(row)
        parts.append(Text(""))
    return Group(*parts)


class HangingCode:
    """A code line that wraps under its own indentation (plus two), not under the line
    numbers: in a side-by-side half of 80 columns most lines wrap, and a continuation at
    column 0 read like another statement."""

    def __init__(self, code: Text) -> None:
        self.code = code

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, max(self.code.cell_len, 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        code = self.code
        plain = code.plain
        hang = min(len(plain) - len(plain.lstrip(" ")) + 2, width // 2)
        pieces = [code[:width]]
        rest = code[width:]
        while len(rest):
            room = max(width - hang, 1)
            pieces.append(Text(" " * hang).append_text(rest[:room]))
            rest = rest[room:]
        yield Text("\n", no_wrap=True).join(pieces)


def _number(number: int | None) -> Text:
    return Text(f"{number or '':>5} ", style="dim", no_wrap=True)


def render_side_by_side(diff: HeadDiff) -> RenderableType:
    parts: list[RenderableType] = []
    for m in diff.methods:
        parts.append(method_header(m, diff))
        left, right = highlighted(m.left), highlighted(m.right)
        table = Table(box=box.MINIMAL, show_header=False, show_edge=False, padding=(0, 0),
                      expand=True)  # fmt: skip
        for _ in range(2):  # each side: its line numbers, then its code (wrapped under itself)
            table.add_column(width=6, no_wrap=True)
            table.add_column(ratio=1)
        for index, hunk in enumerate(m.hunks):
            if index:
                dots = Text("  ⋯", style="cyan")
                table.add_row(dots, Text(""), dots, Text(""))
            for row in hunk.rows:
                a = _code(left, row.left_no, row.left)
                b = _code(right, row.right_no, row.right)
                if row.kind in ("changed", "removed") and row.left is not None:
                    a.stylize(REMOVED)
                if row.kind in ("changed", "added") and row.right is not None:
                    b.stylize(ADDED)
                table.add_row(
                    _number(row.left_no), HangingCode(a), _number(row.right_no), HangingCode(b)
                )
        if not m.hunks:
            parts.append(Text("  (no difference)" if m.left else "", style="dim"))
        else:
            parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


def diff_title(diff: HeadDiff, side_by_side: bool) -> Text:
    mode = "side by side" if side_by_side else "unified"
    context = "whole methods" if diff.context >= 10_000 else f"{diff.context} lines of context"
    title = Text()
    title.append("- ", style=REMOVED_MARK)
    title.append(printable(diff.left.label), style="bold")
    if diff.left.file:
        title.append(f"  {printable(diff.left.file)}", style="dim")
    if diff.left.remote:
        title.append("  REMOTE CODE, read not run", style="bold red")
    title.append("\n+ ", style=ADDED_MARK)
    title.append(printable(diff.right.label), style="bold")
    if diff.right.file:
        title.append(f"  {printable(diff.right.file)}", style="dim")
    if diff.right.remote:
        title.append("  REMOTE CODE, read not run", style="bold red")
    title.append(f"\n+{diff.added} −{diff.removed} lines · {mode} · {context}", style="italic")
    return title
