"""Reading safetensors headers from bytes: never mapping the file, never reading weights.

A safetensors file is ``u64 little-endian header length`` + ``JSON header`` + weights. The header
length is untrusted input: it is checked against the file size and a hard cap before a single byte
of the header is allocated (``safe_open`` maps the whole file, which fails on 100+ GiB files).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from hfbrowse.core.errors import MalformedHeader

# safetensors itself refuses headers over 100 MB; so do we.
MAX_HEADER_BYTES = 100_000_000

# Bytes per element of each safetensors dtype (sub-byte types count as a fraction).
DTYPE_BYTES: dict[str, float] = {
    "F64": 8,
    "I64": 8,
    "U64": 8,
    "C64": 8,
    "F32": 4,
    "I32": 4,
    "U32": 4,
    "F16": 2,
    "BF16": 2,
    "I16": 2,
    "U16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "F8_E8M0": 1,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F6_E2M3": 0.75,
    "F6_E3M2": 0.75,
    "F4": 0.5,
}


@dataclass(frozen=True)
class HeaderTensor:
    """One tensor as its header describes it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    data_offsets: tuple[int, int]


@dataclass(frozen=True)
class SafetensorsHeader:
    """A parsed header: its tensors in file order and the free-form ``__metadata__``."""

    file: str
    tensors: tuple[HeaderTensor, ...]
    metadata: dict[str, str]
    header_bytes: int


def header_length(prefix: bytes, file_size: int | None, source: str) -> int:
    """Decode and check the 8-byte length prefix against the cap and the file's size."""
    if len(prefix) < 8:
        raise MalformedHeader(
            f"{source}: file is too short to be safetensors ({len(prefix)} bytes)."
        )
    (length,) = struct.unpack("<Q", prefix[:8])
    if length == 0:
        raise MalformedHeader(f"{source}: header length is zero.")
    if length > MAX_HEADER_BYTES:
        raise MalformedHeader(
            f"{source}: header claims {length:,} bytes (over the {MAX_HEADER_BYTES:,}-byte limit)."
        )
    if file_size is not None and 8 + length > file_size:
        raise MalformedHeader(
            f"{source}: header claims {length:,} bytes but only {file_size - 8:,} follow"
            " the length field (truncated file?)."
        )
    return length


def parse_header_json(raw: bytes, source: str, file_size: int | None = None) -> SafetensorsHeader:
    """Validate header JSON: every entry needs a known dtype, a shape and consistent offsets."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedHeader(f"{source}: header is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict):
        raise MalformedHeader(f"{source}: header is not a JSON object.")
    metadata_raw = doc.pop("__metadata__", None) or {}
    metadata = (
        {str(k): str(v) for k, v in metadata_raw.items()} if isinstance(metadata_raw, dict) else {}
    )
    data_size = None if file_size is None else file_size - 8 - len(raw)
    tensors = [_parse_entry(name, entry, source, data_size) for name, entry in doc.items()]
    tensors.sort(key=lambda t: t.data_offsets)
    return SafetensorsHeader(source, tuple(tensors), metadata, len(raw))


def _parse_entry(name: str, entry: object, source: str, data_size: int | None) -> HeaderTensor:
    if not isinstance(entry, dict):
        raise MalformedHeader(f"{source}: entry {name!r} is not an object.")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise MalformedHeader(f"{source}: tensor {name!r} has unknown dtype {dtype!r}.")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise MalformedHeader(f"{source}: tensor {name!r} has an invalid shape {shape!r}.")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise MalformedHeader(f"{source}: tensor {name!r} has invalid data_offsets {offsets!r}.")
    if data_size is not None and offsets[1] > data_size:
        raise MalformedHeader(f"{source}: tensor {name!r} ends past the end of the file.")
    return HeaderTensor(name, dtype, tuple(shape), (offsets[0], offsets[1]))


def read_local_header(path: Path) -> SafetensorsHeader:
    """Read one file's header with two bounded reads; weights are never touched."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            length = header_length(fh.read(8), size, path.name)
            raw = fh.read(length)
    except OSError as exc:
        raise MalformedHeader(f"{path.name}: cannot read ({exc.strerror or exc}).") from None
    return parse_header_json(raw, path.name, size)
