"""One module per console head: ``run(loaded, text, call)``, its output dataclass, its snippet.

The head registry (``core.heads.registry``) names the module of each Auto class; the runner
imports it when the head first runs. A runner returns ``(output, snippet_body)``: the output is a
frozen dataclass with a ``kind`` (``results.HeadOutput``), the body is the Python that repeats
exactly this run after the snippet's loading lines.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hfbrowse.core.console.chat import ChatMessage
    from hfbrowse.core.console.settings import GenerationSettings


@dataclass
class HeadCall:
    """What a runner gets besides the loaded model and the typed text."""

    notices: list[str] = field(default_factory=list)  # one-line remarks shown with the result
    cancel: threading.Event = field(default_factory=threading.Event)
    on_text: Callable[[str], None] | None = None  # streamed text so far (generation heads)
    settings: GenerationSettings | None = None  # /set values on generation_config (generation)
    chat: tuple[ChatMessage, ...] | None = None  # chat mode: the conversation, new turn last
