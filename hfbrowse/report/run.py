"""Report section (``--run TEXT``): the console run once, its result added to the document.

The run goes through the same ``core.console.runner.run`` as the TUI console. Questions the
TUI would ask in a modal (pickle checkpoint, estimated memory above what is free) are answered
by ``--yes``; without it the model is not loaded and the exit status is 1.
"""

from __future__ import annotations

import io
import sys

from rich.console import Console

from hfbrowse.core.console.backends.base import RunContext
from hfbrowse.core.console.backends.holder import BackendHolder
from hfbrowse.core.console.chat import CAUSAL_LM, ChatState
from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.runner import NeedsConfirmation, RunHooks, RunRequest, runnable_head
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.render import console_results as render
from hfbrowse.report.context import Document, ReportContext, Section

ALL_CONFIRMATIONS = frozenset({"bin", "memory"})


def run_once(ctx: ReportContext) -> RunResult:
    """Run ``--run TEXT`` with the shown head on the chosen backend (HFBrowseError with a
    one-line message). ``--chat`` sends TEXT as one user turn (after ``--system``)."""
    options, facts = ctx.options, ctx.facts
    backend = options.backend
    head = runnable_head(facts, ctx.head, options.trust_remote_code, backend.remote)
    text = options.run or ""
    chat = None
    if options.chat and head == CAUSAL_LM:
        chat = ChatState(on=True, system=options.system).messages_for(text)
    request = RunRequest(
        head=head,
        text=text,
        device=options.device,
        dtype=options.dtype,
        trust_remote_code=options.trust_remote_code,
        confirmed=ALL_CONFIRMATIONS if options.yes else frozenset(),
        chat=chat,
    )
    holder = BackendHolder(backend)
    context = RunContext(facts, ctx.gateway, ModelSession(), ctx.checkpoint.table)
    try:
        return holder.run(request, context, RunHooks())
    except NeedsConfirmation as exc:
        raise HFBrowseError(f"{exc} Not loaded: pass --yes to accept.") from None
    finally:
        holder.close()


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
        partial = getattr(exc, "partial", None)  # a stream that broke: the text so far
        if partial is not None:
            doc["run"]["partial"] = partial
    if isinstance(doc["run"], dict):
        ctx.errors.append(doc["run"]["error"])


def text(doc: Document) -> list[str]:
    if "run" not in doc:
        return []
    result = doc["run"]
    if isinstance(result, dict):
        partial = result.get("partial")
        shown = ["", render_run(partial)] if isinstance(partial, RunResult) else []
        return [*shown, "", f"Run: {result['error']}"]
    return ["", render_run(result)]


def render_run(result: RunResult) -> str:
    """The run as the console draws it (colours only when stdout is a terminal)."""
    buffer = io.StringIO()
    tty = sys.stdout.isatty()
    console = Console(
        file=buffer, width=100, force_terminal=tty, color_system="auto" if tty else None
    )
    where = f" on {result.where}" if result.backend != "in-process" else ""
    console.print(f"Run of {result.head} ({result.model_class}){where} on {result.input!r}:")
    console.print(render.render_output(result))
    for notice in render.notices(result):
        console.print(notice)
    console.print(render.timing_line(result))
    return buffer.getvalue().rstrip("\n")


SECTION = Section("run", build, text)
