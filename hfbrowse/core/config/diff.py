"""Two config.json files compared key by key, as one tree: same, changed, added, removed.

The raw files are compared (not config objects, which add defaults and rename keys), so the
diff shows what the two repos actually say. Objects are compared recursively; lists and scalars
as whole values (``1`` and ``1.0`` are the same number, ``true`` and ``1`` are not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hfbrowse.core.config.tree import render_scalar

Change = Literal["same", "changed", "added", "removed"]
VALUE_WIDTH = 60  # rendered values longer than this are shortened with "…"


@dataclass(frozen=True)
class DiffNode:
    """One key present in either config; ``children`` when both sides hold an object."""

    key: str
    path: str
    change: Change  # for objects: "changed" when anything below differs
    left: str | None  # rendered value in the opened model (None: key absent)
    right: str | None  # rendered value in the other model
    children: tuple[DiffNode, ...] = ()


@dataclass(frozen=True)
class ConfigDiff:
    left_label: str
    right_label: str
    nodes: tuple[DiffNode, ...]

    def count(self, change: Change) -> int:
        """Leaf keys with this change (objects are counted through their leaves)."""
        return sum(_count(n, change) for n in self.nodes)

    def flat(self) -> list[DiffNode]:
        """Every node, depth first (for the text report and the tests)."""
        out: list[DiffNode] = []
        stack = list(reversed(self.nodes))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    @property
    def identical(self) -> bool:
        return all(n.change == "same" for n in self.nodes)


def _count(node: DiffNode, change: Change) -> int:
    if node.children:
        return sum(_count(c, change) for c in node.children)
    return 1 if node.change == change else 0


def _render(value: Any) -> str:
    text = render_scalar(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def same_value(a: Any, b: Any) -> bool:
    """JSON equality where ``1 == 1.0`` but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _node(key: str, path: str, left: Any, right: Any, has_left: bool, has_right: bool) -> DiffNode:
    if not has_right:
        return DiffNode(key, path, "removed", _render(left), None)
    if not has_left:
        return DiffNode(key, path, "added", None, _render(right))
    if isinstance(left, dict) and isinstance(right, dict):
        children = _compare(left, right, path)
        change: Change = "same" if all(c.change == "same" for c in children) else "changed"
        return DiffNode(key, path, change, _render(left), _render(right), children)
    change = "same" if same_value(left, right) else "changed"
    return DiffNode(key, path, change, _render(left), _render(right))


def _compare(left: dict[str, Any], right: dict[str, Any], prefix: str = "") -> tuple[DiffNode, ...]:
    """Keys in the left file's order, then keys only the right file has, in its order."""
    keys = list(left) + [k for k in right if k not in left]
    return tuple(
        _node(
            str(k),
            f"{prefix}.{k}" if prefix else str(k),
            left.get(k),
            right.get(k),
            k in left,
            k in right,
        )
        for k in keys
    )


def diff_configs(
    left: dict[str, Any], right: dict[str, Any], left_label: str, right_label: str
) -> ConfigDiff:
    """The whole comparison of two raw configs."""
    return ConfigDiff(left_label, right_label, _compare(left, right))


def render_diff_lines(diff: ConfigDiff, only_changes: bool = True) -> list[str]:
    """``~ key: a → b`` / ``+ key: b`` / ``- key: a`` lines, indented by depth (for --print)."""
    marks = {"same": " ", "changed": "~", "added": "+", "removed": "-"}
    lines: list[str] = []

    def walk(nodes: tuple[DiffNode, ...], depth: int) -> None:
        for n in nodes:
            if only_changes and n.change == "same":
                continue
            pad = "  " * depth
            if n.children:
                lines.append(f"{marks[n.change]} {pad}{n.key}:")
                walk(n.children, depth + 1)
            elif n.change == "changed":
                lines.append(f"~ {pad}{n.key}: {n.left} → {n.right}")
            elif n.change == "added":
                lines.append(f"+ {pad}{n.key}: {n.right}")
            elif n.change == "removed":
                lines.append(f"- {pad}{n.key}: {n.left}")
            else:
                lines.append(f"  {pad}{n.key}: {n.left}")

    walk(diff.nodes, 0)
    return lines
