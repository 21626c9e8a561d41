"""Where a GGUF file's header ends, found by reading no byte past it.

The ``gguf`` package parses a header from a whole file (``GGUFReader`` memory-maps it); it has
no notion of "how many bytes is the header". A Hub file is read by HTTP ranges, and the header
of a real model is megabytes (the vocabulary's strings, then the tensor infos) of unknown
length. This walk skips over the header's structure — lengths and types only, no value is
decoded except ``general.alignment`` — asking its byte source for more as it goes. Each read
asks for at least the bytes the walk knows must still come (the rest of an array of strings is
at least 8 bytes per item, each tensor info at least 24 bytes), so a read never crosses into
the tensor data, and a huge header takes a few dozen reads, not one per string.

The same walk guards local files: a count that cannot fit in the file (a hostile or truncated
header) is refused here, before ``GGUFReader`` would loop over it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from hfbrowse.core.errors import MalformedHeader

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
MAX_HEADER_BYTES = 256 * 1024 * 1024  # a 256k-token vocabulary is ~10 MB: far above any real one
# GGUFValueType → the size of one scalar (STRING = 8, ARRAY = 9 are variable).
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
_MIN_KV = 8 + 4 + 1  # key length, type, the smallest value
_MIN_TENSOR_INFO = 8 + 4 + 4 + 8  # name length, n_dims, type, offset

ReadRange = Callable[[int, int], bytes]  # (start, length) -> exactly those bytes (or fewer at EOF)


class _Source:
    """The bytes read so far, growing by reads no larger than ``floor`` allows."""

    def __init__(self, read: ReadRange, size: int, name: str) -> None:
        self.read, self.size, self.name = read, size, name
        self.buf = bytearray()
        self.reads = 0

    def _grow(self, upto: int) -> None:
        if upto > MAX_HEADER_BYTES:
            raise MalformedHeader(
                f"{self.name}: GGUF header over {MAX_HEADER_BYTES // 2**20} MiB: refused."
            )
        start = len(self.buf)
        if upto <= start:
            return
        if upto > self.size:
            raise MalformedHeader(
                f"{self.name}: truncated GGUF header (needs {upto:,} bytes, file has"
                f" {self.size:,})."
            )
        chunk = self.read(start, upto - start)
        self.reads += 1
        if len(chunk) != upto - start:
            raise MalformedHeader(
                f"{self.name}: got {len(chunk)} of {upto - start} header bytes at {start}."
            )
        self.buf += chunk

    def ensure(self, end: int, floor: int) -> None:
        """The bytes up to ``end`` are read; a read goes on up to ``floor`` (the bytes known to
        be header), so that the next few steps need no read of their own."""
        if end > len(self.buf):
            self._grow(max(end, min(floor, self.size)))

    def take(self, pos: int, n: int, floor: int) -> bytes:
        self.ensure(pos + n, floor)
        return bytes(self.buf[pos : pos + n])


def header_extent(read: ReadRange, size: int, name: str) -> tuple[int, bytes]:
    """(where the tensor data begins, the header bytes before it) of a GGUF file of ``size``
    bytes. Raises :class:`MalformedHeader` with one line for anything that is not a GGUF header
    that fits in the file. The first read is the fixed 24-byte preamble (magic, version,
    counts); the counts then say how much must follow."""
    src = _Source(read, size, name)
    head = src.take(0, 24, 24)
    if head[:4] != GGUF_MAGIC:
        raise MalformedHeader(f"{name}: not a GGUF file (no GGUF magic).")
    version, n_tensors, n_kv = struct.unpack_from("<IQQ", head, 4)
    if version not in SUPPORTED_VERSIONS:
        raise MalformedHeader(f"{name}: GGUF version {version} (readable: 2 and 3).")
    pos = 24
    if n_kv * _MIN_KV + n_tensors * _MIN_TENSOR_INFO > size - pos:
        raise MalformedHeader(
            f"{name}: {n_kv:,} metadata keys and {n_tensors:,} tensors cannot fit in a file of"
            f" {size:,} bytes (truncated or not GGUF)."
        )
    rest_tensors = n_tensors * _MIN_TENSOR_INFO
    alignment = DEFAULT_ALIGNMENT

    def floor(now: int, extra: int = 0) -> int:
        return min(now + extra, MAX_HEADER_BYTES, size)

    def u(fmt: str, at: int, must: int) -> int:
        n = struct.calcsize(fmt)
        return struct.unpack_from("<" + fmt, src.take(at, n, must))[0]

    def string(at: int, must_after: int) -> tuple[int, int]:
        length = u("Q", at, at + 8 + must_after)
        if length > size - at - 8:
            raise MalformedHeader(f"{name}: a string of {length:,} bytes at {at} exceeds the file.")
        return at + 8 + length, length

    def value(at: int, vtype: int, must_after: int) -> int:
        if vtype in _SCALAR_SIZES:
            return at + _SCALAR_SIZES[vtype]
        if vtype == _STRING:
            return string(at, must_after)[0]
        if vtype != _ARRAY:
            raise MalformedHeader(f"{name}: unknown GGUF value type {vtype} at {at}.")
        itype = u("I", at, at + 12 + must_after)
        count = u("Q", at + 4, at + 12 + must_after)
        at += 12
        if itype in _SCALAR_SIZES:
            nbytes = count * _SCALAR_SIZES[itype]
            if nbytes > size - at:
                raise MalformedHeader(
                    f"{name}: an array of {count:,} items at {at} cannot fit in the file."
                )
            src.ensure(at + nbytes, floor(at, nbytes + must_after))  # header: GGUFReader reads them
            return at + nbytes
        if itype == _STRING:
            if count * 8 > size - at:
                raise MalformedHeader(
                    f"{name}: an array of {count:,} strings at {at} cannot fit in the file."
                )
            for i in range(count):
                at = string(at, (count - i - 1) * 8 + must_after)[0]
            return at
        raise MalformedHeader(f"{name}: arrays of type {itype} are not GGUF metadata.")

    for k in range(n_kv):
        after_kv = (n_kv - k - 1) * _MIN_KV + rest_tensors
        key_end, key_len = string(pos, 4 + 1 + after_kv)
        key = src.take(pos + 8, key_len, key_end)
        vtype = u("I", key_end, key_end + 4 + 1 + after_kv)
        end = value(key_end + 4, vtype, after_kv)
        if key == b"general.alignment" and vtype == 4:
            alignment = u("I", key_end + 4, end)
        pos = end
    for t in range(n_tensors):
        after = (n_tensors - t - 1) * _MIN_TENSOR_INFO
        name_end, _ = string(pos, 4 + 4 + 8 + after)
        n_dims = u("I", name_end, name_end + 4 + 4 + 8 + after)
        if n_dims > 8:
            raise MalformedHeader(f"{name}: a tensor with {n_dims} dimensions at {pos}.")
        pos = name_end + 4 + 8 * n_dims + 4 + 8
        src.ensure(pos, floor(pos, after))
    src.ensure(pos, pos)  # a last scalar value is header too
    if alignment == 0 or alignment & (alignment - 1):
        raise MalformedHeader(f"{name}: general.alignment {alignment} is not a power of two.")
    data_start = pos + (-pos) % alignment
    if n_tensors and data_start > size:
        raise MalformedHeader(f"{name}: truncated GGUF file (no tensor data after the header).")
    return data_start, bytes(src.buf[:pos])
