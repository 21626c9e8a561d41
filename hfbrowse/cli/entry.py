"""Command line: arguments → the TUI, or plain text / JSON for scripts (``--print``/``--json``).

Imports stay light until the arguments are known: ``hfbrowse --help`` must not import torch,
and the TUI must draw its first frame before anything heavy is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from hfbrowse import __version__

HEAD_ALIASES = {
    "model": "AutoModel",
    "features": "AutoModel",
    "causallm": "AutoModelForCausalLM",
    "maskedlm": "AutoModelForMaskedLM",
    "seq2seqlm": "AutoModelForSeq2SeqLM",
    "questionanswering": "AutoModelForQuestionAnswering",
    "qa": "AutoModelForQuestionAnswering",
    "tokenclassification": "AutoModelForTokenClassification",
    "sequenceclassification": "AutoModelForSequenceClassification",
}


def normalise_head(text: str | None) -> str | None:
    """Accept ``AutoModelForCausalLM``, ``ForCausalLM``, ``causallm``, ``qa`` …"""
    if text is None:
        return None
    key = text.lower().removeprefix("automodel").removeprefix("for").replace("-", "")
    return HEAD_ALIASES.get(key or "model")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hfbrowse",
        description="Understand a Hugging Face model from a terminal: config, tensors, head"
        " source, and a console that runs it.",
    )
    p.add_argument("model", nargs="?", help="Hub id (gpt2, org/name) or a local folder")
    p.add_argument("--revision", help="branch, tag or commit of a Hub model")
    p.add_argument("--head", help="Auto class to show/run, e.g. AutoModelForCausalLM or causallm")
    p.add_argument("--run", metavar="TEXT", help="run the console once on TEXT")
    p.add_argument("--device", help="device for the console: cpu, cuda, cuda:1, mps (default auto)")
    p.add_argument("--dtype", help="dtype for the console (default: the checkpoint's)")
    p.add_argument("--context", type=int, help="KV-cache context length for the memory estimate")
    p.add_argument("--batch", type=int, default=1, help="batch size for the memory estimate")
    p.add_argument("--offline", action="store_true", help="never use the network (HF cache only)")
    p.add_argument(
        "--trust-remote-code", action="store_true", help="allow a repo's own code to run"
    )
    p.add_argument("--demo", action="store_true", help="open built-in tiny demo models (offline)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--print", dest="print_text", action="store_true", help="print facts as text")
    out.add_argument("--json", dest="print_json", action="store_true", help="print facts as JSON")
    p.add_argument(
        "--yes", action="store_true", help="with --run --print/--json: load .bin or large models"
    )
    p.add_argument("--version", action="version", version=f"hfbrowse {__version__}")
    from hfbrowse.cli.search import add_search_arguments

    add_search_arguments(p)
    from hfbrowse.cli.diff_args import add_reading_arguments

    add_reading_arguments(p)
    return p


def fail(message: str, code: int = 1) -> int:
    print(f"hfbrowse: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.offline:
        os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import: set it first
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    head = normalise_head(args.head)
    if args.head and head is None:
        return fail(f"unknown head {args.head!r}; try causallm, maskedlm, seq2seqlm, qa, …", 2)
    from hfbrowse.cli.diff_args import reading_args_error

    if (problem := reading_args_error(args, normalise_head)) is not None:
        return fail(problem, 2)

    if args.search is not None and (args.print_text or args.print_json):
        from hfbrowse.cli.search import run_search

        return run_search(args)

    from hfbrowse.core.errors import HFBrowseError

    try:
        refs, start = _collect_models(args)
    except HFBrowseError as exc:
        return fail(str(exc), 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)

    if args.print_text or args.print_json:
        if start is None:
            return fail("--print/--json need a MODEL (or --demo)", 2)
        return _print_report(start, head, args)

    import gc

    # No collections while ~100k objects are created by imports and the first frame: the app
    # freezes what survives and turns collection back on once it has drawn (HFBrowseApp).
    gc.disable()
    from hfbrowse.ui.app import HFBrowseApp

    search = None
    if args.search is not None:
        from hfbrowse.cli.search import query_from_args

        search = query_from_args(args)
    app = HFBrowseApp(
        search=search,
        models=refs,
        start=start,
        head=head,
        offline=args.offline,
        run_text=args.run,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
    )
    _run_without_joining_workers(app)
    code = app.return_code or 0
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
        from hfbrowse.demo.builder import DEMO_MODELS, build_demo_models

        if not (demo_dir() / DEMO_MODELS[-1].name / ".hfbrowse-demo").exists():
            print(f"hfbrowse: building demo models once into {demo_dir()} …", file=sys.stderr)
        built = build_demo_models(demo_dir())
        demo_refs = [ModelRef("local", str(path), label="demo") for path in built.values()]
        refs.extend(demo_refs)
        start = start or demo_refs[0]
    return refs, start


def _print_report(ref, head: str | None, args: argparse.Namespace) -> int:
    from hfbrowse.core.errors import HFBrowseError, NoCheckpoint
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.log_capture import capture_library_logs
    from hfbrowse.core.model import load_facts, load_source, load_tensors
    from hfbrowse.report.document import build_report, render_text

    capture_library_logs(lambda level, msg: print(f"hfbrowse: {level}: {msg}", file=sys.stderr))
    gateway = HubGateway.from_env(offline=args.offline)
    try:
        facts = load_facts(ref, gateway)
    except HFBrowseError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    shown = head or facts.heads.recommended
    if head and facts.heads.option(head) is None:
        return fail(f"{head} does not support model_type {facts.model_type!r}")
    try:
        tensors = load_tensors(facts, gateway)
    except NoCheckpoint as exc:
        tensors = exc
        if shown:
            from hfbrowse.core.heads.meta_model import meta_tensor_table

            try:
                tensors = meta_tensor_table(facts.config, shown)
            except HFBrowseError as inner:
                tensors = inner
    except HFBrowseError as exc:
        tensors = exc
    try:
        source = load_source(facts, shown)
    except HFBrowseError as exc:
        source = exc
    doc = build_report(facts, tensors, shown, source)
    from hfbrowse.report.analysis import add_analysis

    add_analysis(doc, facts, tensors, shown, context=args.context, batch=args.batch)
    from hfbrowse.report.reading import add_reading

    reading_errors = add_reading(doc, facts, shown, gateway, args)
    if args.run is not None:
        from hfbrowse.report.run import print_with_run

        return print_with_run(doc, facts, shown, tensors, gateway, args)
    if args.print_json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(render_text(doc))
    for error in reading_errors:
        fail(error)
    return 1 if reading_errors else 0
