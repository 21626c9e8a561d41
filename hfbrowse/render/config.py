"""config.json drawn: a tree line per key (values coloured by type), the marks config docs add
(``≠ default``, ``? unknown``) and the panel text that explains the highlighted key."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text

from hfbrowse.core.config.tree import ConfigNode
from hfbrowse.core.untrusted import printable

if TYPE_CHECKING:
    from hfbrowse.core.config.keys import ConfigExplanation, KeyDoc

DEFAULT_WIDTH = 24  # a default longer than this is shortened in the tree (the panel shows it all)

VALUE_STYLES = {
    "string": "green",
    "number": "cyan",
    "bool": "magenta",
    "null": "dim italic",
    "object": "dim",
    "list": "dim",
    "more": "dim italic",
}


def node_label(node: ConfigNode) -> Text:
    label = Text(printable(node.key), style="bold")
    label.append(" " if node.kind in ("object", "list", "more") else ": ")
    label.append(printable(node.value), style=VALUE_STYLES[node.kind])
    return label


def top_key(path: str) -> str:
    """``rope_scaling.factor`` / ``architectures[0]`` → the top-level key."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def mark(doc: KeyDoc | None) -> Text:
    """The suffix a tree line gets: non-default (with the default) or unknown."""
    if doc is None:
        return Text()
    if doc.differs and doc.field is not None:
        default = printable(doc.field.default or "?")
        if len(default) > DEFAULT_WIDTH:
            default = default[: DEFAULT_WIDTH - 1] + "…"
        return Text(f"  ≠ {default}", style="yellow")
    if doc.status == "unknown":
        return Text("  ? unknown", style="magenta")
    return Text()


def describe(node: ConfigNode, explanation: ConfigExplanation | None, loading: bool) -> Text:
    """The panel text for a highlighted tree node: one facts line, then the description."""
    key = top_key(node.path)
    out = Text()
    out.append(printable(node.path), style="bold")
    if explanation is None:
        out.append("  explaining …" if loading else "", style="dim")
        return out
    doc = explanation.key(key)
    if explanation.message or doc is None:
        out.append(f"  {printable(explanation.message or 'no documentation')}", style="dim")
        return out
    field = doc.field
    if node.path != key:
        out.append(f" (inside {printable(key)})", style="dim")
    if field is not None:
        if field.type:
            out.append(f" · {printable(field.type)}", style="cyan")
        if field.default is not None:
            out.append(f" · default {printable(field.default)}", style="dim")
        if doc.differs:
            out.append(" · ≠ default", style="yellow")
    status = {"alias": "alias", "derived": "derived", "generation": "generation setting",
              "unknown": "unknown to the class", "base": ""}.get(doc.status, "")  # fmt: skip
    if status:
        out.append(f" · {status}", style="magenta" if doc.status == "unknown" else "dim")
    owner = explanation.config_class or ""
    if explanation.remote:
        owner += ", the repo's own code read as text"
    out.append(f" · {printable(owner)}", style="dim")
    if doc.note:
        out.append(f"\n{printable(doc.note, keep_lines=True)}", style="italic")
    if field is not None and field.description:
        out.append(f"\n{printable(field.description, keep_lines=True)}")
    elif doc.note is None:
        out.append("\nNo description in transformers.", style="dim")
    return out
