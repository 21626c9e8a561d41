"""A GGUF file's header as frozen facts: the metadata (a tree of keys) and the tensor table.

Parsing is ``gguf.GGUFReader``'s. It memory-maps a whole file; a Hub file is never whole here:
``gguf_extent.header_extent`` reads exactly the header by ranges, and the reader is handed a
sparse file of the remote file's size holding those bytes (the tensor data is a hole — nothing
is read from it and it takes no disk). Local files go through the same extent walk first, so a
hostile count is refused in one line instead of sending the reader into a long loop.

Shapes are shown as GGUF stores them (ggml order, innermost dimension first), as llama.cpp and
the Hub's GGUF viewer show them. Arrays longer than ``FOLD`` items (the vocabulary, merges,
scores) are folded: their type, their count and the first items.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfbrowse.core.checkpoint.gguf_extent import header_extent
from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable, make_table
from hfbrowse.core.errors import MalformedHeader

SOURCE_GGUF = "GGUF header"
FOLD = 16  # arrays longer than this show their first FOLD_SHOWN items and a count
FOLD_SHOWN = 8
STRING_LIMIT = 64_000  # a chat template stays whole; a pathological string does not


@dataclass(frozen=True)
class GGUFValue:
    """One metadata entry: ``value`` is a scalar, a string, or a list (``count`` items in the
    file; only the first ones kept when folded)."""

    key: str
    type: str  # "string", "uint32", "array[string]", …
    value: Any
    count: int | None = None  # arrays: how many items the file holds

    @property
    def folded(self) -> bool:
        return (
            self.count is not None and isinstance(self.value, list) and self.count > len(self.value)
        )


@dataclass(frozen=True)
class GGUFInfo:
    file: str  # the file name (Hub path or local name)
    version: int
    file_size: int
    header_bytes: int  # where the tensor data begins
    metadata: tuple[GGUFValue, ...]
    table: TensorTable
    reads: int = 0  # ranged reads it took (Hub files)
    path: str | None = None  # the file on disk, when it was read from disk
    header: bytes = field(default=b"", repr=False, compare=False)  # Hub files: the bytes read

    @property
    def architecture(self) -> str | None:
        return self.get("general.architecture")

    def get(self, key: str) -> Any:
        for entry in self.metadata:
            if entry.key == key:
                return entry.value
        return None

    @property
    def bits_per_weight(self) -> float | None:
        params = self.table.parameters
        return self.table.nbytes * 8 / params if params else None


def read_local_gguf(path: Path) -> GGUFInfo:
    """A GGUF file on disk (the extent walk reads the header only, then the reader maps it)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:

            def read(start: int, n: int) -> bytes:
                f.seek(start)
                return f.read(n)

            data_start, _header = header_extent(read, size, path.name)
    except OSError as exc:
        raise MalformedHeader(f"{path.name}: {exc.strerror or exc}") from None
    return _parse(path, path.name, size, data_start, 0)


def read_remote_gguf(read: Callable[[int, int], bytes], size: int, name: str) -> GGUFInfo:
    """A GGUF file known only through ranged reads: the header into a sparse stand-in file of
    the real size, parsed there, deleted."""
    counted = _Counted(read)
    data_start, header = header_extent(counted, size, name)
    with standin_file(header, size) as tmp:
        info = _parse(tmp, name, size, data_start, counted.calls)
    return dataclasses.replace(info, path=None, header=header)


@contextmanager
def standin_file(header: bytes, size: int) -> Iterator[Path]:
    """A temporary sparse file of ``size`` bytes that holds ``header`` and a hole after it:
    what ``GGUFReader`` (and transformers, which uses it) can map as if it were the file."""
    fd, tmp = tempfile.mkstemp(suffix=".gguf", prefix="hfbrowse-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.truncate(size)  # the tensor data: a hole, no disk used
        yield Path(tmp)
    finally:
        os.unlink(tmp)


@contextmanager
def file_of(info: GGUFInfo) -> Iterator[Path]:
    """The file itself when it was read from disk, else its header in a stand-in file."""
    if info.path is not None:
        yield Path(info.path)
    else:
        with standin_file(info.header, info.file_size) as tmp:
            yield tmp


class _Counted:
    def __init__(self, read: Callable[[int, int], bytes]) -> None:
        self.read, self.calls = read, 0

    def __call__(self, start: int, n: int) -> bytes:
        self.calls += 1
        return self.read(start, n)


def _parse(path: Path, name: str, size: int, data_start: int, reads: int) -> GGUFInfo:
    from gguf import GGUFReader

    try:
        reader = GGUFReader(path)
    except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
        raise MalformedHeader(f"{name}: unreadable GGUF header ({exc}).") from None
    try:
        version = int(reader.fields["GGUF.version"].parts[0][0])
        metadata = tuple(
            _entry(field) for key, field in reader.fields.items() if not key.startswith("GGUF.")
        )
        rows = [
            TensorRow(
                name=t.name,
                shape=tuple(int(d) for d in t.shape),
                dtype=t.tensor_type.name,
                parameters=int(t.n_elements),
                nbytes=int(t.n_bytes),
                file=name,
            )
            for t in reader.tensors
        ]
    finally:
        del reader  # drop the memory map before the stand-in file goes
    table = make_table(rows, SOURCE_GGUF, [name])
    return GGUFInfo(name, version, size, data_start, metadata, table, reads, str(path))


def _entry(field: Any) -> GGUFValue:
    from gguf import GGUFValueType

    types = [GGUFValueType(t) for t in field.types]
    if types[0] == GGUFValueType.ARRAY:
        count = len(field.data)
        item = types[1].name.lower() if len(types) > 1 else "?"
        shown = min(count, FOLD_SHOWN if count > FOLD else count)
        items = [_plain(v) for v in field.contents(slice(0, shown))] if shown else []
        return GGUFValue(field.name, f"array[{item}]", items, count)
    value = _plain(field.contents())
    if types[0] == GGUFValueType.FLOAT32:  # 1e-05, not 9.999999747378752e-06
        value = float(f"{value:.7g}")
    return GGUFValue(field.name, types[0].name.lower(), value)


def _plain(value: Any) -> Any:
    """numpy scalars → Python; long strings cut (with their length said)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str) and len(value) > STRING_LIMIT:
        return value[:STRING_LIMIT] + f"… ({len(value):,} characters)"
    return value
