"""The tensor pane's module view (``g``): tensors grouped by module path, counts per module.

The tree is filled lazily, one level per expansion, so a 70B checkpoint (1,300 modules) costs
nothing until it is opened; the widget itself is mounted the first time ``g`` asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from hfbrowse.core.checkpoint.module_tree import ModuleNode, module_tree, repeated_blocks
from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable
from hfbrowse.core.formatting import human_bytes, human_count, shape_text
from hfbrowse.core.untrusted import printable

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.quantization import QuantizedCounts


def _module_label(node: ModuleNode) -> Text:
    label = Text(printable(node.name or "checkpoint"), style="bold")
    blocks = repeated_blocks(node)
    if blocks:
        count, first = blocks
        label.append(f"  {count} × {human_count(first.parameters)}", style="cyan")
    label.append(f"  {human_count(node.parameters)} params")
    label.append(f" · {human_bytes(node.nbytes)}", style="dim")
    return label


def _tensor_label(row: TensorRow, logical: int | None) -> Text:
    label = Text(printable(row.name.rpartition(".")[2]))
    label.append(f"  {shape_text(row.shape)} {row.dtype}", style="dim")
    count = row.parameters if logical is None else logical
    label.append(f"  {human_count(count)}")
    if logical is not None and logical != row.parameters:
        label.append(" (unpacked)", style="italic yellow")
    if row.problem:
        label.append(f"  ⚠ {printable(row.problem)}", style="bold yellow")
    return label


MAX_SHOWN = 1_000  # entries per level


class ModuleTreeView(Tree[object]):
    """Modules as branches (params per module), tensors as leaves."""

    DEFAULT_CSS = "ModuleTreeView { display: none; height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__("checkpoint", **kwargs)
        self.show_root = True
        self.guide_depth = 2
        self._logical: dict[str, int] = {}
        self.built_for: TensorTable | None = None

    def show(self, table: TensorTable, counts: QuantizedCounts | None) -> None:
        """Rebuild for ``table`` (quantised logical counts when the format is known)."""
        self.built_for = table
        logical = {t.name: t.logical_parameters for t in counts.tensors} if counts else {}
        self._logical = logical if counts and counts.quantized else {}
        root = module_tree(table.rows, self._logical or None)
        self.clear()
        self.root.data = root
        self.root.set_label(_module_label(root))
        self._fill(self.root, root)
        self.root.expand()

    def _fill(self, branch: TreeNode, node: ModuleNode) -> None:
        """One level; past ``MAX_SHOWN`` entries the rest is one line (200,000 modules under
        one root took the UI thread half a minute to add; the table's filter finds them)."""
        shown = 0
        for child in node.children[:MAX_SHOWN]:
            item = branch.add(_module_label(child), data=child)
            item.allow_expand = True
            shown += 1
        for row in node.leaves[: max(0, MAX_SHOWN - shown)]:
            branch.add_leaf(_tensor_label(row, self._logical.get(row.name)), data=row)
            shown += 1
        rest = len(node.children) + len(node.leaves) - shown
        if rest > 0:
            branch.add_leaf(Text(f"… {rest:,} more (the table's filter finds them)", style="dim"))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if isinstance(node.data, ModuleNode) and not node.children:
            self._fill(node, node.data)


def tensor_of(data: object) -> str | None:
    """A tensor name to resolve for a tree node: the tensor itself, or a stand-in under the
    module (``<module>.*``: the module's own line is what ``init_line`` returns then)."""
    if isinstance(data, TensorRow):
        return data.name
    if isinstance(data, ModuleNode) and data.path:
        return f"{data.path}.*"
    return None
