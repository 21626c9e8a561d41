"""hfbrowse.ui.panes."""
