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
    return json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable)


def write_json(doc: Any) -> None:
    _write(json_text(doc))


def write_text(text: str) -> None:
    _write(text)


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """One line on stderr; returns the exit status to hand back."""
    line = " ".join(str(message).split())
    print(f"hfbrowse: {line}", file=sys.stderr)
    return code


def note(message: str) -> None:
    """A remark on stderr that is not a failure (e.g. "listing the local cache instead")."""
    print(f"hfbrowse: {' '.join(str(message).split())}", file=sys.stderr)


def _write(text: str) -> None:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left: nothing is wrong, and nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
