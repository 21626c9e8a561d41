"""hfbrowse.core.heads.resolve."""
