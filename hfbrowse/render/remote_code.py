"""A repo's own code drawn in the source pane, under a banner that says it was not run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from hfbrowse.core.source.remote_code import RemoteCode
from hfbrowse.core.untrusted import printable
from hfbrowse.render.theme import code

EXPLAIN = (
    "This repo ships its own Python code (auto_map in config.json). transformers imports it only"
    " with trust_remote_code=True; hfbrowse downloaded it as plain files and parsed it with ast."
    " Read it before you trust it."
)


def banner(remote: RemoteCode) -> Text:
    return Text(f" {printable(remote.banner)} ", style="bold white on red")


def render_remote(remote: RemoteCode) -> RenderableType:
    """Banner, the auto_map classes located, their methods, then every file in full."""
    parts: list[RenderableType] = [Text(EXPLAIN, style="italic"), Text("")]
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 1))
    table.add_column("auto_map", overflow="fold")
    table.add_column("class", overflow="fold")
    table.add_column("where", style="dim", overflow="fold")
    for found in remote.classes:
        e = found.entry
        where = f"{found.file}:{found.line}" if found.file else f"{e.module}.py: not found"
        where = f"{e.repo}: {where}" if e.repo else where
        table.add_row(*(Text(printable(cell)) for cell in (e.auto_class, e.class_name, where)))
    parts += [table, Text("")]
    for found in remote.classes:
        for method in found.source.methods:
            head = Text()
            name = printable(f"{found.entry.class_name}.{method.name}")
            head.append(name, style="bold yellow")
            if method.defining_class != found.entry.class_name:
                inherited = printable(method.defining_class)
                head.append(f"  inherited from {inherited}", style="italic magenta")
            head.append(printable(f"  {Path(method.file).name}:{method.start_line}"), style="dim")
            parts += [head, code(method.text, start_line=method.start_line), Text("")]
    for file in remote.files:
        head = Text(f"── {printable(file.name)}", style="bold cyan")
        if file.error:
            head.append(f"  {printable(file.error)}", style="red")
            parts.append(head)
            continue
        head.append(printable(f"  {file.lines} lines · {file.repo}"), style="dim")
        parts += [head, code(file.text), Text("")]
    return Group(*parts)
