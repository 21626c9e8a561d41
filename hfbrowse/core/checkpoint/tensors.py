"""The tensor table: one row per checkpoint tensor, with totals per dtype.

Rows come from safetensors headers (local files or ranged Hub reads) or, for repos that ship no
safetensors, from the recommended head built on torch's meta device (see ``meta_tensors``).

Rows are kept in one order, whatever the source: by name, with numbers compared as numbers
(``layers.2`` before ``layers.10``). File order is no order at all for a sharded checkpoint
(``save_pretrained`` fills shards by size, so layer 9 can sit after layer 19); the TUI, --print
and --json all show the rows in this order (``natural_key``), and ``by_size`` is the one other.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.checkpoint.safetensors import DTYPE_BYTES, SafetensorsHeader, read_local_header
from hfbrowse.core.errors import MalformedHeader, NoCheckpoint, UnsafeInput
from hfbrowse.core.safe_paths import check_repo_name, read_in_folder
from hfbrowse.core.untrusted import load_json

INDEX_FILE = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"
SOURCE_HEADERS = "safetensors headers"
SOURCE_META = "from config — no checkpoint read"
MAX_INDEX_BYTES = 100_000_000  # a 200,000-tensor index is ~20 MB
ORDER_NAME = "name"
ORDER_SIZE = "size"
_NUMBER = re.compile(r"([0-9]+)")  # ASCII digits only: "²" or "٣" stay text
_SHARD = re.compile(r"-(\d+)-of-(\d+)\.")


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a tensor name: text parts as text, runs of digits as numbers — compared by
    length, then digits, so a name with a 5,000-digit run sorts without ``int()`` (which
    refuses over 4,300 digits)."""
    key = []
    for part in _NUMBER.split(name):
        if not part:
            continue
        if "0" <= part[0] <= "9":
            digits = part.lstrip("0") or "0"
            key.append((1, len(digits), digits))
        else:
            key.append((0, 0, part))
    return tuple(key)


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
    problem: str | None = None  # the header does not add up for it (see HeaderTensor.problem)


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
    def flagged(self) -> tuple[TensorRow, ...]:
        """Rows whose header entry does not add up (counted as the header says, and marked)."""
        return tuple(r for r in self.rows if r.problem is not None)

    def flag_note(self) -> str | None:
        """One line for the totals when some rows are flagged, else None."""
        flagged = self.flagged
        if not flagged:
            return None
        noun = "tensor's" if len(flagged) == 1 else "tensors'"
        return (
            f"⚠ {len(flagged):,} {noun} header entries do not add up (e.g. {flagged[0].name}:"
            f" {flagged[0].problem}); their counts are the header's claims."
        )

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
            problem=t.problem,
        )
        for h in headers
        for t in h.tensors
    ]
    return make_table(rows, SOURCE_HEADERS, [h.file for h in headers])


def index_shards(data: str | bytes, source: str = INDEX_FILE) -> list[str]:
    """The shard file names an index's ``weight_map`` names, each checked to be a plain relative
    name inside the repo (never ``/etc/passwd`` or ``../x``). The one reader of an index: local
    folders, Hub repos, the HF cache and downloads all call it."""
    doc = load_json(data, source, error=MalformedHeader)
    weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
    if not isinstance(weight_map, dict):
        raise MalformedHeader(f"{source}: unreadable index (no weight_map object).")
    names = set()
    for value in weight_map.values():
        try:
            names.add(check_repo_name(value, f"{source}'s weight_map"))
        except UnsafeInput as exc:
            raise MalformedHeader(str(exc)) from None
    return sorted(names)


def local_safetensors_files(folder: Path) -> list[Path]:
    """The checkpoint files of a folder: the index's shards when sharded, else *.safetensors.
    Shards are opened later through ``safe_paths`` (inside the folder, regular files only)."""
    index = folder / INDEX_FILE
    if index.exists() or index.is_symlink():
        try:
            shards = index_shards(read_in_folder(folder, INDEX_FILE, MAX_INDEX_BYTES))
        except OSError as exc:
            raise MalformedHeader(f"{INDEX_FILE}: cannot read ({exc.strerror or exc}).") from None
        missing = [s for s in shards if not (folder / s).exists()]
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
    return table_from_headers(read_local_header(p, folder) for p in files)


def dtype_nbytes(dtype: str, parameters: int) -> int:
    return int(DTYPE_BYTES.get(dtype, 4) * parameters)
