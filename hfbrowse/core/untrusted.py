"""Text and JSON that a model folder or a server supplied: shown safely, parsed with bounds.

Everything a model or a server says — tensor names, config keys and values, file names, card
text, messages that quote a server — is text, never terminal control and never markup. A name
such as ``"\\x1b]0;TITLE\\x07"`` would retitle the terminal, ``"\\x1b[2J"`` clear it; ``printable``
is the one function that turns such text into what a terminal can show as it is (each control
character as a visible escape, ordinary Unicode kept). Markup is a front end's business: the
render layer and the TUI hand these strings to Rich as ``Text``, which never parses ``[...]``.

``load_json`` is the one way an untrusted JSON document (config.json, a safetensors header, an
index, a cache file) is parsed: nesting, number length and syntax errors become one typed line,
never a ``RecursionError`` or Python's 4,300-digit ``ValueError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hfbrowse.core.errors import HFBrowseError

# C0 controls, DEL and C1 controls; bidirectional overrides and isolates (they reorder what
# follows them on screen); lone surrogates (no terminal can encode them).
_OTHERS = r"\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(rf"[\x00-\x1f{_OTHERS}]")
_UNSAFE_KEEPING_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_OTHERS}]")  # \t and \n stay


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_lines: bool = False) -> str:
    """``text`` as a terminal shows it literally: control characters as ``\\x1b``-style escapes.

    ``keep_lines`` keeps newlines and tabs (card text, source code); otherwise the result is one
    line, so a name cannot forge a line of its own."""
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_KEEPING_LINES if keep_lines else _UNSAFE
    if pattern.search(value) is None:
        return value
    return pattern.sub(_escape, value)


class UnreadableJSON(HFBrowseError):
    """An untrusted JSON document that cannot be parsed within hfbrowse's bounds."""


def load_json(
    data: str | bytes,
    source: str,
    *,
    max_depth: int | None = None,
    error: type[HFBrowseError] = UnreadableJSON,
) -> Any:
    """Parse ``data`` (UTF-8 when bytes); any problem is ``error("<source> …")`` with one line.

    ``max_depth`` bounds nesting (a config nested 500 deep parses, then makes every recursive
    reader fail); Python's own parser gives up near 1,000 levels and on integers over 4,300
    digits, both reported here as what they are."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        doc = json.loads(text)
    except UnicodeDecodeError:
        raise error(f"Cannot read {source}: it is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise error(
            f"{source} is not valid JSON ({exc.msg}: line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise error(f"{source} is nested too deeply to be read.") from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        if "digits" in str(exc):
            raise error(f"{source} holds a number of over 4,300 digits: no real value.") from None
        raise error(f"{source} is not valid JSON ({exc}).") from None
    if max_depth is not None and (depth := nesting_depth(doc, max_depth)) > max_depth:
        raise error(f"{source} is nested over {max_depth} levels deep ({depth}+): not read.")
    return doc


def nesting_depth(doc: Any, stop_after: int | None = None) -> int:
    """How deeply lists/objects nest in ``doc`` (a scalar is 0), without recursion; counting
    stops past ``stop_after`` (the answer is then ``stop_after + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if stop_after is not None and deepest > stop_after:
                return deepest
        stack.extend((child, depth) for child in children)
    return deepest
