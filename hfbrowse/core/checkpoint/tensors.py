"""The tensor table: one row per checkpoint tensor, with totals per dtype.

Rows come from safetensors headers (local files or ranged Hub reads) or, for repos that ship no
safetensors, from the recommended head built on torch's meta device (see ``meta_tensors``).

Rows are kept in one order, whatever the source: by name, with numbers compared as numbers
(``layers.2`` before ``layers.10``). File order is no order at all for a sharded checkpoint
(``save_pretrained`` fills shards by size, so layer 9 can sit after layer 19); the TUI, --print
and --json all show the rows in this order (``natural_key``), and ``by_size`` is the one other.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.checkpoint.safetensors import DTYPE_BYTES, SafetensorsHeader, read_local_header
from hfbrowse.core.errors import MalformedHeader, NoCheckpoint

INDEX_FILE = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"
SOURCE_HEADERS = "safetensors headers"
SOURCE_META = "from config — no checkpoint read"
ORDER_NAME = "name"
ORDER_SIZE = "size"
_NUMBER = re.compile(r"(\d+)")
_SHARD = re.compile(r"-(\d+)-of-(\d+)\.")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a tensor name: text parts as text, runs of digits as numbers."""
    return tuple(
        (1, int(part)) if part.isdigit() else (0, part) for part in _NUMBER.split(name) if part
    )


def shard_label(file: str) -> str:
    """``model-00003-of-00030.safetensors`` → ``3/30``; other names as they are."""
    found = _SHARD.search(file)
    return f"{int(found[1])}/{int(found[2])}" if found else file


@dataclass(frozen=True)
class TensorRow:
    name: str
    shape: tuple[int, ...]
    dtype: str
    parameters: int
    nbytes: int
    file: str


@dataclass(frozen=True)
class DtypeTotal:
    dtype: str
    tensors: int
    parameters: int
    nbytes: int


@dataclass(frozen=True)
class TensorTable:
    """All tensors of a checkpoint and where they were read from (``source``)."""

    rows: tuple[TensorRow, ...]
    totals: tuple[DtypeTotal, ...]
    source: str
    files: tuple[str, ...]

    @property
    def parameters(self) -> int:
        return sum(t.parameters for t in self.totals)

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.totals)

    @property
    def sharded(self) -> bool:
        """The rows come from more than one file (the TUI then shows each row's shard)."""
        return len(self.files) > 1

    def filtered(self, text: str, order: str = ORDER_NAME) -> tuple[TensorRow, ...]:
        """Rows whose name contains ``text`` (case-insensitive; all rows for empty text), in
        the table's order or, with ``order=ORDER_SIZE``, largest first."""
        needle = text.strip().lower()
        rows = self.rows if not needle else tuple(r for r in self.rows if needle in r.name.lower())
        return by_size(rows) if order == ORDER_SIZE else rows


def by_size(rows: Iterable[TensorRow]) -> tuple[TensorRow, ...]:
    """Largest first (bytes, then parameters); ties keep the name order."""
    return tuple(sorted(rows, key=lambda r: (-r.nbytes, -r.parameters)))


def make_table(rows: Iterable[TensorRow], source: str, files: Iterable[str]) -> TensorTable:
    """Freeze rows into a table, in name order, and compute the per-dtype totals (largest
    first)."""
    rows = tuple(sorted(rows, key=lambda r: natural_key(r.name)))
    acc: dict[str, list[int]] = {}
    for row in rows:
        tot = acc.setdefault(row.dtype, [0, 0, 0])
        tot[0] += 1
        tot[1] += row.parameters
        tot[2] += row.nbytes
    totals = tuple(
        DtypeTotal(dtype, n, p, b)
        for dtype, (n, p, b) in sorted(acc.items(), key=lambda kv: -kv[1][1])
    )
    return TensorTable(rows, totals, source, tuple(files))


def table_from_headers(headers: Iterable[SafetensorsHeader]) -> TensorTable:
    """Every tensor of every file, in name order (``make_table``)."""
    headers = list(headers)
    rows = [
        TensorRow(
            name=t.name,
            shape=t.shape,
            dtype=t.dtype,
            parameters=math.prod(t.shape),
            nbytes=t.data_offsets[1] - t.data_offsets[0],
            file=h.file,
        )
        for h in headers
        for t in h.tensors
    ]
    return make_table(rows, SOURCE_HEADERS, [h.file for h in headers])


def local_safetensors_files(folder: Path) -> list[Path]:
    """The checkpoint files of a folder: the index's shards when sharded, else *.safetensors."""
    index = folder / INDEX_FILE
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            shards = sorted(set(weight_map.values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedHeader(f"{INDEX_FILE}: unreadable index ({exc}).") from None
        missing = [s for s in shards if not (folder / s).is_file()]
        if missing:
            raise MalformedHeader(f"{INDEX_FILE} names missing shard(s): {', '.join(missing[:3])}")
        return [folder / s for s in shards]
    return sorted(folder.glob("*.safetensors"))


def local_tensor_table(folder: Path) -> TensorTable:
    """Read every shard's header from disk; raise NoCheckpoint when there is no safetensors."""
    files = local_safetensors_files(folder)
    if not files:
        others = [p.name for p in folder.iterdir() if p.suffix in {".bin", ".pt", ".pth", ".gguf"}]
        hint = f" (found {', '.join(sorted(others))})" if others else ""
        raise NoCheckpoint(f"No safetensors checkpoint in {folder.name}{hint}.")
    return table_from_headers(read_local_header(p) for p in files)


def dtype_nbytes(dtype: str, parameters: int) -> int:
    return int(DTYPE_BYTES.get(dtype, 4) * parameters)
