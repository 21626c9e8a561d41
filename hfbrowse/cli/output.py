"""The one place hfbrowse writes to stdout and stderr: documents as JSON or text, one-line errors.

Everything a script reads goes through ``write_json``/``write_text``; every problem through
``fail`` (one line on stderr, ``hfbrowse: …``), so the formats and the exit statuses are decided
here and nowhere else. A reader that leaves early (``hfbrowse --search x | head``) is no error.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from hfbrowse.core.untrusted import printable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _jsonable(value: Any) -> Any:
    """Frozen results that carry their own JSON form (``to_dict``), e.g. a console run."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_text(doc: Any) -> str:
    """The document as JSON, exact: control characters are JSON escapes, and text that UTF-8
    cannot carry (a lone surrogate from a ``"\\ud800"`` in config.json) is written as
    ``\\u`` escapes rather than failing."""
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(doc, indent=2, ensure_ascii=True, default=_jsonable)
    return text


def write_json(doc: Any) -> None:
    _write(json_text(doc))


def write_text(text: str) -> None:
    """Text for a reader: every line ``printable`` (a tensor named ``\\x1b[2J`` is shown as
    those characters, never obeyed by the terminal)."""
    _write("\n".join(printable(line) for line in text.split("\n")))


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """One line on stderr; returns the exit status to hand back."""
    print(f"hfbrowse: {_one_line(message)}", file=sys.stderr)
    return code


def note(message: str) -> None:
    """A remark on stderr that is not a failure (e.g. "listing the local cache instead")."""
    print(f"hfbrowse: {_one_line(message)}", file=sys.stderr)


def _one_line(message: object) -> str:
    """A message (which may quote a server or a model) as one printable line."""
    return printable(" ".join(str(message).split()))


def _write(text: str) -> None:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: nothing is wrong, and nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
