"""Centre-top pane: the header line and config.json as an expandable, type-coloured tree."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from hfbrowse.core.config.tree import ConfigNode, build_tree
from hfbrowse.core.model import ModelFacts
from hfbrowse.ui.panes.config_explain import ConfigExplainer, KeyDocPanel

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
    label = Text(node.key, style="bold")
    label.append(" " if node.kind in ("object", "list", "more") else ": ")
    label.append(node.value, style=VALUE_STYLES[node.kind])
    return label


class ConfigTree(Tree[ConfigNode]):
    """The tree widget; its data is the core's ConfigNode for each line."""

    BORDER_TITLE = "config.json"


class ConfigPane(ConfigExplainer, Vertical, can_focus=False):
    """Header line (model_type · architectures · head · params) above the config tree, and
    below it what the highlighted key means (ConfigExplainer)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="model-header")
        tree = ConfigTree("config.json", id="config-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield KeyDocPanel("", id="config-key-doc")

    def show_message(self, text: str, *, error: bool = False) -> None:
        tree = self.query_one(ConfigTree)
        tree.clear()
        self.clear_explanation()
        if error:
            # The header line carries the whole (wrapped) message; the tree says what to do.
            header = self.query_one("#model-header", Static)
            header.add_class("-error")
            header.update(Text("✗ " + text, style="bold red"))
            tree.root.add_leaf(Text("/ opens another model.", style="dim"))
        else:
            tree.root.add_leaf(Text(text, style="dim"))

    def show_header(self, text: Text | str) -> None:
        header = self.query_one("#model-header", Static)
        header.remove_class("-error")
        header.update(text)

    def show_config(self, facts: ModelFacts) -> None:
        tree = self.query_one(ConfigTree)
        tree.clear()
        tree.border_title = f"config.json — {len(facts.config)} keys"
        for node in build_tree(facts.config):
            self._add(tree.root, node)
        tree.root.expand()
        tree.cursor_line = 0
        self.explain(facts)

    def _add(self, parent: TreeNode[ConfigNode], node: ConfigNode) -> None:
        if node.children:
            branch = parent.add(node_label(node), data=node, expand=False)
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(node_label(node), data=node)
