"""hfbrowse.core.hub.gateway."""
