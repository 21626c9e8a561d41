"""The tensor pane's module view (``g``): tensors grouped by module path, counts per module, and
the ``__init__`` line that creates the highlighted module (``TensorOrigin``, below the table).

The tree is filled lazily, one level per expansion, so a 70B checkpoint (1,300 modules) costs
nothing until it is opened. The origin lookup reads modeling files with ``ast`` in a thread
worker, debounced, so moving the cursor never waits on a parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from hfbrowse.core.checkpoint.module_tree import ModuleNode, module_tree, repeated_blocks
from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable
from hfbrowse.core.errors import as_user_error
from hfbrowse.core.formatting import human_bytes, human_count, shape_text

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.quantization import QuantizedCounts
    from hfbrowse.core.source.init_lines import InitLine

ORIGIN_DEBOUNCE_S = 0.12


def _module_label(node: ModuleNode) -> Text:
    label = Text(node.name or "checkpoint", style="bold")
    blocks = repeated_blocks(node)
    if blocks:
        count, first = blocks
        label.append(f"  {count} × {human_count(first.parameters)}", style="cyan")
    label.append(f"  {human_count(node.parameters)} params")
    label.append(f" · {human_bytes(node.nbytes)}", style="dim")
    return label


def _tensor_label(row: TensorRow, logical: int | None) -> Text:
    label = Text(row.name.rpartition(".")[2])
    label.append(f"  {shape_text(row.shape)} {row.dtype}", style="dim")
    count = row.parameters if logical is None else logical
    label.append(f"  {human_count(count)}")
    if logical is not None and logical != row.parameters:
        label.append(" (unpacked)", style="italic yellow")
    return label


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
        for child in node.children:
            item = branch.add(_module_label(child), data=child)
            item.allow_expand = True
        for row in node.leaves:
            branch.add_leaf(_tensor_label(row, self._logical.get(row.name)), data=row)

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


@dataclass
class OriginFound(Message):
    token: int
    tensor: str
    found: InitLine | None
    error: str | None = None


class TensorOrigin(Static):
    """One line: ``transformer.h.0.attn.c_attn → GPT2Attention.__init__ modeling_gpt2.py:107``."""

    DEFAULT_CSS = """
    TensorOrigin {
        display: none; height: auto; max-height: 2; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.class_name: str | None = None
        self.model_type: str | None = None
        self._timer: Timer | None = None
        self._token = 0

    def set_head(self, class_name: str | None, model_type: str | None) -> None:
        self.class_name, self.model_type = class_name, model_type
        self.clear()

    def clear(self) -> None:
        """Hidden until a tensor is highlighted in a focused table or tree."""
        if self._timer is not None:
            self._timer.stop()
        self._token += 1
        self.update("")
        self.display = False

    def lookup(self, tensor: str | None) -> None:
        if tensor is None or self.class_name is None:
            self.clear()
            return
        if self._timer is not None:
            self._timer.stop()
        self._token += 1
        token = self._token
        self._timer = self.set_timer(ORIGIN_DEBOUNCE_S, lambda: self._find(tensor, token))

    @work(thread=True, exclusive=True, group="tensor-origin", exit_on_error=False)
    def _find(self, tensor: str, token: int) -> None:
        from hfbrowse.core.source.init_lines import init_line

        try:
            found = init_line(tensor, self.class_name or "", self.model_type)
        except Exception as exc:  # a modeling file we cannot parse: one line, never a traceback
            self.post_message(OriginFound(token, tensor, None, str(as_user_error(exc))))
            return
        self.post_message(OriginFound(token, tensor, found))

    def on_origin_found(self, msg: OriginFound) -> None:
        msg.stop()
        if msg.token != self._token:
            return
        self.update(origin_text(msg.tensor, msg.found, msg.error))
        self.display = True


def origin_text(tensor: str, found: InitLine | None, error: str | None = None) -> Text:
    shown = tensor.removesuffix(".*")
    if error:
        return Text(f"{shown}: {error}", style="red")
    if found is None:
        return Text(f"{shown}: no __init__ line found for it", style="dim")
    file = found.file.rsplit("/", 1)[-1]
    text = Text()
    text.append(f"{file}:{found.line} ", style="cyan")
    text.append(f"{found.class_name}.__init__", style="bold")
    if len(found.lines) > 1:
        text.append(f" (+{len(found.lines) - 1} more)", style="dim")
    if not found.exact:
        text.append(f" best effort: {found.module_path or shown}", style="italic yellow")
    text.append("\n")
    text.append(found.text, style="green")
    return text


def quant_text(counts: QuantizedCounts | None) -> Text:
    """The quantisation line under the totals: logical parameters beside the stored size."""
    if counts is None or counts.scheme is None:
        return Text("")
    text = Text()
    text.append(counts.summary(), style="yellow")
    if counts.quantized:
        text.append(
            f"  logical {human_count(counts.logical_parameters)} params"
            f" (headers say {human_count(counts.header_parameters)})"
            f" · stored {human_bytes(counts.stored_bytes)}"
            f" · aux {human_bytes(counts.aux_bytes)}"
        )
    return text
