"""Number formatting shared by the TUI and the plain-text report."""

from __future__ import annotations


def human_count(n: int | None) -> str:
    """``124439808`` → ``124.4M`` (parameters, downloads)."""
    if n is None:
        return "—"
    for div, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            return f"{n / div:.{2 if n / div < 10 else 1}f}{unit}"
    return str(n)


def human_bytes(n: int | float | None) -> str:
    """``548105171`` → ``522.7 MiB``."""
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")" if shape else "()"


def count_of(n: int, noun: str) -> str:
    """``1 tensor``, ``2,048 tensors``: a count with its noun, singular for one."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
