"""Report section (``--run TEXT``): the console run once, its result added to the document.

The run goes through the same ``core.console.runner.run`` as the TUI console. Questions the
TUI would ask in a modal (pickle checkpoint, estimated memory above what is free) are answered
by ``--yes``; without it the model is not loaded and the exit status is 1.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console

from hfbrowse.core.console.backends.base import RunContext
from hfbrowse.core.console.backends.holder import BackendHolder
from hfbrowse.core.console.chat import CAUSAL_LM, ChatState
from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.runner import NeedsConfirmation, RunHooks, RunRequest, runnable_head
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.console.targets import console_head
from hfbrowse.core.errors import HFBrowseError, as_user_error
from hfbrowse.render import console_results as render
from hfbrowse.report.context import Document, ReportContext, ReportOptions, Section

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.tensors import TensorTable
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import ModelFacts

ALL_CONFIRMATIONS = frozenset({"bin", "memory"})


def run_once(ctx: ReportContext) -> RunResult:
    """Run ``--run TEXT`` with the shown head on the chosen backend (HFBrowseError with a
    one-line message). ``--chat`` sends TEXT as one user turn (after ``--system``)."""
    return run_request(ctx.facts, ctx.head, ctx.checkpoint.table, ctx.gateway, ctx.options)


def run_request(
    facts: ModelFacts,
    head: str | None,
    table: TensorTable | None,
    gateway: HubGateway,
    options: ReportOptions,
    gguf_file: str | None = None,
) -> RunResult:
    """One run of ``options.run`` on ``facts`` (a model, an adapter, or with ``gguf_file`` a
    GGUF file's derived config)."""
    backend = options.backend
    if (facts.adapter is not None or gguf_file is not None) and not backend.remote:
        head = head or console_head(facts) or facts.heads.shown(None) or ""  # the runner picks
    else:
        head = runnable_head(facts, head, options.trust_remote_code, backend.remote)
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
        gguf_file=gguf_file,
    )
    holder = BackendHolder(backend)
    context = RunContext(facts, gateway, ModelSession(), table)
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
    record(doc, lambda: run_once(ctx))
    if isinstance(doc["run"], dict):
        ctx.errors.append(doc["run"]["error"])


def record(doc: Document, running: Callable[[], RunResult]) -> None:
    """``doc["run"]``: what ``running`` returned, or ``{"error": …}`` (+ ``partial``)."""
    try:
        doc["run"] = running()
    except KeyboardInterrupt:
        doc["run"] = {"error": "interrupted"}
    except Exception as exc:  # ours or a library surprise: one line, never a traceback
        doc["run"] = {"error": str(as_user_error(exc))}
        partial = getattr(exc, "partial", None)  # a stream that broke: the text so far
        if partial is not None:
            doc["run"]["partial"] = partial


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
