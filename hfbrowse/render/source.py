"""A head class's ``__init__`` and ``forward`` as the source pane draws them (title and body)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text

from hfbrowse.core.source.classes import ClassSource
from hfbrowse.core.untrusted import printable
from hfbrowse.render.theme import code


def source_title(head: str, source: ClassSource, heads_count: int) -> Text:
    """``AutoModelForCausalLM → GPT2LMHeadModel  models/gpt2/modeling_gpt2.py:630``."""
    title = Text()
    title.append(f"{head} → ", style="dim")
    title.append(printable(source.class_name), style="bold")
    if source.relative_file:
        where = source.relative_file.removeprefix("transformers/")
        title.append(f"  {where}:{source.line}", style="dim")
    if heads_count > 1:
        title.append(f"   (h: next of {heads_count} heads)", style="dim italic")
    return title


def source_body(source: ClassSource) -> RenderableType:
    parts: list[RenderableType] = []
    for method in source.methods:
        where = Text()
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
