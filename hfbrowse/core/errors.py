"""Typed errors the core raises; each carries a message fit to show a user as it is.

The UI and the CLI print ``str(error)`` and nothing else: no traceback ever reaches the screen.
"""

from __future__ import annotations


class HFBrowseError(Exception):
    """Base class: a problem the user can understand and act on."""


class ModelNotFound(HFBrowseError):
    """No such Hub repository, local folder, or revision."""


class GatedModel(HFBrowseError):
    """The repository exists but needs a token or accepted terms."""


class OfflineError(HFBrowseError):
    """The Hub cannot be reached and the cache does not hold what is needed."""


class MalformedConfig(HFBrowseError):
    """config.json is missing, unreadable or not a JSON object."""


class MalformedHeader(HFBrowseError):
    """A safetensors header is truncated, oversized or not valid JSON."""


class NoCheckpoint(HFBrowseError):
    """The model has no safetensors checkpoint to read headers from."""


class UnsupportedModel(HFBrowseError):
    """transformers has no class for this configuration (or would need remote code)."""


class TorchMissing(HFBrowseError):
    """torch (the optional ``hfbrowse[torch]`` extra) is not installed; the message names the
    command that installs it (built by ``core.torch_check``, the one place that words it)."""


def as_user_error(exc: BaseException) -> HFBrowseError:
    """Any exception as one line for a pane: ours as they are, a library surprise named."""
    if isinstance(exc, HFBrowseError):
        return exc
    from hfbrowse.core import torch_check

    if torch_check.is_torch_import_error(exc):
        return TorchMissing(torch_check.missing_message("this"))
    return HFBrowseError(f"unexpected {type(exc).__name__}: {exc}")
