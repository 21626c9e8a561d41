"""``hfbrowse``: arguments → the TUI, the report as text/JSON, or a Hub search.

Imports stay light until the arguments are known: ``hfbrowse --help`` must not import torch,
and the TUI must draw its first frame before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hfbrowse.cli.args import arguments_error, backend_settings, build_parser
from hfbrowse.cli.output import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    note,
    write_json,
    write_text,
)

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    """The command; whatever goes wrong is one line on stderr and a status, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:  # a surprise no inner layer worded: still one line
        from hfbrowse.core.errors import as_user_error

        return fail(str(as_user_error(exc)))


def _main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import: set it first
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if (problem := arguments_error(args)) is not None:
        return fail(problem, EXIT_USAGE)
    from hfbrowse.core.errors import HFBrowseError
    from hfbrowse.core.heads.registry import normalise_head

    try:
        args.backend = backend_settings(args, dict(os.environ))
    except HFBrowseError as exc:
        return fail(str(exc), EXIT_USAGE)

    head = normalise_head(args.head)

    if args.search is not None and (args.print_text or args.print_json):
        from hfbrowse.cli.search import run_search

        return run_search(args)

    try:
        gguf = _gguf_target(args)
        refs, start = _collect_models(args) if gguf is None else ([], None)
    except HFBrowseError as exc:
        return fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)

    if gguf is not None and (args.print_text or args.print_json):
        return _report_gguf(gguf, head, args)
    if args.print_text or args.print_json:
        if start is None:
            return fail("--print/--json need a MODEL (or --demo)", EXIT_USAGE)
        return _report(start, head, args)
    return _run_tui(args, refs, start, head, gguf)


def _gguf_target(args: argparse.Namespace):
    """The GGUF file the arguments name (``FILE.gguf``, or MODEL with ``--gguf FILE``)."""
    from hfbrowse.core.paths import GGUF_SUFFIX

    if not args.model or not (args.gguf or args.model.endswith(GGUF_SUFFIX)):
        return None  # decided without importing the GGUF reader (start-up time)
    from hfbrowse.core.gguf_model import gguf_target

    return gguf_target(args.model, args.gguf, args.revision)


def _report_gguf(target, head: str | None, args: argparse.Namespace) -> int:
    """``--print``/``--json`` of one GGUF file: header facts (ranged reads on the Hub)."""
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.log_capture import capture_library_logs
    from hfbrowse.report.document import build_gguf_document, render_gguf_text

    capture_library_logs(lambda level, msg: note(f"{level}: {msg}"))
    gateway = HubGateway.from_env(offline=args.offline)
    options = _report_options(args, head)
    doc = _built(lambda: build_gguf_document(target, gateway, options))
    if isinstance(doc, int):
        return doc
    _write(args, doc, render_gguf_text)
    failed = doc.get("run")
    if isinstance(failed, dict):  # --run asked for it and it failed: the line, exit 1
        return fail(failed["error"])
    return EXIT_OK


def _built(build: Callable[[], T]) -> T | int:
    """``build()``, or the exit status after its one line: whatever fails, never a traceback."""
    from hfbrowse.core.errors import HFBrowseError, as_user_error

    try:
        return build()
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except HFBrowseError as exc:
        return fail(str(exc))
    except Exception as exc:  # a library surprise: one line, never a traceback
        return fail(str(as_user_error(exc)))


def _write(args: argparse.Namespace, doc: dict, render_text: Callable[[dict], object]) -> None:
    if args.print_json:
        write_json(doc)
    else:
        write_text(render_text(doc))


def _run_tui(args: argparse.Namespace, refs: list, start, head: str | None, gguf=None) -> int:
    import gc

    # No collections while ~100k objects are created by imports and the first frame: the app
    # freezes what survives and turns collection back on once it has drawn (HFBrowseApp).
    gc.disable()
    from hfbrowse.core.hub.gateway import HubGateway

    gateway = HubGateway.from_env(offline=args.offline)
    prefetched = None
    if start is not None:  # read it while Textual is imported: the first frame can show it
        from hfbrowse.core.model import prefetch

        prefetched = prefetch(start, gateway, head)
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.options import LaunchOptions

    search = None
    if args.search is not None:
        from hfbrowse.cli.search import query_from_args

        search = query_from_args(args)
    options = LaunchOptions(
        models=tuple(refs),
        start=start,
        head=head,
        offline=args.offline,
        run_text=args.run,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        search=search,
        backend=args.backend,
        chat=args.chat,
        system=args.system,
        start_on_list=bool(args.demo and not args.model),  # --demo: the list is the point
        gguf=gguf,
    )
    app = HFBrowseApp(options, gateway, prefetched)
    _run_without_joining_workers(app)
    code = app.return_code or EXIT_OK
    _exit_now_if_workers_linger(code)
    return code


def _run_without_joining_workers(app) -> None:
    """``app.run()`` on a loop of our own. Textual's default, ``asyncio.run``, ends with
    ``shutdown_default_executor()``, which joins the thread workers: a Hub request or a model
    load in flight kept the process alive (up to ~25 s) after `q`. Here the loop is closed as
    asyncio.run would close it, less that join; the threads are left to the exit below."""
    import asyncio

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        app.run(loop=loop)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # shuts the default executor down without waiting for its threads


def _exit_now_if_workers_linger(code: int) -> None:
    """Quit means quit: thread workers run in asyncio's default executor, whose threads the
    interpreter joins at exit — a download or model load still in flight would hold the
    terminal for minutes after `q`. Their results are unwanted, so leave without joining."""
    import threading

    if any(t is not threading.main_thread() and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _collect_models(args: argparse.Namespace):
    """The models pane's initial entries and the one to open first."""
    from hfbrowse.core.model_ref import ModelRef, parse_model_arg

    refs: list[ModelRef] = []
    start = None
    if args.model:
        start = parse_model_arg(args.model, args.revision)
        refs.append(start)
    if args.demo:
        from hfbrowse.core.paths import demo_dir
        from hfbrowse.demo.builder import DEMO_MODELS, build_demo_models, is_complete

        if not all(is_complete(demo_dir() / spec.name, spec.head) for spec in DEMO_MODELS):
            note(f"building demo models once into {demo_dir()} …")
        built = build_demo_models(demo_dir())
        demo_refs = [ModelRef("local", str(path), label="demo") for path in built.values()]
        refs.extend(demo_refs)
        start = start or demo_refs[0]
    return refs, start


def _report(ref, head: str | None, args: argparse.Namespace) -> int:
    """``--print``/``--json``: the model's document (with ``--run``, the console run too)."""
    from hfbrowse.core.errors import HFBrowseError
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.log_capture import capture_library_logs
    from hfbrowse.report.document import (
        build_document,
        open_for_report,
        render_text,
    )

    capture_library_logs(lambda level, msg: note(f"{level}: {msg}"))
    gateway = HubGateway.from_env(offline=args.offline)
    options = _report_options(args, head)

    def build() -> tuple[Any, dict]:
        ctx = open_for_report(ref, gateway, options)
        if head and ctx.facts.heads.option(head) is None:
            raise HFBrowseError(f"{head} does not support model_type {ctx.facts.model_type!r}")
        return ctx, build_document(ctx)

    built = _built(build)
    if isinstance(built, int):
        return built
    ctx, doc = built
    _write(args, doc, render_text)
    for error in ctx.errors:
        fail(error)
    return _offline_outcome(gateway, doc, EXIT_FAILED if ctx.errors else EXIT_OK)


def _report_options(args: argparse.Namespace, head: str | None):
    """What the command line asks a report for (the model's document, or a GGUF file's)."""
    from hfbrowse.report.document import ReportOptions

    return ReportOptions(
        head=head,
        context=args.context,
        batch=args.batch,
        diff_head=args.diff_head,
        diff_model=args.diff_model,
        diff_config=args.diff_config,
        explain_config=args.explain_config,
        revisions=args.revisions,
        diff_revision=args.diff_revision,
        family=args.family,
        family_limit=args.limit,
        run=args.run,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        yes=args.yes,
        tokenize=args.tokenize,
        backend=args.backend,
        chat=args.chat,
        system=args.system,
    )


def _offline_outcome(gateway, doc: dict, code: int) -> int:
    """The one line about the Hub failing: a section it left empty (exit 1; the line says why),
    else the notice that the cache was served."""
    if (notice := gateway.offline_notice) is None:
        return code
    for value in doc.values():
        error = value.get("error") if isinstance(value, dict) else None
        if isinstance(error, str) and error.startswith(gateway.offline_reason or "\0"):
            return fail(error)
    note(notice)
    return code
