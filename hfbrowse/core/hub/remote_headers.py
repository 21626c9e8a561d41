"""Safetensors headers of Hub files by exact ranged reads: zero weight bytes cross the wire.

huggingface_hub's ``get_safetensors_metadata`` asks for ``bytes=0-100000`` first, which for any
file whose header is shorter than that downloads weights too (all of a small model). Here each
file costs two small GETs instead: ``bytes=0-7`` (the length, and the file size from
``Content-Range``), then exactly ``bytes=8-<8+n-1>``. Shards are read in parallel.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hfbrowse.core.checkpoint.safetensors import SafetensorsHeader, header_length, parse_header_json
from hfbrowse.core.checkpoint.tensors import index_shards
from hfbrowse.core.errors import MalformedHeader

_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")
MAX_PARALLEL = 8
CHUNK = 64 * 1024


def _ranged_get(url: str, headers: dict[str, str], start: int, end: int, timeout: float) -> tuple:
    """Bytes ``start..end`` of ``url`` and the file's size (None: unknown). Streamed: a server
    that ignores ``Range`` and sends the whole file (200) is read only up to ``end`` and then
    hung up on, so no more than the wanted bytes (plus one chunk) are ever held."""
    from huggingface_hub.utils import get_session, hf_raise_for_status

    wanted = end + 1
    with get_session().stream(
        "GET", url, headers={**headers, "range": f"bytes={start}-{end}"}, timeout=timeout
    ) as response:
        if response.status_code >= 400:
            response.read()  # small error bodies: hf_raise_for_status reads the message
        hf_raise_for_status(response)
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        whole = match is None and response.status_code == 200  # Range ignored: the whole file
        limit = wanted if whole else end - start + 1
        parts: list[bytes] = []
        got = 0
        for chunk in response.iter_bytes(CHUNK):
            parts.append(chunk)
            got += len(chunk)
            if got >= limit:
                break
        body = b"".join(parts)[:limit]
        total = int(match.group(1)) if match else None
        if whole:
            length = response.headers.get("content-length", "")
            total = int(length) if length.isdigit() else None
            body = body[start:]
    return body, total


def fetch_header(
    repo_id: str,
    filename: str,
    *,
    revision: str | None,
    endpoint: str | None,
    token: str | None,
    timeout: float = 10.0,
) -> SafetensorsHeader:
    """One file's header: the 8-byte length, checked against the file size, then the header."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    headers = build_hf_headers(token=token)
    prefix, total = _ranged_get(url, headers, 0, 7, timeout)
    length = header_length(prefix, total, filename)
    raw, _ = _ranged_get(url, headers, 8, 8 + length - 1, timeout)
    if len(raw) != length:
        raise MalformedHeader(f"{filename}: server sent {len(raw)} of {length} header bytes.")
    return parse_header_json(raw, filename, total)


def shard_names(index_path: Path) -> list[str]:
    """Shard file names from a downloaded ``model.safetensors.index.json``: plain relative
    names inside the repo (``index_shards`` refuses ``../x`` and ``/etc/passwd``)."""
    try:
        data = index_path.read_bytes()
    except OSError as exc:
        raise MalformedHeader(f"{index_path.name}: cannot read ({exc.strerror or exc}).") from None
    return index_shards(data, index_path.name)


def fetch_headers(
    repo_id: str,
    filenames: list[str],
    *,
    revision: str | None,
    endpoint: str | None,
    token: str | None,
    timeout: float = 10.0,
    context: Callable[[], contextvars.Context] | None = None,
) -> list[SafetensorsHeader]:
    """Headers of several files, read concurrently, returned in ``filenames`` order; with
    ``context`` (e.g. ``contextvars.copy_context``) each read runs in a copy of the caller's
    context (its network budget)."""

    def one(name: str) -> SafetensorsHeader:
        return fetch_header(
            repo_id, name, revision=revision, endpoint=endpoint, token=token, timeout=timeout
        )

    if len(filenames) == 1:
        return [one(filenames[0])]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(filenames))) as pool:
        if context is None:
            return list(pool.map(one, filenames))
        futures = [pool.submit(context().run, one, name) for name in filenames]
        return [f.result() for f in futures]
