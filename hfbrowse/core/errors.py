"""Typed errors the core raises; each carries a message fit to show a user as it is.

The UI and the CLI print ``str(error)`` and nothing else: no traceback ever reaches the screen.
"""

from __future__ import annotations

from collections.abc import Callable


class HFBrowseError(Exception):
    """Base class: a problem the user can understand and act on."""


class ModelNotFound(HFBrowseError):
    """No such Hub repository, local folder, or revision."""


class GatedModel(HFBrowseError):
    """The repository exists but needs a token or accepted terms."""


class OfflineError(HFBrowseError):
    """The Hub cannot be reached and the cache does not hold what is needed."""


class UnsafeServerAnswer(HFBrowseError):
    """The server sent something that would become a path but is not a plain id (``../``…)."""


class MalformedConfig(HFBrowseError):
    """config.json is missing, unreadable or not a JSON object."""


class MalformedHeader(HFBrowseError):
    """A safetensors header is truncated, oversized or not valid JSON."""


class NoCheckpoint(HFBrowseError):
    """The model has no safetensors checkpoint to read headers from."""


class UnsupportedModel(HFBrowseError):
    """transformers has no class for this configuration (or would need remote code)."""


class UnsafeInput(HFBrowseError):
    """What a model folder or a server supplied would make hfbrowse read or write outside where
    it should (a path with ``..``, a symlink out of the folder), or block (a FIFO): refused."""


def one_line(exc: BaseException, limit: int = 240) -> str:
    """A library exception's text as one line (line breaks folded), or its type's name."""
    text = " ".join(str(exc).split())
    if not text:
        return type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TorchMissing(HFBrowseError):
    """torch (the optional ``hfbrowse[torch]`` extra) is not installed; the message names the
    command that installs it (built by ``core.torch_check``, the one place that words it)."""


Translator = Callable[[BaseException], "HFBrowseError | None"]
_TRANSLATORS: list[Translator] = []


def translate_with(translator: Translator) -> Translator:
    """Register a translator for library exceptions that deserve a better line than "unexpected
    …" (``torch_check`` registers the missing-torch one); it returns None for others."""
    _TRANSLATORS.append(translator)
    return translator


def as_user_error(exc: BaseException) -> HFBrowseError:
    """Any exception as one line for a pane or stderr: ours as they are, a library surprise
    named by its type. The one place where "unexpected …" is worded."""
    if isinstance(exc, HFBrowseError):
        return exc
    for translator in _TRANSLATORS:
        if (found := translator(exc)) is not None:
            return found
    return HFBrowseError(f"unexpected {type(exc).__name__}: {one_line(exc)}")
