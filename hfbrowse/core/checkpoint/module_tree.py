"""The tensor table grouped by module path, with parameter counts per module (like torchinfo).

Built from tensor names alone (``transformer.h.0.attn.c_attn.weight`` → modules ``transformer``,
``transformer.h``, ``transformer.h.0``, …), so it needs neither torch nor the module objects; the
counts are those of the headers, or the quantisation-aware logical counts when given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hfbrowse.core.checkpoint.tensors import TensorRow


@dataclass(frozen=True)
class ModuleNode:
    name: str  # last path component ("" for the root)
    path: str  # dotted module path ("" for the root)
    parameters: int
    nbytes: int
    tensors: int  # tensors in this module and below
    children: tuple[ModuleNode, ...]
    leaves: tuple[TensorRow, ...]  # tensors that belong to this module directly


def _natural(text: str) -> tuple:
    """Layer ``10`` after layer ``9``: numbers sort as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


# Tensor names are a checkpoint's text: a module path deeper than this is no real model, and
# the tree (built and drawn recursively) stops there.
MAX_DEPTH = 64


class _Builder:
    __slots__ = ("children", "leaves")

    def __init__(self) -> None:
        self.children: dict[str, _Builder] = {}
        self.leaves: list[TensorRow] = []


def module_tree(
    rows: tuple[TensorRow, ...] | list[TensorRow], logical: Mapping[str, int] | None = None
) -> ModuleNode:
    """The root node; ``logical`` (tensor → parameters) overrides header counts when given."""
    root = _Builder()
    for row in rows:
        node = root
        parts = row.name.split(".")[:-1]
        if len(parts) > MAX_DEPTH:  # a name of 10,000 dots: the rest is one module's name
            parts[MAX_DEPTH - 1 :] = [".".join(parts[MAX_DEPTH - 1 :])]
        for part in parts:
            node = node.children.setdefault(part, _Builder())
        node.leaves.append(row)
    return _freeze(root, "", "", logical or {})


def _freeze(node: _Builder, name: str, path: str, logical: Mapping[str, int]) -> ModuleNode:
    items = node.children.items()
    if len(node.children) > 1:
        items = sorted(items, key=lambda kv: _natural(kv[0]))  # type: ignore[assignment]
    children = tuple(
        _freeze(child, key, f"{path}.{key}" if path else key, logical) for key, child in items
    )
    leaves = tuple(node.leaves)
    params = sum(c.parameters for c in children) + sum(
        logical.get(r.name, r.parameters) for r in leaves
    )
    nbytes = sum(c.nbytes for c in children) + sum(r.nbytes for r in leaves)
    count = sum(c.tensors for c in children) + len(leaves)
    return ModuleNode(name, path, params, nbytes, count, children, leaves)


def find_module(root: ModuleNode, path: str) -> ModuleNode | None:
    node = root
    for part in path.split(".") if path else []:
        node = next((c for c in node.children if c.name == part), None)
        if node is None:
            return None
    return node


def repeated_blocks(node: ModuleNode) -> tuple[int, ModuleNode] | None:
    """(count, first) when all children are numbered blocks (``h.0`` … ``h.11``): a ModuleList."""
    if len(node.children) > 1 and all(c.name.isdigit() for c in node.children):
        return len(node.children), node.children[0]
    return None
