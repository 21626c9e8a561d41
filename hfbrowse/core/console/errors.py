"""Errors of a console run; each message is one line a user can act on."""

from __future__ import annotations

from hfbrowse.core.errors import HFBrowseError


class RunError(HFBrowseError):
    """The input or the model cannot be run as asked (empty input, no mask token, …)."""


class RunRefused(RunError):
    """A safety rule forbids the run (remote code without --trust-remote-code, …)."""


class RunCancelled(RunError):
    """The user stopped the run (Escape / Ctrl+C) before it produced a result."""


class SettingsError(RunError):
    """A ``/set key=value`` that names an unknown key or an invalid value."""
