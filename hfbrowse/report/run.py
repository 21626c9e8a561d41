"""Report section (``--run TEXT``): the console run once, its result added to the document.

The run goes through the same ``core.console.runner.run`` as the TUI console. Questions the
TUI would ask in a modal (pickle checkpoint, estimated memory above what is free) are answered
by ``--yes``; without it the model is not loaded and the exit status is 1.
"""

from __future__ import annotations

import io
import sys

from rich.console import Console

from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.runner import NeedsConfirmation, RunRequest, run, runnable_head
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.render import console_results as render
from hfbrowse.report.context import Document, ReportContext, Section

ALL_CONFIRMATIONS = frozenset({"bin", "memory"})


def run_once(ctx: ReportContext) -> RunResult:
    """Run ``--run TEXT`` with the shown head (HFBrowseError with a one-line message)."""
    options, facts = ctx.options, ctx.facts
    request = RunRequest(
        head=runnable_head(facts, ctx.head, options.trust_remote_code),
        text=options.run or "",
        device=options.device,
        dtype=options.dtype,
        trust_remote_code=options.trust_remote_code,
        confirmed=ALL_CONFIRMATIONS if options.yes else frozenset(),
    )
    try:
        return run(request, facts, ModelSession(), ctx.gateway, ctx.checkpoint.table)
    except NeedsConfirmation as exc:
        raise HFBrowseError(f"{exc} Not loaded: pass --yes to accept.") from None


def build(ctx: ReportContext, doc: Document) -> None:
    """``doc["run"]``: the RunResult itself (the JSON writer calls its ``to_dict``, the text
    rendering draws it as the console does), or ``{"error": …}``."""
    if ctx.options.run is None:
        return
    try:
        doc["run"] = run_once(ctx)
    except KeyboardInterrupt:
        doc["run"] = {"error": "interrupted"}
    except Exception as exc:  # ours or a library surprise: one line, never a traceback
        doc["run"] = {"error": str(as_user_error(exc))}
    if isinstance(doc["run"], dict):
        ctx.errors.append(doc["run"]["error"])


def text(doc: Document) -> list[str]:
    if "run" not in doc:
        return []
    result = doc["run"]
    if isinstance(result, dict):
        return ["", f"Run: {result['error']}"]
    return ["", render_run(result)]


def render_run(result: RunResult) -> str:
    """The run as the console draws it (colours only when stdout is a terminal)."""
    buffer = io.StringIO()
    tty = sys.stdout.isatty()
    console = Console(
        file=buffer, width=100, force_terminal=tty, color_system="auto" if tty else None
    )
    console.print(f"Run of {result.head} ({result.model_class}) on {result.input!r}:")
    console.print(render.render_output(result))
    for notice in render.notices(result):
        console.print(notice)
    console.print(render.timing_line(result))
    return buffer.getvalue().rstrip("\n")


SECTION = Section("run", build, text)
