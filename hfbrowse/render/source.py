"""A head class's ``__init__`` and ``forward`` as the source pane draws them (title and body)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from hfbrowse.core.source.classes import ClassSource
from hfbrowse.core.untrusted import printable
from hfbrowse.render.theme import code


@dataclass(frozen=True)
class SourceTitle:
    """``AutoModelForCausalLM → GPT2LMHeadModel`` over ``models/gpt2/modeling_gpt2.py:630``.

    Drawn for the width it gets: the file's place is one unit (never wrapped inside
    ``modeling_gpt2.py:630``), shortened to the file name when the path does not fit, and the
    ``h`` hint goes on its own line rather than being cut.
    """

    head: str
    class_name: str
    path: str | None
    line: int
    heads_count: int

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        first = Text()
        if len(self.head) + 3 + len(self.class_name) <= width:  # else the border names the head
            first.append(f"{self.head} → ", style="dim")
        first.append(self.class_name, style="bold")
        yield first
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}"
            if len(where) > width:
                where = f"{Path(self.path).name}:{self.line}"
        hint = f"h: next of {self.heads_count} heads" if self.heads_count > 1 else ""
        second = Text(where, style="dim", no_wrap=True, overflow="ellipsis")
        if hint and len(where) + 3 + len(hint) <= width:
            second.append(f"   {hint}", style="dim italic")
            hint = ""
        if where:
            yield second
        if hint:
            yield Text(hint, style="dim italic", no_wrap=True, overflow="ellipsis")


def source_title(head: str, source: ClassSource, heads_count: int) -> SourceTitle:
    """The source pane's title for ``head`` resolved to ``source``."""
    path = source.relative_file.removeprefix("transformers/") if source.relative_file else None
    return SourceTitle(head, printable(source.class_name), path, source.line, heads_count)


def source_body(source: ClassSource) -> RenderableType:
    parts: list[RenderableType] = []
    for method in source.methods:
        where = Text(no_wrap=True, overflow="ellipsis")  # one line, like the code under it
        where.append(printable(f"def {method.name}"), style="bold yellow")
        if method.defining_class != source.class_name:
            inherited = printable(method.defining_class)
            where.append(f"  inherited from {inherited}", style="italic magenta")
        where.append(f"  {Path(method.file).name}:{method.start_line}", style="dim")
        parts.append(where)
        parts.append(code(method.text, start_line=method.start_line))
        parts.append(Text(""))
    for name in source.missing:
        parts.append(Text(f"{name}: not found in the class or its bases", style="dim"))
    return Group(*parts)
