"""hfbrowse.core.source."""
