"""hfbrowse.core.config."""
