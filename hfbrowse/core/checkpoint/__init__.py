"""hfbrowse.core.checkpoint."""
