"""Snapshots are pictures of one moment: nothing on them may depend on when it was taken."""

from __future__ import annotations

import pytest
from textual.widgets import Input


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch):
    """A text box's cursor blinks every 0.5 s; on a loaded machine the picture caught it in
    either state (same text, different styling). It stays visible here."""

    def keep_visible(self: Input) -> None:
        self._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", keep_visible)
