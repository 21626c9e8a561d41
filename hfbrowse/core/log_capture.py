"""Keep library log lines and progress bars off the terminal; hand them to a callback instead.

transformers binds a stderr handler at import and huggingface_hub logs retries the same way: in a
TUI those lines are printed over the screen. ``capture_library_logs`` removes those handlers,
silences transformers' progress bars, routes Python warnings into logging, and forwards every
record at WARNING or above to ``sink`` (the app shows them as notifications / in its log).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable

LIBRARY_LOGGERS = ("transformers", "huggingface_hub", "py.warnings", "torch", "accelerate")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_REPORT_ROW = re.compile(r"^\s*(\S+)\s*\|\s*([A-Z_]+)\s*\|")
TOAST_CHARS = 200
_handler: _SinkHandler | None = None


class _SinkHandler(logging.Handler):
    def __init__(self, sink: Callable[[str, str], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        # A failing sink must never break the library call that logged.
        with contextlib.suppress(Exception):
            self.sink(record.levelname.lower(), record.getMessage())


def capture_library_logs(sink: Callable[[str, str], None]) -> None:
    """Install (or re-point) the capture. Safe to call before or after importing transformers."""
    global _handler
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    logging.captureWarnings(True)
    if _handler is None:
        _handler = _SinkHandler(sink)
    _handler.sink = sink
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        for h in list(logger.handlers):
            if h is not _handler:
                logger.removeHandler(h)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
        logger.propagate = False
    quiet_transformers()


def quiet_transformers() -> None:
    """Once transformers is imported, drop its default stderr handler and tqdm bars."""
    import sys

    if "transformers" not in sys.modules:
        return
    from transformers.utils import logging as tlog

    tlog.disable_default_handler()
    tlog.disable_progress_bar()
    logger = logging.getLogger("transformers")
    for h in list(logger.handlers):
        if h is not _handler:
            logger.removeHandler(h)
    if _handler is not None and _handler not in logger.handlers:
        logger.addHandler(_handler)


def summarise_log(text: str) -> str:
    """One line that says what a (multi-line) library log record is about, for a toast.

    transformers 5 logs a load report as a table whose first line is only its title
    (``GPT2ForQuestionAnswering LOAD REPORT from: /path``): the toast would say nothing. The
    report becomes ``GPT2ForQuestionAnswering: 2 MISSING (newly initialised), …``; any other
    record is its first non-empty line, with the number of further lines.
    """
    lines = [_ANSI.sub("", line).rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ""
    first = lines[0].strip()
    if "LOAD REPORT" in first:
        counts: dict[str, int] = {}
        for line in lines[1:]:
            found = _REPORT_ROW.match(line)
            if found and found[1] != "Key":
                counts[found[2]] = counts.get(found[2], 0) + 1
        model = first.split("LOAD REPORT", 1)[0].strip() or "model"
        if counts:
            words = {"MISSING": "newly initialised", "UNEXPECTED": "unused"}
            parts = [
                f"{n} {status}" + (f" ({words[status]})" if status in words else "")
                for status, n in counts.items()
            ]
            return f"{model} load report: {', '.join(parts)} — Library log (ctrl+p) for the keys"
    more = len(lines) - 1
    line = first[:TOAST_CHARS]
    return f"{line} (+{more} lines: Library log)" if more else line
