"""Chat mode: a causal LM with a chat template answers turn after turn.

``/chat`` turns it on (only when the model has a chat template: in-process the tokenizer's,
on an endpoint ``/v1/chat/completions``, which renders the server's); ``/system TEXT`` sets the
system message, ``/new`` starts over, ``/prompt`` shows what the last turn sent. The
conversation is kept here, on the console's state; each run gets the messages so far plus the
new user turn, and its reply is appended when the run finishes (a stopped reply is kept as far
as it went, as the user saw it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfbrowse.core.console.errors import RunError

CAUSAL_LM = "AutoModelForCausalLM"
NO_TEMPLATE = "this model has no chat template: /chat is off, plain completion continues your text"


class NoChatTemplate(RunError):
    """Chat mode on a model without a chat template: the console leaves chat mode."""

    def __init__(self) -> None:
        super().__init__(NO_TEMPLATE)


_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system", "user" or "assistant"
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass
class ChatState:
    """The console's conversation (mutable: the console pane owns one, through its state)."""

    on: bool = False
    system: str | None = None
    turns: list[tuple[str, str]] = field(default_factory=list)  # (user, assistant)
    last_prompt: str | None = None  # what the last turn sent: a rendered prompt or messages JSON

    def messages_for(self, text: str) -> tuple[ChatMessage, ...]:
        """The whole conversation a new turn sends: system, earlier turns, then ``text``."""
        messages = [ChatMessage("system", self.system)] if self.system else []
        for user, assistant in self.turns:
            messages += [ChatMessage("user", user), ChatMessage("assistant", assistant)]
        messages.append(ChatMessage("user", text))
        return tuple(messages)

    def record(self, user: str, reply: str, prompt: str) -> None:
        self.turns.append((user, reply))
        self.last_prompt = prompt

    def new(self) -> None:
        self.turns.clear()
        self.last_prompt = None


def as_dicts(messages: tuple[ChatMessage, ...]) -> list[dict[str, str]]:
    return [m.as_dict() for m in messages]


def has_chat_template(folder: Path | None) -> bool | None:
    """True/False when the model's files say it (tokenizer_config.json's ``chat_template``, or
    transformers 5's ``chat_template.jinja``); None when they are not here to read."""
    if folder is None or not (folder / "tokenizer_config.json").is_file():
        return None
    if any((folder / name).is_file() for name in _TEMPLATE_FILES):
        return True
    try:
        doc: Any = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return bool(isinstance(doc, dict) and doc.get("chat_template"))
