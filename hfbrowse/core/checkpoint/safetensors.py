"""Reading safetensors headers from bytes: never mapping the file, never reading weights.

A safetensors file is ``u64 little-endian header length`` + ``JSON header`` + weights. The header
length is untrusted input: it is checked against the file size and a hard cap before a single byte
of the header is allocated (``safe_open`` maps the whole file, which fails on 100+ GiB files).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from hfbrowse.core.errors import MalformedHeader, UnsafeInput
from hfbrowse.core.safe_paths import open_in_folder
from hfbrowse.core.untrusted import load_json

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
    """One tensor as its header describes it; ``problem`` says what does not add up (its shape
    needs more or fewer bytes than its data range holds, or the range overlaps another's)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    data_offsets: tuple[int, int]
    problem: str | None = None


@dataclass(frozen=True)
class SafetensorsHeader:
    """A parsed header: its tensors in file order and the free-form ``__metadata__``."""

    file: str
    tensors: tuple[HeaderTensor, ...]
    metadata: dict[str, str]
    header_bytes: int


# safetensors counts elements and offsets in 64-bit unsigned integers and refuses a header
# whose numbers overflow them; so do we (a shape of two 300-digit dimensions is no tensor).
MAX_U64 = 2**64 - 1


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
            f"{source}: not a safetensors file (its first 8 bytes claim a header over the"
            f" {MAX_HEADER_BYTES:,}-byte limit)."
        )
    if file_size is not None and 8 + length > file_size:
        raise MalformedHeader(
            f"{source}: header claims {length:,} bytes but only {file_size - 8:,} follow"
            " the length field (truncated file?)."
        )
    return length


def parse_header_json(raw: bytes, source: str, file_size: int | None = None) -> SafetensorsHeader:
    """Validate header JSON: every entry needs a known dtype, a shape and offsets within 64 bits
    (else MalformedHeader); shapes that disagree with their byte range, and overlapping ranges,
    are kept and flagged (``HeaderTensor.problem``)."""
    doc = load_json(raw, f"{source}: header", error=MalformedHeader)
    if not isinstance(doc, dict):
        raise MalformedHeader(f"{source}: header is not a JSON object.")
    metadata = _metadata(doc.pop("__metadata__", None))
    data_size = None if file_size is None else file_size - 8 - len(raw)
    tensors = [_parse_entry(name, entry, source, data_size) for name, entry in doc.items()]
    return SafetensorsHeader(source, flag_overlaps(tensors), metadata, len(raw))


def header_from_entries(
    file: str, entries: Iterable[tuple[object, object, object, object]], metadata: object = None
) -> SafetensorsHeader:
    """A header rebuilt from (name, dtype, shape, offsets) entries (the headers cache, the
    Hub's own parse), through the same checks as a header read from a file."""
    tensors = [
        _parse_entry(name, {"dtype": d, "shape": s, "data_offsets": o}, file, None)
        if isinstance(name, str)
        else _bad(file, f"a tensor name is {type(name).__name__}, not text")
        for name, d, s, o in entries
    ]
    return SafetensorsHeader(file, flag_overlaps(tensors), _metadata(metadata), 0)


def _bad(source: str, why: str) -> HeaderTensor:
    raise MalformedHeader(f"{source}: {why}.")


def _metadata(raw: object) -> dict[str, str]:
    """``__metadata__`` is text to text; anything else in it is summarised, not recursed into."""
    if not isinstance(raw, dict):
        return {}
    out = {}
    for key, value in raw.items():
        if isinstance(value, dict | list):
            value = f"<JSON {type(value).__name__} of {len(value)} items>"
        out[str(key)] = value if isinstance(value, str) else json.dumps(value)
    return out


def _is_u64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_U64


def _elements(shape: list[int]) -> int | None:
    """The product of ``shape``, or None once it exceeds 64 bits (checked step by step)."""
    count = 1
    for dim in shape:
        count *= dim
        if count > MAX_U64:
            return None
    return count


def _parse_entry(name: str, entry: object, source: str, data_size: int | None) -> HeaderTensor:
    if not isinstance(entry, dict):
        raise MalformedHeader(f"{source}: entry {_short(name)} is not an object.")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        raise MalformedHeader(f"{source}: tensor {_short(name)} has unknown dtype {_short(dtype)}.")
    if not isinstance(shape, list) or not all(_is_u64(d) for d in shape):
        why = "an invalid shape"
        if isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape):
            why = "a shape dimension over 2^64"
        raise MalformedHeader(f"{source}: tensor {_short(name)} has {why}.")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(_is_u64(o) for o in offsets)
        or not offsets[0] <= offsets[1]
    ):
        raise MalformedHeader(f"{source}: tensor {_short(name)} has invalid data_offsets.")
    if data_size is not None and offsets[1] > data_size:
        raise MalformedHeader(f"{source}: tensor {_short(name)} ends past the end of the file.")
    elements = _elements(shape)
    if elements is None:
        raise MalformedHeader(
            f"{source}: tensor {_short(name)} has a shape of more than 2^64 elements."
        )
    stored = offsets[1] - offsets[0]
    bits = round(DTYPE_BYTES[dtype] * 8)
    problem = None
    if elements * bits != stored * 8:
        need = elements * bits / 8
        problem = f"shape needs {need:,.0f} bytes of {dtype}, its data range holds {stored:,}"
    return HeaderTensor(name, dtype, tuple(shape), (offsets[0], offsets[1]), problem)


def flag_overlaps(tensors: list[HeaderTensor]) -> tuple[HeaderTensor, ...]:
    """Tensors in data order; one whose bytes overlap an earlier tensor's is flagged."""
    tensors.sort(key=lambda t: t.data_offsets)
    out: list[HeaderTensor] = []
    end, owner = 0, ""
    for tensor in tensors:
        start, stop = tensor.data_offsets
        if start < end and stop > start:
            why = f"its bytes overlap those of {_short(owner)}"
            problem = f"{tensor.problem}; {why}" if tensor.problem else why
            tensor = replace(tensor, problem=problem)
        if stop > end:
            end, owner = stop, tensor.name
        out.append(tensor)
    return tuple(out)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def read_local_header(path: Path, folder: Path | None = None) -> SafetensorsHeader:
    """Read one file's header with two bounded reads; weights are never touched. The file must
    lie inside ``folder`` (default: its own folder) and be a regular file (``safe_paths``)."""
    base = folder if folder is not None else path.parent
    try:
        name = path.relative_to(base).as_posix()
    except ValueError:
        raise UnsafeInput(f"{path.name} is outside {base.name}: not read.") from None
    try:
        fh, size = open_in_folder(base, name)
        with fh:
            length = header_length(fh.read(8), size, path.name)
            raw = fh.read(length)
    except OSError as exc:
        raise MalformedHeader(f"{path.name}: cannot read ({exc.strerror or exc}).") from None
    return parse_header_json(raw, path.name, size)
