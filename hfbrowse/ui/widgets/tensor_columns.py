"""Which tensor-table columns fit the pane's width, and how long names are shortened to fit.

The centre pane is ~50 columns at 120x40 and ~44 at 80x24; a tensor name alone is often longer
(``model.layers.79.post_attention_layernorm.weight``). Shape, dtype and parameters are what the
table is for, so they keep their room and the name gives way, in three steps:

1. the full name, when the longest fits;
2. the path before the last layer number cut to initials (``m.l.79.self_attn.q_proj.weight``:
   every row of a layer shares that prefix, and ``encoder``/``decoder`` still differ);
3. the middle of what is still too long cut out, keeping the layer number and the last two
   parts (``m.l.79.post_at…layernorm.weight``).

The full name of the highlighted row is shown under the table (the origin line) whenever names
are shortened. Columns beyond shape, dtype and parameters (the shard of a sharded checkpoint,
the bytes) come only when the name keeps enough room; ``z`` gives the pane the whole screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich.text import Text

from hfbrowse.core.checkpoint.tensors import TensorRow, shard_label
from hfbrowse.core.formatting import human_bytes, human_count
from hfbrowse.core.untrusted import printable

NAME_MIN = 20  # the name never gets less; below it, parameters then dtype are dropped
NAME_ROOM = 26  # optional columns (shard, bytes) only while the name keeps this much
NAME_CAP = 96  # longer names are cut even with room to spare
_INDEX = re.compile(r"^\d+$")

Mode = Literal["full", "initials", "cut"]


def compact_shape(shape: tuple[int, ...]) -> str:
    """``(4096, 8192)`` → ``4096×8192``; a scalar is ``()``."""
    return "×".join(str(d) for d in shape) if shape else "()"


def initials(name: str) -> str:
    """Parts before the last numeric part shortened to their first letter:
    ``model.layers.0.self_attn.q_proj.weight`` → ``m.l.0.self_attn.q_proj.weight``."""
    parts = name.split(".")
    last = max((i for i, p in enumerate(parts) if _INDEX.match(p)), default=-1)
    if last <= 0:
        return name
    short = [p if _INDEX.match(p) or i > last else p[:1] for i, p in enumerate(parts)]
    return ".".join(short)


def cut_middle(name: str, width: int) -> str:
    """``name`` in ``width`` cells, keeping its start up to the layer number (or its first
    part) and its end: the last two parts whole when they fit
    (``m.l.0.self_attn.k_proj.weight`` → ``m.l.0.self_a…k_proj.weight``), else the last part
    whole and both ends of the one before (``m.l.0.input…ernorm.weight``)."""
    if len(name) <= width:
        return name
    parts = name.split(".")
    last = max((i for i, p in enumerate(parts) if _INDEX.match(p)), default=0)
    head_min = ".".join(parts[: last + 1]) + "."
    tail = ".".join(parts[-2:])
    leaf = "." + parts[-1]
    if len(parts) - last < 3 or len(head_min) > width // 2:  # no useful start: plain halves
        half = (width - 1) // 2
        return name[:half] + "…" + name[len(name) - (width - 1 - half) :]
    if len(head_min) + 1 + len(tail) <= width:
        return name[: width - 1 - len(tail)] + "…" + tail
    module = parts[-2]
    room = width - len(head_min) - len(leaf) - 1  # for both ends of the module's name
    if room < 2:
        return head_min + "…" + tail[len(tail) - (width - 1 - len(head_min)) :]
    end = (room + 1) // 2
    return head_min + module[: room - end] + "…" + module[len(module) - end :] + leaf


@dataclass(frozen=True)
class TensorColumn:
    key: str
    title: str
    width: int
    justify: Literal["left", "right"]
    # Not compared: two layouts for the same width are equal (a resize that changes nothing
    # must not refill the table), though each fit makes its own functions.
    value: Callable[[TensorRow], str] = field(compare=False)


@dataclass(frozen=True)
class TensorLayout:
    columns: tuple[TensorColumn, ...]
    name_mode: Mode
    name_width: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def shortened(self) -> bool:
        """Names on screen are not the full names (the origin line then shows the full one)."""
        return self.name_mode != "full"

    def name(self, row: TensorRow) -> str:
        """The name as shown: control characters escaped (a checkpoint's text), then shortened."""
        if self.name_mode == "full":
            return printable(row.name)
        return cut_middle(initials(printable(row.name)), self.name_width)

    def cells(self, row: TensorRow) -> tuple[Text, ...]:
        """The row as cells (Text: a name is never markup); each column after the name is
        padded by one cell on its left. A row whose header entry does not add up is marked."""
        style = "bold yellow" if row.problem else ""
        out = [Text(self.name(row), style=style, no_wrap=True, overflow="ellipsis")]
        for col in self.columns[1:]:
            out.append(Text(" " + col.value(row), justify=col.justify, no_wrap=True))
        return tuple(out)


def _params(row: TensorRow) -> str:
    return ("⚠ " if row.problem else "") + human_count(row.parameters)


def _extra(key: str, title: str, value: Callable[[TensorRow], str], rows) -> TensorColumn:
    widest = max((len(value(r)) for r in rows), default=0)
    return TensorColumn(key, title, 1 + max(len(title), widest), "right", value)


def fit_columns(rows: Sequence[TensorRow], width: int, sharded: bool) -> TensorLayout:
    """The columns for ``rows`` in ``width`` cells, the name taking what the others leave."""
    shape = _extra("shape", "shape", lambda r: compact_shape(r.shape), rows)
    dtype = _extra("dtype", "dtype", lambda r: printable(r.dtype), rows)
    params = _extra("params", "params", _params, rows)
    wanted = [shape, dtype, params]
    optional = [_extra("bytes", "bytes", lambda r: human_bytes(r.nbytes), rows)]
    if sharded:
        optional.insert(0, _extra("shard", "shard", lambda r: shard_label(r.file), rows))
    names = [printable(r.name) for r in rows]
    longest = min(max((len(n) for n in names), default=4), NAME_CAP)
    shortest = min(max((len(initials(n)) for n in names), default=4), NAME_CAP)

    def room(cols: list[TensorColumn]) -> int:
        return width - sum(c.width for c in cols)

    while wanted and room(wanted) < NAME_MIN:
        wanted.pop()  # parameters first, then dtype: shape stays whatever the width
    for col in optional:
        if room([*wanted, col]) >= min(NAME_ROOM, shortest):
            wanted.append(col)
    order = ["shape", "dtype", "params", "shard", "bytes"]
    wanted.sort(key=lambda c: order.index(c.key))
    name_width = max(room(wanted), NAME_MIN if wanted else 4)
    if longest <= name_width:
        mode: Mode = "full"
        name_width = longest
    elif shortest <= name_width:
        mode = "initials"
        name_width = shortest
    else:
        mode = "cut"
    name = TensorColumn("name", "name", max(name_width, 4), "left", lambda r: printable(r.name))
    return TensorLayout((name, *wanted), mode, name_width)
