"""A model's chat templates and what they render for a sample conversation.

Templates come from where transformers looks: ``chat_template.jinja`` (the default, written by
``save_pretrained`` since 4.5x), ``tokenizer_config.json["chat_template"]`` as one string or as
named templates (a list of ``{"name", "template"}``), or a GGUF file's
``tokenizer.chat_template``. They are rendered the way transformers renders them — jinja2's
``ImmutableSandboxedEnvironment`` with ``trim_blocks``/``lstrip_blocks``, the ``loopcontrols``
extension, ``raise_exception``, ``strftime_now`` and a ``tojson`` that keeps non-ASCII — without
importing transformers or torch.

A template is code from the repo: the sandbox forbids attribute tricks, and this module bounds
what is left — ``range`` and ``*`` capped, a deadline checked at each loop step and each piece
of output and each line the compiled template runs, the output's length capped, recursion
caught — so a template that loops or raises
gives one line instead of a hung screen.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.tokenizer.files import TokenizerFiles

DEFAULT_NAME = "default"
SAMPLE_CONVERSATION = (
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is a tokenizer?"},
    {"role": "assistant", "content": "It turns text into token ids."},
)
RENDER_SECONDS = 2.0
MAX_OUTPUT = 200_000  # characters
MAX_RANGE = 10_000
MAX_SEQUENCE = 100_000  # items/characters a `*` may produce


class TemplateError(HFBrowseError):
    """A template that does not render (syntax, raise_exception, a bound hit): one line."""


@dataclass(frozen=True)
class ChatTemplate:
    name: str  # "default" or the name in tokenizer_config.json
    source: str  # the file (or key) it came from
    template: str


@dataclass(frozen=True)
class Rendering:
    add_generation_prompt: bool
    text: str | None
    error: str | None = None


def chat_templates(files: TokenizerFiles) -> tuple[ChatTemplate, ...]:
    """Every template of the model, the default first (as transformers picks it:
    chat_template.jinja over tokenizer_config.json's)."""
    found: list[ChatTemplate] = []
    if files.chat_template_jinja is not None:
        found.append(ChatTemplate(DEFAULT_NAME, "chat_template.jinja", files.chat_template_jinja))
    value = files.config.get("chat_template")
    key = 'tokenizer_config.json["chat_template"]'
    if isinstance(value, str) and not found:
        found.append(ChatTemplate(DEFAULT_NAME, key, value))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("template"), str):
                name = str(item.get("name") or DEFAULT_NAME)
                if name == DEFAULT_NAME and any(t.name == DEFAULT_NAME for t in found):
                    continue
                found.append(ChatTemplate(name, key, item["template"]))
    found.sort(key=lambda t: t.name != DEFAULT_NAME)
    return tuple(found)


def gguf_template(metadata: dict[str, Any]) -> tuple[ChatTemplate | None, dict[str, str]]:
    """A GGUF file's ``tokenizer.chat_template`` and its bos/eos tokens (by id, from
    ``tokenizer.ggml.tokens`` when the vocabulary's first items hold them)."""
    template = metadata.get("tokenizer.chat_template")
    if not isinstance(template, str):
        return None, {}
    tokens = metadata.get("tokenizer.ggml.tokens") or []
    specials = {}
    for name in ("bos", "eos", "unk", "pad"):
        i = metadata.get(f"tokenizer.ggml.{name}_token_id")
        if isinstance(i, int) and 0 <= i < len(tokens):
            specials[f"{name}_token"] = tokens[i]
    return ChatTemplate(DEFAULT_NAME, "tokenizer.chat_template (GGUF)", template), specials


def special_token_values(files: TokenizerFiles) -> dict[str, str]:
    """bos_token, eos_token … as the template sees them (their strings)."""
    out = {}
    for key, value in {**files.special_tokens_map, **files.config}.items():
        if not key.endswith("_token"):
            continue
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            out[key] = value
    return out


def render_samples(template: ChatTemplate, specials: dict[str, str]) -> tuple[Rendering, Rendering]:
    """The sample conversation rendered without and with ``add_generation_prompt`` (the
    second with the assistant's turn left out, as when asking for the next answer)."""
    out = []
    for prompt in (False, True):
        messages = list(SAMPLE_CONVERSATION[:-1] if prompt else SAMPLE_CONVERSATION)
        try:
            text = render(template.template, messages, add_generation_prompt=prompt, **specials)
            out.append(Rendering(prompt, text))
        except TemplateError as exc:
            out.append(Rendering(prompt, None, str(exc)))
    return out[0], out[1]


def render(template: str, messages: list[dict[str, Any]], **context: Any) -> str:
    """``template`` rendered for ``messages`` in the bounded sandbox (TemplateError: one line)."""
    deadline = time.monotonic() + RENDER_SECONDS
    previous = sys.gettrace()
    sys.settrace(_deadline_tracer(deadline))  # this thread only: the template's own lines
    try:
        compiled = _environment(deadline).from_string(template)
        pieces, size = [], 0
        for piece in compiled.generate(messages=messages, **context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateError(f"the template wrote over {MAX_OUTPUT:,} characters: stopped")
            _check(deadline)
            pieces.append(piece)
        return "".join(pieces)
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError("the template recursed too deeply: stopped") from None
    except MemoryError:
        raise TemplateError("the template ran out of memory: stopped") from None
    except Exception as exc:  # TemplateSyntaxError, raise_exception, UndefinedError …
        name = type(exc).__name__
        where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise TemplateError(f"{name}{where}: {message}"[:240]) from None
    finally:
        sys.settrace(previous)


def _deadline_tracer(deadline: float) -> Any:
    """A trace function that checks the deadline on each line of the compiled template (jinja
    compiles to Python in ``<template>``): a loop that writes nothing is stopped too."""

    def line(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            _check(deadline)
        return line

    def call(frame: Any, event: str, arg: Any) -> Any:
        return line if frame.f_code.co_filename == "<template>" else None

    return call


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise TemplateError(f"the template ran over {RENDER_SECONDS:g} s: stopped")


def _environment(deadline: float) -> Any:
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise TemplateError("the template raises to a huge power: stopped")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                    if sized and len(seq) * n > MAX_SEQUENCE:
                        raise TemplateError("the template repeats a sequence too often")
            return super().call_binop(context, operator, left, right)

    def bounded_range(*args: int) -> Iterator[int]:
        r = range(*args)
        if len(r) > MAX_RANGE:
            raise TemplateError(f"range of {len(r):,} items (at most {MAX_RANGE:,}): stopped")
        for i in r:
            _check(deadline)
            yield i

    def raise_exception(message: str) -> None:
        raise TemplateError(f"the template raised: {message}")

    def strftime_now(fmt: str) -> str:
        return time.strftime(fmt)

    def tojson(value: Any, ensure_ascii: bool = False, indent: Any = None, **kw: Any) -> str:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, **kw)

    env = Bounded(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals.update(
        range=bounded_range, raise_exception=raise_exception, strftime_now=strftime_now
    )
    return env
