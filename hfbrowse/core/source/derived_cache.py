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
    name = hashlib.sha1(f"{FORMAT}|{kind}|{key}".encode()).hexdigest()[:20]
    entry = cache_dir() / f"{kind}-{name}.json"
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
        if stored["files"] and all(_stamp(Path(f[0])) == f for f in stored["files"]):
            return decode(stored["value"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    value, files = compute()
    stamps = [_stamp(Path(f)) for f in files]
    if stamps and all(s is not None for s in stamps):
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"files": stamps, "value": encode(value)}), encoding="utf-8")
            tmp.replace(entry)
        except (OSError, TypeError, ValueError):
            pass  # a read-only cache costs only the time saved
    return value
