"""Centre-top pane: the header line, config.json as a type-coloured tree, and what the
highlighted key means.

Keys are explained in a thread worker (the config class read with ``ast``, ~50 ms the first time,
cached per class; for custom code the repo's configuration file is fetched and read as text).
When the answer comes, top-level keys whose value differs from the class default get
``≠ default`` and keys the class does not know ``? unknown``; highlighting a key shows its
description, type and default below the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from hfbrowse.core.config.tree import ConfigNode, build_tree
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.untrusted import printable
from hfbrowse.render.config import describe, mark, node_label
from hfbrowse.render.header import HeaderFacts, family_line, header_line, pinned_head
from hfbrowse.ui.opened_model import OpenedModel

if TYPE_CHECKING:
    from hfbrowse.core.config.keys import ConfigExplanation


class ConfigTree(Tree[ConfigNode]):
    """The tree widget; its data is the core's ConfigNode for each line."""

    BORDER_TITLE = "config.json"


class KeyDocPanel(Static):
    """Below the config tree: what the highlighted key means."""

    DEFAULT_CSS = """
    KeyDocPanel { height: 6; padding: 0 1; border-top: solid $panel; display: none; }
    KeyDocPanel.-shown { display: block; }
    """


class ConfigPane(Vertical, can_focus=False):
    @dataclass
    class _Explained(Message):
        facts: ModelFacts
        explanation: ConfigExplanation | None
        error: HFBrowseError | None = None

    def __init__(self, gateway: HubGateway, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gateway = gateway
        self.facts: ModelFacts | None = None  # the config the tree shows
        self.explanation: ConfigExplanation | None = None
        self._background_ready = False
        self._explain_pending = False

    def compose(self) -> ComposeResult:
        yield Static("", id="model-header")
        tree = ConfigTree("config.json", id="config-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield KeyDocPanel("", id="config-key-doc")

    def on_mount(self) -> None:
        self.border_title = "config"

    # -- what is shown ---------------------------------------------------------------------
    def show(self, opened: OpenedModel) -> None:
        if opened.error is not None:
            self.show_message(str(opened.error), error=True)
            return
        facts = opened.facts
        if facts is None:
            self._header(Text(f"opening {printable(opened.ref.display)} …", style="dim"))
            self.show_message("loading config.json …")
            return
        if facts is not self.facts:
            self._draw_tree(facts)
        parameters = opened.checkpoint.parameters if opened.checkpoint else None
        line = header_line(HeaderFacts.of(facts, parameters))
        header = self.query_one("#model-header", Static)
        header.set_class(opened.head_pin is not None, "-pinned")
        if opened.head is not None and opened.head_pin is not None:
            pin = pinned_head(opened.head, opened.head_pin, facts.heads.recommended)
            line = Text.assemble(line, "\n", pin)
        summary = opened.family.summary() if opened.family is not None else None
        header.set_class(summary is not None, "-family")
        if summary is not None:
            line = Text.assemble(line, "\n", family_line(summary))
        self._header(line)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.facts = None
        tree = self.query_one(ConfigTree)
        tree.clear()
        tree.border_subtitle = ""
        self._clear_explanation()
        if error:
            # The header line carries the whole (wrapped) message; the tree says what to do.
            header = self.query_one("#model-header", Static)
            header.add_class("-error")
            header.update(Text("✗ " + printable(text), style="bold red"))
            tree.root.add_leaf(Text("/ opens another model.", style="dim"))
        else:
            tree.root.add_leaf(Text(printable(text), style="dim"))

    def _header(self, text: Text) -> None:
        header = self.query_one("#model-header", Static)
        header.remove_class("-error")
        header.update(text)

    def _draw_tree(self, facts: ModelFacts) -> None:
        self.facts = facts
        tree = self.query_one(ConfigTree)
        tree.clear()
        tree.border_title = f"config.json — {len(facts.config)} keys"
        tree.border_subtitle = ""
        for node in build_tree(facts.config):
            self._add(tree.root, node)
        tree.root.expand()
        tree.cursor_line = 0
        self.explanation = None
        panel = self.query_one(KeyDocPanel)
        panel.add_class("-shown")
        panel.update(Text("explaining keys …", style="dim"))
        if self._background_ready:
            self._explain(facts)
        else:  # parsing the config class would compete with start-up for the GIL
            self._explain_pending = True

    def _add(self, parent: TreeNode[ConfigNode], node: ConfigNode) -> None:
        if node.children:
            branch = parent.add(node_label(node), data=node, expand=False)
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(node_label(node), data=node)

    # -- keys explained --------------------------------------------------------------------
    def background_ready(self) -> None:
        """Start-up is over (the screen says when): explaining may start."""
        self._background_ready = True
        if self._explain_pending and self.facts is not None:
            self._explain_pending = False
            self._explain(self.facts)

    @work(thread=True, exclusive=True, group="config-docs", exit_on_error=False)
    def _explain(self, facts: ModelFacts) -> None:
        from hfbrowse.core.config.explain import explain_model_config

        siblings = facts.hub.siblings if facts.hub else ()
        try:
            found = explain_model_config(facts.ref, facts.config, self.gateway, siblings)
        except Exception as exc:  # one line; the tree stays usable without docs
            self.post_message(self._Explained(facts, None, as_user_error(exc)))
        else:
            self.post_message(self._Explained(facts, found))

    @on(_Explained)
    def _explained(self, msg: _Explained) -> None:
        if msg.facts is not self.facts:
            return  # another model was opened meanwhile
        panel = self.query_one(KeyDocPanel)
        if msg.explanation is None:
            panel.update(Text(f"Key docs unavailable: {printable(msg.error)}", style="dim"))
            return
        self.explanation = explanation = msg.explanation
        tree = self.query_one(ConfigTree)
        for child in tree.root.children:
            node = child.data
            if isinstance(node, ConfigNode):
                child.set_label(Text.assemble(child.label, mark(explanation.key(node.key))))
        self._describe_cursor()
        if explanation.config_class is not None:
            tree.border_subtitle = (
                f"{len(explanation.non_default)} ≠ default · {len(explanation.unknown)}"
                f" unknown to {explanation.config_class}"
            )

    def _clear_explanation(self) -> None:
        self.explanation = None
        panel = self.query_one(KeyDocPanel)
        panel.update("")
        panel.remove_class("-shown")  # no config shown: give the message the room

    def _describe_cursor(self) -> None:
        tree = self.query_one(ConfigTree)
        node = tree.cursor_node.data if tree.cursor_node is not None else None
        if isinstance(node, ConfigNode):
            loading = self.facts is not None
            self.query_one(KeyDocPanel).update(describe(node, self.explanation, loading))

    @on(Tree.NodeHighlighted, "#config-tree")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        if isinstance(event.node.data, ConfigNode):
            self._describe_cursor()
