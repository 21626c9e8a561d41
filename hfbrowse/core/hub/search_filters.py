"""The search's filters beyond text/task/library, and what a listed model is marked with.

Everything here is a pure function of strings and the Hub's JSON, shared by the TUI's search
box (typed tokens such as ``author:meta-llama params:1B..8B gated:no served``), the models
pane's keys and the CLI's ``--author/--params/--gated/--ungated/--served``.

Parameter figures come from the Hub's ``safetensors`` block, which is not always right
(huggingface_hub#4221: a 7.6B BF16 model listed with ``total`` 333,312, taken from a hardcoded
metadata value in the repo, while its per-dtype count said 7.6B; GPTQ/AWQ/bitsandbytes/MLX
checkpoints store several weights per I32/U32/U8 element, so the Hub counts packed elements).
:func:`parameters_doubt` says when a figure should not be trusted, and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.errors import HFBrowseError

UNITS: dict[str, int] = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
GATED_CHOICES: tuple[str, ...] = ("any", "gated", "ungated")
RANGE_HELP = "use MIN..MAX, MIN.. or ..MAX with K/M/B/T (e.g. 1B..8B, ..500M, 7B..)"
# Dtypes that quantisers pack several weights into (GPTQ/AWQ/MLX: 8 × 4-bit per I32/U32;
# bitsandbytes 4-bit: 2 per U8); I8 holds one int8 weight and is counted right.
PACKED_DTYPES = frozenset({"I32", "U32", "U8"})
PACKED_SHARE = 0.10  # packed elements at least this share of the count: the figure is low
# No checkpoint needs this many stored bytes per parameter: F32 is 4, and a repo holding the
# same weights in five formats plus history stays well under 100. Past it, the total is off by
# orders of magnitude (#4221: 15.2 GB for "333K" parameters is ~45,700 bytes each).
MAX_BYTES_PER_PARAMETER = 1000
ADAPTER_TAG = "base_model:adapter:"
_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)


class SearchFilterError(HFBrowseError):
    """A filter the user typed that cannot be understood (one line, said as is)."""


def parse_count(text: str) -> int:
    """``"7B"`` → 7_000_000_000, ``"1.5b"`` → 1_500_000_000, ``"500M"``, ``"12000"``."""
    match = _COUNT.match(text)
    if not match:
        raise SearchFilterError(f"parameter count {text.strip()!r} not understood: {RANGE_HELP}")
    number, unit = match.groups()
    return round(float(number) * UNITS[unit.upper()])


def parse_range(text: str) -> tuple[int | None, int | None]:
    """``"1B..8B"`` → (1e9, 8e9); ``"..500M"`` → (None, 5e8); ``"7B.."`` → (7e9, None)."""
    low, sep, high = text.strip().partition("..")
    if not sep or not (low.strip() or high.strip()):
        raise SearchFilterError(f"parameter range {text.strip()!r} not understood: {RANGE_HELP}")
    try:
        lo = parse_count(low) if low.strip() else None
        hi = parse_count(high) if high.strip() else None
    except SearchFilterError:
        raise SearchFilterError(
            f"parameter range {text.strip()!r} not understood: {RANGE_HELP}"
        ) from None
    if lo is not None and hi is not None and lo > hi:
        raise SearchFilterError(
            f"parameter range {text.strip()!r}: the minimum is above the maximum"
        )
    return lo, hi


def count_text(n: int) -> str:
    """The shortest exact Hub form: 1_500_000_000 → ``1500M``, 7e9 → ``7B``, 1234 → ``1234``."""
    for unit in ("T", "B", "M", "K"):
        if n and n % UNITS[unit] == 0:
            return f"{n // UNITS[unit]}{unit}"
    return str(n)


def range_text(lo: int | None, hi: int | None) -> str:
    """``1B..8B`` (the form the user types back)."""
    return f"{count_text(lo) if lo is not None else ''}..{count_text(hi) if hi is not None else ''}"


def hub_range(lo: int | None, hi: int | None) -> str | None:
    """The Hub's ``num_parameters`` syntax: ``min:6B,max:128B``, ``min:6B``, ``max:128B``."""
    parts = [f"min:{count_text(lo)}"] if lo is not None else []
    parts += [f"max:{count_text(hi)}"] if hi is not None else []
    return ",".join(parts) or None


def parse_gated(text: str) -> str | None:
    """``gated:yes/no/any`` → "gated", "ungated" or None."""
    value = text.strip().lower()
    if value in ("yes", "y", "true", "1", "gated"):
        return "gated"
    if value in ("no", "n", "false", "0", "ungated", "open"):
        return "ungated"
    if value in ("any", "all", ""):
        return None
    raise SearchFilterError(f"gated:{text} not understood: use gated:yes, gated:no or gated:any")


@dataclass(frozen=True)
class TypedFilters:
    """What the search box's text says: the words to search for, and any filter tokens."""

    text: str
    fields: dict[str, Any]


def split_tokens(typed: str) -> TypedFilters:
    """``"llama author:meta-llama params:1B..8B gated:no served"`` → text ``"llama"`` and
    ``{author, params_min, params_max, gated, served}``; only the tokens present are in
    ``fields``. A token that cannot be understood raises :class:`SearchFilterError`."""
    words: list[str] = []
    fields: dict[str, Any] = {}
    for word in typed.split():
        key, sep, value = word.partition(":")
        key = key.lower()
        if sep and key in ("author", "by"):
            fields["author"] = value.strip() or None
        elif sep and key in ("params", "parameters", "size"):
            fields["params_min"], fields["params_max"] = (
                parse_range(value) if value.strip() else (None, None)
            )
        elif sep and key == "gated":
            fields["gated"] = parse_gated(value)
        elif not sep and key in ("gated", "ungated"):
            fields["gated"] = key
        elif key == "served" and (not sep or value.lower() in ("yes", "no", "any")):
            fields["served"] = not sep or value.lower() == "yes"
        else:
            words.append(word)
    return TypedFilters(" ".join(words), fields)


# -- what a listed model is marked with ---------------------------------------------------------
def parameters_doubt(safetensors: Any, used_storage: int | None) -> str | None:
    """Why the Hub's ``safetensors.total`` should not be trusted, or None.

    Three rules, each seen on the Hub: the total disagrees with the per-dtype counts it should
    be the sum of (#4221); packed integer dtypes hold a large share of the elements (quantised
    checkpoints count stored elements, not weights); the repo stores more than
    MAX_BYTES_PER_PARAMETER bytes per counted parameter (a total off by orders of magnitude).
    """
    from hfbrowse.core.formatting import human_bytes, human_count

    total = _get(safetensors, "total")
    per_dtype = _get(safetensors, "parameters") or {}
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        return None
    counts = {str(k): v for k, v in per_dtype.items() if isinstance(v, int) and v >= 0}
    summed = sum(counts.values())
    if counts and abs(summed - total) > max(1, summed // 100):
        return (
            f"the Hub's total {human_count(total)} disagrees with its per-dtype counts "
            f"({human_count(summed)}; huggingface_hub#4221)"
        )
    packed = sorted(d for d in counts if d.upper() in PACKED_DTYPES)
    if packed and sum(counts[d] for d in packed) >= PACKED_SHARE * max(summed, 1):
        return (
            f"packed {'/'.join(packed)} weights (GPTQ/AWQ/bitsandbytes/MLX): the Hub counts "
            "stored elements, the model has more parameters"
        )
    if used_storage and used_storage > MAX_BYTES_PER_PARAMETER * total:
        return (
            f"the repo stores {human_bytes(used_storage)} for {human_count(total)} parameters "
            f"({used_storage // total:,} bytes each): the Hub's total is far too low"
        )
    return None


def is_gguf(tags: Any, gguf: Any, library: str | None) -> bool:
    """GGUF files in the repo: the Hub's ``gguf`` block, its ``gguf`` tag or library."""
    return bool(gguf) or library == "gguf" or "gguf" in _strings(tags)


def is_adapter(tags: Any, library: str | None) -> bool:
    """A PEFT adapter: library ``peft`` or a ``base_model:adapter:…`` tag."""
    return library == "peft" or any(t.startswith(ADAPTER_TAG) for t in _strings(tags))


def providers_of(mapping: Any, inference: Any) -> tuple[str, ...]:
    """The inference providers serving the model live (``inference: warm`` with no mapping
    says "some provider")."""
    names: list[str] = []
    for entry in mapping or ():
        status = _get(entry, "status")
        name = _get(entry, "provider")
        if isinstance(name, str) and status in (None, "live") and name not in names:
            names.append(name)
    if not names and inference == "warm":
        names.append("a provider")
    return tuple(names)


def _strings(values: Any) -> list[str]:
    return [v for v in values or () if isinstance(v, str)]


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


# The list's ``has`` column: one letter per marker (letters, not colour: they read the same
# under NO_COLOR and in a LANG=C terminal).
MARKER_LETTERS: dict[str, tuple[str, str]] = {
    "gguf": ("G", "GGUF files"),
    "adapter": ("A", "PEFT adapter"),
    "served": ("P", "served by an inference provider"),
}


def marker_letters(markers: tuple[str, ...] | list[str]) -> str:
    """``("gguf", "served")`` → ``"GP"``."""
    return "".join(MARKER_LETTERS[m][0] for m in markers if m in MARKER_LETTERS)
