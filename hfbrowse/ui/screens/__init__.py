"""hfbrowse.ui.screens."""
