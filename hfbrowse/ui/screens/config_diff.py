"""``D``: the opened model's config.json next to another model's, as one marked tree.

``~`` changed (``left → right``), ``+`` only in the other model, ``-`` only in this one. ``a``
shows every key or only the differences. The other model's config.json is fetched in a thread
worker (one small file; no weights).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from hfbrowse.core.config.diff import ConfigDiff, DiffNode, diff_configs
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_facts
from hfbrowse.core.model_ref import ModelRef, parse_model_arg
from hfbrowse.core.untrusted import printable
from hfbrowse.ui import keys
from hfbrowse.ui.screens.model_prompt import ModelPrompt
from hfbrowse.ui.widgets.fit_footer import FitFooter

MARKS = {
    "same": (" ", ""),
    "changed": ("~", "bold yellow"),
    "added": ("+", "bold green"),
    "removed": ("-", "bold red"),
}


def diff_label(node: DiffNode) -> Text:
    mark, style = MARKS[node.change]
    label = Text(f"{mark} ", style=style)
    label.append(printable(node.key), style="bold" if node.change != "same" else "")
    left, right = printable(node.left or ""), printable(node.right or "")
    if node.children:
        summary = left if node.change != "added" else right
        label.append(f" {summary}", style="dim")
        return label
    label.append(": ")
    if node.change == "changed":
        label.append(left, style="red")
        label.append(" → ")
        label.append(right, style="green")
    elif node.change == "added":
        label.append(right, style="green")
    elif node.change == "removed":
        label.append(left, style="red")
    else:
        label.append(left, style="dim")
    return label


class ConfigDiffScreen(Screen):
    DEFAULT_CSS = """
    ConfigDiffScreen #config-diff-title { height: auto; padding: 0 1; border-bottom: solid $panel; }
    ConfigDiffScreen #config-diff-tree { height: 1fr; }
    """
    BINDINGS = keys.bindings(keys.CONFIG_DIFF)

    @dataclass
    class Ready(Message):
        token: int
        diff: ConfigDiff

    @dataclass
    class Failed(Message):
        token: int
        error: HFBrowseError

    def __init__(
        self,
        facts: ModelFacts,
        gateway: HubGateway,
        known: dict[str, ModelRef] | None = None,
        other: str | None = None,
    ) -> None:
        super().__init__()
        self.facts = facts
        self.gateway = gateway
        self.known = known or {}  # names the models list shows, accepted by the prompt
        self.other = other
        self.only_changes = True
        self.token = 0
        self.diff: ConfigDiff | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="config-diff-title")
        tree: Tree[DiffNode] = Tree("config.json", id="config-diff-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(Tree).focus()
        if self.other:
            self.compare_with(self.other)
        else:
            self.action_other_model()

    def compare_with(self, text: str) -> None:
        self.token += 1
        self.other = text
        self.query_one("#config-diff-title", Static).update(
            Text(f"fetching the config.json of {printable(text)} …", style="dim")
        )
        self._load(text, self.token)

    @work(thread=True, exclusive=True, group="config-diff", exit_on_error=False)
    def _load(self, text: str, token: int) -> None:
        try:
            other = load_facts(parse_model_arg(text, known=self.known), self.gateway)
        except Exception as exc:
            self.post_message(self.Failed(token, as_user_error(exc)))
            return
        diff = diff_configs(
            self.facts.config, other.config, self.facts.ref.display, other.ref.display
        )
        self.post_message(self.Ready(token, diff))

    @on(Ready)
    def _ready(self, msg: Ready) -> None:
        if msg.token == self.token:
            self.diff = msg.diff
            self._draw()

    @on(Failed)
    def _failed(self, msg: Failed) -> None:
        if msg.token == self.token:
            title = self.query_one("#config-diff-title", Static)
            title.update(Text(f"✗ {printable(msg.error)}", style="bold red"))
            self.notify(str(msg.error), severity="error", markup=False)

    def _draw(self) -> None:
        diff = self.diff
        if diff is None:
            return
        title = Text()
        title.append("- ", style="bold red")
        left, right = printable(diff.left_label), printable(diff.right_label)
        title.append(left, style="bold")
        title.append("   + ", style="bold green")
        title.append(right, style="bold")
        title.append(
            f"\n~{diff.count('changed')} changed · +{diff.count('added')} only in"
            f" {right} · -{diff.count('removed')} only in {left}"
            f" · {'differences only' if self.only_changes else 'all keys'}",
            style="italic",
        )
        self.query_one("#config-diff-title", Static).update(title)
        tree: Tree[DiffNode] = self.query_one(Tree)
        tree.clear()
        if diff.identical and self.only_changes:
            tree.root.add_leaf(Text("The two config.json files are identical.", style="dim"))
        for node in diff.nodes:
            self._add(tree.root, node)
        tree.root.expand()

    def _add(self, parent: TreeNode[DiffNode], node: DiffNode) -> None:
        if self.only_changes and node.change == "same":
            return
        if node.children:
            branch = parent.add(diff_label(node), data=node, expand=node.change != "same")
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(diff_label(node), data=node)

    def action_toggle_all(self) -> None:
        self.only_changes = not self.only_changes
        self._draw()

    def action_back(self) -> None:
        self.dismiss()

    def action_other_model(self) -> None:
        def chosen(text: str | None) -> None:
            if text:
                self.compare_with(text)
            elif self.diff is None:
                self.dismiss()

        prompt = ModelPrompt("Compare config.json with another model", known=self.known)
        self.app.push_screen(prompt, chosen)
