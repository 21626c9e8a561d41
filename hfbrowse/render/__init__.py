"""hfbrowse.render."""
