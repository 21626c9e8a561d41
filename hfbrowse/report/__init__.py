"""hfbrowse.report.document."""
