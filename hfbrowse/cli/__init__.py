"""The command line: arguments → the TUI, or the report as text/JSON, or a Hub search."""

from hfbrowse.cli.entry import main

__all__ = ["main"]
