"""Two tensor tables compared by name: added, removed, reshaped, re-typed (headers only).

Used for two revisions of one repo (``--diff-revision``, the revisions picker's ``d``): both
tables come from safetensors headers, so the comparison costs no weight bytes. Rows keep the
tables' order (natural name order), added and removed first, then the changed ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable, natural_key


@dataclass(frozen=True)
class TensorChange:
    name: str
    change: str  # added, removed, changed
    left: TensorRow | None
    right: TensorRow | None

    @property
    def reshaped(self) -> bool:
        return self.change == "changed" and self.left.shape != self.right.shape  # type: ignore[union-attr]

    @property
    def retyped(self) -> bool:
        return self.change == "changed" and self.left.dtype != self.right.dtype  # type: ignore[union-attr]

    def describe(self) -> str:
        """``+ name  4×32 F32`` / ``- name …`` / ``~ name  4×32 → 8×32, F32 → BF16``."""
        from hfbrowse.core.formatting import shape_text

        if self.left is None or self.right is None:
            row = self.left or self.right
            mark = "+" if self.change == "added" else "-"
            return f"{mark} {self.name}  {shape_text(row.shape)} {row.dtype}"  # type: ignore[union-attr]
        parts = []
        if self.reshaped:
            parts.append(f"{shape_text(self.left.shape)} → {shape_text(self.right.shape)}")
        if self.retyped:
            parts.append(f"{self.left.dtype} → {self.right.dtype}")
        return f"~ {self.name}  {', '.join(parts)}"


@dataclass(frozen=True)
class TensorDiff:
    changes: tuple[TensorChange, ...]
    same: int  # tensors with the same name, shape and dtype on both sides

    def count(self, what: str) -> int:
        if what == "reshaped":
            return sum(c.reshaped for c in self.changes)
        if what == "retyped":
            return sum(c.retyped for c in self.changes)
        return sum(c.change == what for c in self.changes)

    @property
    def identical(self) -> bool:
        return not self.changes


def diff_tables(left: TensorTable, right: TensorTable) -> TensorDiff:
    lrows = {r.name: r for r in left.rows}
    rrows = {r.name: r for r in right.rows}
    changes = []
    same = 0
    for name in sorted(lrows.keys() | rrows.keys(), key=natural_key):
        a, b = lrows.get(name), rrows.get(name)
        if a is None:
            changes.append(TensorChange(name, "added", None, b))
        elif b is None:
            changes.append(TensorChange(name, "removed", a, None))
        elif (a.shape, a.dtype) != (b.shape, b.dtype):
            changes.append(TensorChange(name, "changed", a, b))
        else:
            same += 1
    order = {"added": 0, "removed": 1, "changed": 2}
    return TensorDiff(tuple(sorted(changes, key=lambda c: order[c.change])), same)
