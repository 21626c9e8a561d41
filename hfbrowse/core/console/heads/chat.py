"""CausalLM in chat mode, in-process: the tokenizer's chat template renders the conversation,
``model.generate`` continues it (the same generation path as plain completion, streamed and
stoppable), and the reply is the new text only.

The rendered prompt already holds the template's special tokens, so it is tokenized with
``add_special_tokens=False`` (as ``apply_chat_template(tokenize=True)`` does). A tokenizer
without a template cannot chat: the run says so and the console stays in plain completion.
"""

from __future__ import annotations

import pprint
from dataclasses import dataclass, field
from typing import Any

from hfbrowse.core.console.chat import ChatMessage, NoChatTemplate, as_dicts
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.heads.generate import generate_from, generation_body


@dataclass(frozen=True)
class ChatOutput:
    """One chat turn: the conversation sent, the assistant's reply, and the prompt it became."""

    messages: tuple[dict[str, str], ...]  # system, earlier turns, the new user turn
    reply: str
    prompt: str  # the template's rendering (in-process) or the messages as JSON (endpoint)
    new_tokens: int
    stopped: bool  # cancelled: ``reply`` is what was generated until then
    streamed: bool
    settings: dict[str, Any] = field(default_factory=dict)
    kind: str = "chat"


def render_prompt(tokenizer: Any, messages: tuple[ChatMessage, ...]) -> str:
    """The template's text for ``messages`` with the assistant's turn opened."""
    if not getattr(tokenizer, "chat_template", None):
        raise NoChatTemplate
    try:
        return tokenizer.apply_chat_template(
            as_dicts(messages), add_generation_prompt=True, tokenize=False
        )
    except Exception as exc:
        raise RunError(f"the chat template failed on this conversation: {exc}") from None


def run(loaded: Any, text: str, call: HeadCall) -> tuple[ChatOutput, str]:
    messages = call.chat or (ChatMessage("user", text),)
    prompt = render_prompt(loaded.tokenizer, messages)
    done = generate_from(loaded, prompt, call, add_special_tokens=False)
    lines = [
        f"messages = {pprint.pformat(as_dicts(messages), width=90, sort_dicts=False)}",
        "text = tokenizer.apply_chat_template(",
        "    messages, add_generation_prompt=True, tokenize=False",
        ")",
    ]
    body = generation_body(
        prompt, done.call_kwargs, done.side, done.generate_kwargs, done.seed, False, lines
    )
    result = ChatOutput(
        messages=tuple(as_dicts(messages)),
        reply=done.text,
        prompt=prompt,
        new_tokens=done.new_tokens,
        stopped=done.stopped,
        streamed=done.streamed,
        settings=done.settings,
    )
    return result, body
