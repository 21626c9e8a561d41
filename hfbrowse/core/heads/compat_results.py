"""What head compatibility found, as frozen dataclasses the UI and the reports draw (no torch).

``compat.py`` computes these; a summary line compresses the key lists into a few patterns
(``key_patterns``) so "5 checkpoint tensors unused (e.g. cls.predictions.*)" fits one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

STATUS_CLEAN = "loads cleanly"
STATUS_UNUSED = "loads; checkpoint tensors unused"
STATUS_NEW = "newly initialised tensors"
STATUS_MISMATCH = "shape mismatch"
STATUS_ERROR = "cannot build"


@dataclass(frozen=True)
class Mismatch:
    name: str  # the model's key
    checkpoint_shape: tuple[int, ...]
    expected_shape: tuple[int, ...]


@dataclass(frozen=True)
class Renamed:
    """Checkpoint keys transformers renames (or fuses) at load time, grouped by what it does."""

    kind: str  # "prefix added", "prefix stripped", "fused/split", "renamed"
    count: int  # checkpoint tensors
    example_from: str
    example_to: str


@dataclass(frozen=True)
class HeadCompat:
    auto_class: str
    class_name: str
    status: str
    expected: int  # keys of the head's state dict
    loaded: int  # expected keys that the checkpoint fills
    missing: tuple[str, ...]  # newly initialised
    unexpected: tuple[str, ...]  # checkpoint tensors the head ignores
    mismatched: tuple[Mismatch, ...]
    tied: tuple[str, ...]  # expected keys filled by weight tying, not read from the checkpoint
    ignored: int  # keys dropped by the class's ``_keys_to_ignore_on_load_*`` patterns
    renamed: tuple[Renamed, ...]
    head_parameters: int  # parameters of the head (tied ones counted once)
    new_parameters: int  # parameters that would be newly initialised
    conversion_errors: tuple[str, ...] = ()
    error: str | None = None

    def summary(self) -> str:
        """One line: ``loads cleanly`` / ``2 tensors would be newly initialised (e.g. …)``."""
        if self.error:
            return f"{STATUS_ERROR}: {self.error}"
        parts = []
        if self.mismatched:
            m = self.mismatched[0]
            parts.append(
                f"{len(self.mismatched)} shape mismatch{'es' if len(self.mismatched) > 1 else ''}"
                f" (e.g. {m.name}: checkpoint {list(m.checkpoint_shape)}"
                f" vs head {list(m.expected_shape)})"
            )
        if self.missing:
            parts.append(
                f"{len(self.missing)} tensor{'s' if len(self.missing) > 1 else ''} would be newly"
                f" initialised (e.g. {', '.join(key_patterns(self.missing))})"
            )
        if self.unexpected:
            parts.append(
                f"{len(self.unexpected)} checkpoint tensor{'s' if len(self.unexpected) > 1 else ''}"
                f" unused (e.g. {', '.join(key_patterns(self.unexpected))})"
            )
        return "; ".join(parts) if parts else STATUS_CLEAN


@dataclass(frozen=True)
class CompatReport:
    """Compatibility of one checkpoint with each supported head, and what was compared."""

    heads: tuple[HeadCompat, ...]
    basis: str  # what stood for the checkpoint: its headers, or their quantised logical view
    notes: tuple[str, ...] = ()

    def head(self, auto_class: str | None) -> HeadCompat | None:
        return next((h for h in self.heads if h.auto_class == auto_class), None)


def key_patterns(keys: Iterable[str], limit: int = 3) -> list[str]:
    """A few readable patterns covering ``keys`` (see ``_key_patterns``); remembered for the
    last few key lists, since a summary is drawn more than once (a head's 200,000 unused keys
    take a while to group)."""
    return list(_key_patterns(tuple(keys), limit))


@lru_cache(maxsize=32)
def _key_patterns(keys: tuple[str, ...], limit: int) -> tuple[str, ...]:
    """A few readable patterns covering ``keys``: ``cls.predictions.*``, ``classifier.weight``.

    Keys are grouped by module path (layer numbers as ``*``); a module whose ancestor is already
    listed is folded into it; while there are more than ``limit`` groups the deepest are folded
    into their parents. A group holding a single key is shown as that key.
    """
    if not keys:
        return ()

    def module_of(key: str) -> str:
        return re.sub(r"\.\d+(?=\.|$)", ".*", key.rpartition(".")[0])

    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(module_of(key), []).append(key)

    def fold(groups: dict[str, list[str]]) -> dict[str, list[str]]:
        """Each group into the listed group of its nearest ancestor (or itself). Shallow paths
        come first, so at most one ancestor is listed: looking up each prefix of a path is
        enough (linear in the keys; a 10,000-key list compared each with each took minutes)."""
        out: dict[str, list[str]] = {}
        for path in sorted(groups, key=lambda p: p.count(".") if p else -1):
            owner = None
            prefix = path
            while prefix:
                if prefix in out:
                    owner = prefix
                    break
                prefix = prefix.rpartition(".")[0]
            out.setdefault(owner if owner is not None else path, []).extend(groups[path])
        return out

    groups = fold(groups)
    while len(groups) > limit:
        deepest = max(p.count(".") for p in groups if p) if any(groups) else -1
        if deepest <= 0:
            break
        merged: dict[str, list[str]] = {}
        for path, members in groups.items():
            parent = path.rpartition(".")[0] if path and path.count(".") == deepest else path
            merged.setdefault(parent, []).extend(members)
        groups = fold(merged)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    shown = [members[0] if len(members) == 1 else f"{path}.*" for path, members in ranked]
    return (*shown[:limit], "…") if len(shown) > limit else tuple(shown)
