"""``hfbrowse MODEL --run TEXT --print|--json``: the console run once, added to the report.

The run goes through the same ``core.running.runner.run`` as the TUI console. Questions the
TUI would ask in a modal (pickle checkpoint, estimated memory above what is free) are answered
by ``--yes``; without it the run is not loaded and the exit status is 1.
"""

from __future__ import annotations

import io
import json
import sys
from argparse import Namespace
from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.runner import NeedsConfirmation, RunRequest, run, runnable_head
from hfbrowse.core.console.session import ModelSession, one_line
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts

ALL_CONFIRMATIONS = frozenset({"bin", "memory"})


def run_once(
    facts: ModelFacts,
    head: str | None,
    tensors: object,
    gateway: HubGateway,
    args: Namespace,
) -> RunResult:
    """Run ``args.run`` with ``head`` (raises HFBrowseError with a one-line message)."""
    request = RunRequest(
        head=runnable_head(facts, head, args.trust_remote_code),
        text=args.run,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        confirmed=ALL_CONFIRMATIONS if getattr(args, "yes", False) else frozenset(),
    )
    table = tensors if isinstance(tensors, TensorTable) else None
    try:
        return run(request, facts, ModelSession(), gateway, table)
    except NeedsConfirmation as exc:
        raise HFBrowseError(f"{exc} Not loaded: pass --yes to accept.") from None


def print_with_run(
    doc: dict[str, Any],
    facts: ModelFacts,
    head: str | None,
    tensors: object,
    gateway: HubGateway,
    args: Namespace,
) -> int:
    """Add ``doc["run"]`` (the result, or its error), print the report, return the exit status."""
    from hfbrowse.report.document import render_text

    result: RunResult | None = None
    try:
        result = run_once(facts, head, tensors, gateway, args)
        doc["run"] = result.to_dict()
    except HFBrowseError as exc:
        doc["run"] = {"error": str(exc)}
    except KeyboardInterrupt:
        doc["run"] = {"error": "interrupted"}
    except Exception as exc:  # a library surprise: one line, never a traceback
        doc["run"] = {"error": f"unexpected {type(exc).__name__}: {one_line(exc)}"}
    if args.print_json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(render_text(doc))
        print()
        print(render_run(result) if result else f"Run: {doc['run']['error']}")
    if result is None:
        print(f"hfbrowse: {doc['run']['error']}", file=sys.stderr)
        return 1
    return 0


def render_run(result: RunResult) -> str:
    """The run as the console draws it (colours only when stdout is a terminal)."""
    from rich.console import Console

    from hfbrowse.render import console_results as render

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
