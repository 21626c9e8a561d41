"""Config keys explained inside the config pane: marks in the tree and a doc line for the key.

Mixed into ``ConfigPane``: ``explain(facts)`` starts a thread worker (ast parsing of the config
class and transformers' shared docs, ~50 ms the first time, cached per class; for custom code the
repo's configuration file is fetched and read as text). When the answer comes, top-level keys
whose value differs from the class default get ``≠ default``, keys the class does not know get
``? unknown``; highlighting a key shows its description, type and default below the tree.
Handlers use ``on_*`` names because decorated handlers are not collected from plain mixins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Static, Tree

from hfbrowse.core.config.keys import ConfigExplanation, KeyDoc
from hfbrowse.core.config.tree import ConfigNode
from hfbrowse.core.model import ModelFacts

DEFAULT_WIDTH = 24  # a default longer than this is shortened in the tree (the panel shows it all)


@dataclass
class ConfigExplained(Message):
    facts: ModelFacts
    explanation: ConfigExplanation | None
    error: str | None = None


class KeyDocPanel(Static):
    """Below the config tree: what the highlighted key means."""

    DEFAULT_CSS = """
    KeyDocPanel { height: 6; padding: 0 1; border-top: solid $panel; display: none; }
    KeyDocPanel.-shown { display: block; }
    """


def top_key(path: str) -> str:
    """``rope_scaling.factor`` / ``architectures[0]`` → the top-level key."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def mark(doc: KeyDoc | None) -> Text:
    """The suffix a tree line gets: non-default (with the default) or unknown."""
    if doc is None:
        return Text()
    if doc.differs and doc.field is not None:
        default = doc.field.default or "?"
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
    out.append(node.path, style="bold")
    if explanation is None:
        out.append("  explaining …" if loading else "", style="dim")
        return out
    doc = explanation.key(key)
    if explanation.message or doc is None:
        out.append(f"  {explanation.message or 'no documentation'}", style="dim")
        return out
    field = doc.field
    if node.path != key:
        out.append(f" (inside {key})", style="dim")
    if field is not None:
        if field.type:
            out.append(f" · {field.type}", style="cyan")
        if field.default is not None:
            out.append(f" · default {field.default}", style="dim")
        if doc.differs:
            out.append(" · ≠ default", style="yellow")
    status = {"alias": "alias", "derived": "derived", "generation": "generation setting",
              "unknown": "unknown to the class", "base": ""}.get(doc.status, "")  # fmt: skip
    if status:
        out.append(f" · {status}", style="magenta" if doc.status == "unknown" else "dim")
    owner = explanation.config_class or ""
    if explanation.remote:
        owner += ", the repo's own code read as text"
    out.append(f" · {owner}", style="dim")
    if doc.note:
        out.append(f"\n{doc.note}", style="italic")
    if field is not None and field.description:
        out.append(f"\n{field.description}")
    elif doc.note is None:
        out.append("\nNo description in transformers.", style="dim")
    return out


class ConfigExplainer:
    """Mixin for ConfigPane (a Widget): the explanation worker and the marks it draws."""

    explanation: ConfigExplanation | None = None
    explained_facts: ModelFacts | None = None

    def explain(self, facts: ModelFacts) -> None:
        self.explanation = None
        self.explained_facts = facts
        panel = self.query_one(KeyDocPanel)
        panel.add_class("-shown")
        panel.update(Text("explaining keys …", style="dim"))
        self._explain_worker(facts)

    def clear_explanation(self) -> None:
        self.explanation = None
        self.explained_facts = None
        panel = self.query_one(KeyDocPanel)
        panel.update("")
        panel.remove_class("-shown")  # no config shown: give the message the room

    @work(thread=True, exclusive=True, group="config-docs", exit_on_error=False)
    def _explain_worker(self, facts: ModelFacts) -> None:
        from hfbrowse.core.source.remote_code import explain_model_config

        siblings = facts.hub.siblings if facts.hub else ()
        try:
            found = explain_model_config(facts.ref, facts.config, self.app.gateway, siblings)
        except Exception as exc:  # shown as one line; the tree stays usable without docs
            self.post_message(ConfigExplained(facts, None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(ConfigExplained(facts, found))

    def on_config_explained(self, msg: ConfigExplained) -> None:
        if msg.facts is not self.explained_facts:
            return  # another model was opened meanwhile
        panel = self.query_one(KeyDocPanel)
        if msg.explanation is None:
            panel.update(Text(f"Key docs unavailable: {msg.error}", style="dim"))
            return
        self.explanation = msg.explanation
        tree = self.query_one(Tree)
        for child in tree.root.children:
            node = child.data
            if isinstance(node, ConfigNode):
                label = Text.assemble(child.label, mark(msg.explanation.key(node.key)))
                child.set_label(label)
        self._describe_cursor()
        tree.border_subtitle = self.legend()

    def legend(self) -> str:
        e = self.explanation
        if e is None or e.config_class is None:
            return ""
        return f"{len(e.non_default)} ≠ default · {len(e.unknown)} unknown to {e.config_class}"

    def _describe_cursor(self) -> None:
        tree = self.query_one(Tree)
        node = tree.cursor_node.data if tree.cursor_node is not None else None
        if isinstance(node, ConfigNode):
            loading = self.explained_facts is not None
            self.query_one(KeyDocPanel).update(describe(node, self.explanation, loading))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if isinstance(event.node.data, ConfigNode):
            self._describe_cursor()
