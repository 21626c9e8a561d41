"""``hfbrowse --search QUERY [--sort S] [--task T] [--library L] [--limit N] [--print|--json]``.

Prints the models list for scripts and screen readers: Hub results (``●`` = in the local HF
cache, gated/private said in words), or — offline, or when the Hub cannot be reached — the local
cache filtered by QUERY, with a note on stderr saying so.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hfbrowse.core.hub.search import LIBRARIES, SORTS, search_tasks

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


def query_from_args(args: argparse.Namespace) -> Any:
    """The SearchQuery that ``--search/--sort/--task/--library`` describe (TUI and print alike)."""
    from hfbrowse.core.hub.search import SearchQuery

    return SearchQuery(
        text=args.search.strip(),
        sort=args.sort,
        task=None if args.task == "any" else args.task,
        library=None if args.library == "any" else args.library,
    )


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

    query = query_from_args(args)
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
            "query": _query_doc(query),
            "source": "hub",
            "results": [{**h.as_dict(), "cached": h.repo_id in cached} for h in hits],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    print(f"Hub models: {query.describe()}")
    rows = [
        (
            "●" if h.repo_id in cached else " ",
            h.repo_id + (f" ({h.restricted})" if h.restricted else ""),
            h.pipeline_tag or "—",
            _count(h.downloads),
            _count(h.likes),
            _count(h.parameters),
            h.updated or "—",
        )
        for h in hits
    ]
    header = ("", "model", "task", "downloads", "likes", "params", "updated")
    print(_table(header, rows, right={3, 4, 5}) if rows else "No models match.")
    if rows:
        print("● = in the local Hugging Face cache")
    return 0


def _print_local(query: Any, args: argparse.Namespace) -> int:
    from datetime import datetime

    from hfbrowse.core.formatting import human_bytes
    from hfbrowse.core.hub.local_cache import cached_models, filter_local, local_models

    models = filter_local(local_models([], cached_models()), query.text)[: args.limit]
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
            }
            for m in models
        ]
        doc = {"query": _query_doc(query), "source": "cache", "results": results}
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
    return {"search": query.text, "sort": query.sort, "task": query.task, "library": query.library}


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
