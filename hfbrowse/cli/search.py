"""``hfbrowse --search QUERY [--sort S] [--task T] [--library L] [--author A] [--params RANGE]
[--gated|--ungated] [--served] [--limit N] [--print|--json]``.

Prints the models list for scripts and screen readers: Hub results (``●`` = in the local HF
cache, gated/private said in words, GGUF/adapter/served in a ``has`` column, a doubtful
parameter figure with ``?``), or — offline, or when the Hub cannot be reached — the local cache
filtered by QUERY and the author (the other filters need the Hub: stderr says so).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hfbrowse.core.hub.search_terms import LIBRARIES, SORTS, search_tasks

DEFAULT_LIMIT = 20


def add_search_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "listing models (the TUI opens on the list; with --print/--json: printed)"
    )
    group.add_argument(
        "--search", metavar="QUERY", help="list Hub models matching QUERY ('' lists all)"
    )
    group.add_argument("--sort", choices=tuple(SORTS), default="downloads", help="list order")
    group.add_argument("--task", choices=search_tasks(), default="any", help="pipeline tag")
    group.add_argument(
        "--library",
        default="transformers",
        help=f"library filter ({', '.join(LIBRARIES)}, or any other Hub library tag)",
    )
    group.add_argument("--author", help="only models of this user or organisation")
    group.add_argument(
        "--params",
        metavar="RANGE",
        type=_param_range,
        help="parameter count from the Hub's safetensors total: 1B..8B, ..500M, 7B..",
    )
    access = group.add_mutually_exclusive_group()
    access.add_argument("--gated", action="store_const", const="gated", dest="access")
    access.add_argument(
        "--ungated",
        action="store_const",
        const="ungated",
        dest="access",
        help="only gated / only ungated models",
    )
    group.add_argument(
        "--served", action="store_true", help="only models an inference provider serves"
    )
    group.add_argument(
        "--limit", type=_positive, default=DEFAULT_LIMIT, help="how many models to list"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _param_range(text: str) -> tuple[int | None, int | None]:
    from hfbrowse.core.hub.search_filters import SearchFilterError, parse_range

    try:
        return parse_range(text)
    except SearchFilterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def query_from_args(args: argparse.Namespace) -> Any:
    """The SearchQuery that ``--search/--sort/--task/--library/--author/--params/--gated/
    --ungated/--served`` describe (TUI and print alike); filter tokens typed in QUERY
    (``author:… params:…``) count as well, as in the search box."""
    from hfbrowse.core.hub.search import SearchQuery

    lo, hi = getattr(args, "params", None) or (None, None)
    base = SearchQuery(
        sort=args.sort,
        task=None if args.task == "any" else args.task,
        library=None if args.library == "any" else args.library,
        author=(getattr(args, "author", None) or "").strip() or None,
        params_min=lo,
        params_max=hi,
        gated=getattr(args, "access", None),
        served=bool(getattr(args, "served", False)),
    )
    return SearchQuery.typed(args.search.strip(), base)


def run_search(args: argparse.Namespace, gateway: Any = None) -> int:
    """Print the list; exit status 1 with one line on stderr when the search fails."""
    try:
        return _run_search(args, gateway)
    except BrokenPipeError:  # `hfbrowse --search x | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run_search(args: argparse.Namespace, gateway: Any) -> int:
    from hfbrowse.core.errors import HFBrowseError, OfflineError
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.hub.local_cache import cached_models
    from hfbrowse.core.hub.search import search_models

    try:
        query = query_from_args(args)
    except HFBrowseError as exc:  # a filter token typed in QUERY
        print(f"hfbrowse: {exc}", file=sys.stderr)
        return 2
    gateway = gateway or HubGateway.from_env(offline=args.offline)
    try:
        hits = search_models(gateway, query, limit=args.limit)
    except OfflineError as exc:
        print(f"hfbrowse: {exc} Listing the local cache instead.", file=sys.stderr)
        return _print_local(query, args)
    except HFBrowseError as exc:
        print(f"hfbrowse: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hfbrowse: interrupted", file=sys.stderr)
        return 130
    cached = {c.repo_id for c in cached_models()}
    if args.print_json:
        doc = {
            "schema_version": _schema_version(),
            "query": _query_doc(query),
            "source": "hub",
            "results": [{**h.as_dict(), "cached": h.repo_id in cached} for h in hits],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    from hfbrowse.core.hub.search_filters import MARKER_LETTERS, marker_letters
    from hfbrowse.core.untrusted import printable

    print(f"Hub models: {printable(query.describe())}")
    rows = [
        (
            "●" if h.repo_id in cached else " ",
            printable(h.repo_id) + (f" ({h.restricted})" if h.restricted else ""),
            marker_letters(h.markers) or "-",
            printable(h.pipeline_tag or "—"),
            _count(h.downloads),
            _count(h.likes),
            _count(h.parameters) + ("?" if h.parameters_doubt else ""),
            h.updated or "—",
        )
        for h in hits
    ]
    header = ("", "model", "has", "task", "downloads", "likes", "params", "updated")
    print(_table(header, rows, right={4, 5, 6}) if rows else "No models match.")
    if rows:
        legend = ", ".join(f"{letter} = {what}" for letter, what in MARKER_LETTERS.values())
        print(f"● = in the local Hugging Face cache; has: {legend}")
        for h in hits:
            if h.parameters_doubt:
                print(f"? {printable(h.repo_id)}: {printable(h.parameters_doubt)}")
    return 0


def _print_local(query: Any, args: argparse.Namespace) -> int:
    from datetime import datetime

    from hfbrowse.core.formatting import human_bytes
    from hfbrowse.core.hub.local_cache import (
        cached_models,
        filter_local_query,
        local_models,
    )

    found, unapplied = filter_local_query(local_models([], cached_models()), query)
    models = found[: args.limit]
    if unapplied:
        print(
            f"hfbrowse: the local cache cannot be filtered by {', '.join(unapplied)} "
            "(the Hub knows that): not applied.",
            file=sys.stderr,
        )
    if args.print_json:
        results = [
            {
                "id": m.ref.id,
                "size_on_disk": m.size,
                "last_used": (
                    datetime.fromtimestamp(m.last_used).isoformat(timespec="seconds")
                    if m.last_used
                    else None
                ),
                "cached": True,
                "markers": list(m.markers),
            }
            for m in models
        ]
        doc = {
            "schema_version": _schema_version(),
            "query": _query_doc(query),
            "source": "cache",
            "not_applied": unapplied,
            "results": results,
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    print(f"Local cache (offline): {repr(query.text) if query.text else 'all models'}")
    rows = [
        (
            m.ref.id,
            human_bytes(m.size),
            datetime.fromtimestamp(m.last_used).date().isoformat() if m.last_used else "—",
        )
        for m in models
    ]
    header = ("model", "size", "last used")
    print(_table(header, rows, right={1}) if rows else "No cached model matches.")
    return 0


def _query_doc(query: Any) -> dict[str, Any]:
    return {
        "search": query.text,
        "sort": query.sort,
        "task": query.task,
        "library": query.library,
        "author": query.author,
        "parameters": query.params_range,
        "gated": query.gated,
        "served": query.served,
    }


def _schema_version() -> str:
    from hfbrowse.report.document import SCHEMA_VERSION

    return SCHEMA_VERSION


def _count(n: int | None) -> str:
    from hfbrowse.core.formatting import human_count

    return human_count(n)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
