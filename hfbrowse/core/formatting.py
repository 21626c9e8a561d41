"""Number formatting shared by the TUI and the plain-text report."""

from __future__ import annotations

import math


def human_count(n: int | None) -> str:
    """``124439808`` → ``124.4M`` (parameters, downloads); any integer, however large."""
    if n is None:
        return "—"
    if abs(n) >= 10**15:  # past "1000.0T": a power of ten, never a float overflow
        return _scientific(n)
    for div, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            return f"{n / div:.{2 if n / div < 10 else 1}f}{unit}"
    return str(n)


def human_bytes(n: int | float | None) -> str:
    """``548105171`` → ``522.7 MiB``; any integer, however large."""
    if n is None:
        return "—"
    if abs(n) >= 1024**5 * 10**6:  # a million PiB: no real size
        return (_scientific(n) if isinstance(n, int) else f"{n:.1e}") + " B"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _scientific(n: int) -> str:
    """``1.2e+21`` for any int (``math.log10`` takes ints too large for a float)."""
    exponent = int(math.log10(abs(n)))
    mantissa = abs(n) / 10**exponent  # int / int: exact enough, never overflows
    if mantissa >= 9.95:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.1f}e+{exponent}"


def grouped(n: int) -> str:
    """``1,234,567``; an integer too long for Python's 4,300-digit limit in its short form."""
    if abs(n) >= 10**30:
        return _scientific(n)
    return f"{n:,}"


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")" if shape else "()"


def count_of(n: int, noun: str) -> str:
    """``1 tensor``, ``2,048 tensors``: a count with its noun, singular for one."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
