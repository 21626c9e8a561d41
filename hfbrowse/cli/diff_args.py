"""Command-line flags for head diffs, config diffs and config keys explained (--print/--json).

Kept apart from ``reading_report`` so that building the parser imports nothing but argparse.
"""

from __future__ import annotations

import argparse


def add_reading_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("reading code and config (with --print/--json)")
    g.add_argument("--diff-head", metavar="HEAD", help="diff the shown head's source with HEAD's")
    g.add_argument(
        "--diff-model", metavar="MODEL", help="diff with the same head of MODEL (id or folder)"
    )
    g.add_argument("--diff-config", metavar="MODEL", help="diff config.json with MODEL's")
    g.add_argument(
        "--explain-config", action="store_true", help="each config key: docs, type, default"
    )


def reading_args_error(args: argparse.Namespace) -> str | None:
    """A one-line problem with these flags, found before anything is fetched."""
    from hfbrowse.core.heads.registry import ALIAS_EXAMPLES, normalise_head

    used = [f for f in ("diff_head", "diff_model", "diff_config") if getattr(args, f, None)]
    if getattr(args, "explain_config", False):
        used.append("explain_config")
    if used and not (args.print_text or args.print_json):
        flags = ", ".join("--" + f.replace("_", "-") for f in used)
        return f"{flags}: only with --print or --json (in the TUI: d, D and the config pane)"
    if args.diff_head and normalise_head(args.diff_head) is None:
        return f"unknown head {args.diff_head!r}; try {ALIAS_EXAMPLES}"
    return None
