"""Facts read from transformers' own source, kept on disk between runs.

Parsing ``modeling_auto.py`` (the Auto tables) takes ~35 ms and a family's modeling file ~50 ms,
on every launch, for answers that change only when transformers does. Each answer is stored as
JSON under hfbrowse's cache folder together with the files it came from (path, size, mtime);
an entry is used only while every one of those files is unchanged, so an upgraded (or edited)
transformers is simply read again. The cache is a convenience: unreadable, unwritable or
malformed entries are recomputed, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from hfbrowse.core.paths import hfbrowse_home

T = TypeVar("T")
FORMAT = 1  # bump when what an entry holds changes shape


def cache_dir() -> Path:
    return hfbrowse_home() / "cache" / "transformers-source"


def _stamp(path: Path) -> list[Any] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [str(path), st.st_size, st.st_mtime_ns]


def remembered(
    kind: str,
    key: str,
    compute: Callable[[], tuple[T, Iterable[Path]]],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """``compute()`` → (value, the files it read), or the stored value while they are unchanged."""
    entry = _entry(kind, key)
    stored = _load(entry)
    if stored is not None and stored["files"]:
        try:
            if all(_stamp(Path(f[0])) == f for f in stored["files"]):
                return decode(stored["value"])
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    value, files = compute()
    stamps = [_stamp(Path(f)) for f in files]
    if stamps and all(s is not None for s in stamps):
        _store(entry, {"files": stamps, "value": encode(value)})
    return value


def remembered_by_content(
    kind: str,
    key: str,
    compute: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """``compute()``, or the stored value: for answers that depend only on ``key`` (which then
    holds everything they depend on, e.g. a text's hash and the library version reading it)."""
    entry = _entry(kind, key)
    stored = _load(entry)
    if stored is not None:
        try:
            return decode(stored["value"])
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    value = compute()
    _store(entry, {"files": [], "value": encode(value)})
    return value


def _entry(kind: str, key: str) -> Path:
    name = hashlib.sha1(f"{FORMAT}|{kind}|{key}".encode()).hexdigest()[:20]
    return cache_dir() / f"{kind}-{name}.json"


def _load(entry: Path) -> dict[str, Any] | None:
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) else None


def _store(entry: Path, stored: dict[str, Any]) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(stored), encoding="utf-8")
        tmp.replace(entry)
    except (OSError, TypeError, ValueError):
        pass  # a read-only cache costs only the time saved
