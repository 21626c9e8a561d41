"""The Textual UI: an App, one main screen, one module per pane. No HTTP, no torch here:
panes ask the core (in thread workers) and render the frozen dataclasses it returns."""
