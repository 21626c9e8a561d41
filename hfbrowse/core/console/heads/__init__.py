"""hfbrowse.core.console.heads."""
