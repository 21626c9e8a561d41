"""hfbrowse.ui.widgets."""
