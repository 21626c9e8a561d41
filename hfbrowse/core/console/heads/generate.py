"""CausalLM and Seq2SeqLM: ``model.generate``, streamed token by token, stoppable at any step.

Streaming uses a transformers streamer whose ``put`` only stores token ids (microseconds); text
is decoded when it is handed on, at most every ``STREAM_INTERVAL_S`` and always at the first
token and at the end, so the UI gets live text without slowing generation down. Cancellation is
a ``StoppingCriteria`` reading the worker's cancel event before each next token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import encode, require_text
from hfbrowse.core.console.settings import GenerationSettings

TextFn = Callable[[str], None]
STREAM_INTERVAL_S = 0.2  # 5 screen updates a second: each costs the generating thread GIL time
SEQ2SEQ = "AutoModelForSeq2SeqLM"


@dataclass(frozen=True)
class GenerationOutput:
    """CausalLM / Seq2SeqLM: the generated continuation (prompt excluded)."""

    prompt: str
    text: str
    new_tokens: int
    stopped: bool  # cancelled by the user: ``text`` is what was generated until then
    streamed: bool  # False for beam search, which transformers cannot stream
    settings: dict[str, Any] = field(default_factory=dict)
    continuation: bool = True  # causal LM: ``text`` continues ``prompt``; seq2seq: a new text
    kind: str = "generation"


class TokenSink:
    """A ``BaseStreamer``-compatible sink: ids in, the decoded text so far out (throttled).

    generate's first ``put`` is the prompt (causal LM) or the decoder start token (seq2seq):
    skipped, so the text is the continuation only, exactly as the final decode gives it.
    """

    def __init__(
        self, tokenizer: Any, on_text: TextFn, interval_s: float = STREAM_INTERVAL_S
    ) -> None:
        self.tokenizer = tokenizer
        self.on_text = on_text
        self.interval_s = interval_s
        self.ids: list[int] = []
        self._prompt_seen = False
        self._last_emit = 0.0
        self._emitted = ""
        self.first_token_at: float | None = None

    def put(self, value: Any) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        self.ids.extend(value.reshape(-1).tolist())
        now = time.perf_counter()
        if self.first_token_at is None:
            self.first_token_at = now
            self._emit(now)
        elif now - self._last_emit >= self.interval_s:
            self._emit(now)

    def end(self) -> None:
        self._emit(time.perf_counter(), final=True)

    def _emit(self, now: float, final: bool = False) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            return  # half of a multi-byte character: wait for the next token
        self._last_emit = now
        if text != self._emitted or final:
            self._emitted = text
            self.on_text(text)


_criteria_class: type | None = None


def cancel_criteria(cancel: threading.Event) -> Any:
    """A StoppingCriteria that stops every sequence once ``cancel`` is set."""
    global _criteria_class
    if _criteria_class is None:
        import torch
        from transformers import StoppingCriteria

        class CancelCriteria(StoppingCriteria):
            def __init__(self, event: threading.Event) -> None:
                self.event = event

            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full(
                    (input_ids.shape[0],),
                    self.event.is_set(),
                    dtype=torch.bool,
                    device=input_ids.device,
                )

        _criteria_class = CancelCriteria
    return _criteria_class(cancel)


def pad_token_id(tokenizer: Any) -> int | None:
    """generate warns and guesses without one; pass it (eos when there is no pad token)."""
    if tokenizer.pad_token_id is not None:
        return None  # generate reads it from the config/tokenizer itself
    return tokenizer.eos_token_id


def plan_settings(
    settings: GenerationSettings, limit: int | None, seq2seq: bool, notices: list[str]
) -> GenerationSettings:
    """Cap max_new_tokens so prompt + continuation fit a causal model's positions."""
    if seq2seq or limit is None or settings.max_new_tokens < limit:
        return settings
    capped = max(limit // 2, 1)
    notices.append(
        f"max_new_tokens={settings.max_new_tokens} ≥ the model's {limit} positions; using {capped}"
    )
    return replace(settings, max_new_tokens=capped)


@dataclass(frozen=True)
class Generated:
    """What ``generate_from`` produced, and what its snippet must repeat."""

    text: str  # the new text only, decoded without special tokens
    new_tokens: int
    stopped: bool
    streamed: bool
    settings: dict[str, Any]  # the settings used (+ pad_token_id when it was passed)
    call_kwargs: dict[str, Any]  # the tokenizer call's arguments
    side: str  # truncation side
    generate_kwargs: dict[str, Any]
    seed: int | None  # applied before sampling; None for greedy/beam search


def generate_from(
    loaded: Any, text: str, call: HeadCall, *, add_special_tokens: bool = True
) -> Generated:
    """``model.generate`` on ``text`` with ``call.settings``, streaming into ``call.on_text``
    (plain completion and chat share it; chat passes a rendered prompt)."""
    settings = call.settings or GenerationSettings()
    cancel, on_text, notices = call.cancel, call.on_text, call.notices
    import torch

    from hfbrowse.core.console.inputs import position_limit

    require_text(text)
    model, tokenizer = loaded.model, loaded.tokenizer
    seq2seq = loaded.key.head == SEQ2SEQ
    settings = plan_settings(settings, position_limit(model, tokenizer), seq2seq, notices)
    reserve = 0 if seq2seq else settings.max_new_tokens
    side = "right" if seq2seq else "left"
    enc = encode(
        tokenizer,
        model,
        text,
        notices=notices,
        side=side,
        reserve=reserve,
        add_special_tokens=add_special_tokens,
    )
    kwargs = settings.generate_kwargs()
    pad = pad_token_id(tokenizer)
    if pad is not None:
        kwargs["pad_token_id"] = pad
    sink = TokenSink(tokenizer, on_text) if on_text is not None and settings.streams else None
    if settings.do_sample:
        torch.manual_seed(settings.seed)
    from transformers import StoppingCriteriaList

    stopping = StoppingCriteriaList([cancel_criteria(cancel)])
    with torch.inference_mode():
        output = model.generate(**enc.tensors, **kwargs, streamer=sink, stopping_criteria=stopping)
    prompt_len = 0 if seq2seq else enc.tensors["input_ids"].shape[1]
    new_ids = output[0, prompt_len:]
    new_tokens = int(new_ids.shape[0]) - (1 if seq2seq else 0)  # seq2seq: decoder start token
    return Generated(
        text=tokenizer.decode(new_ids, skip_special_tokens=True),
        new_tokens=max(new_tokens, 0),
        stopped=cancel.is_set(),
        streamed=sink is not None,
        settings=asdict(settings) | ({"pad_token_id": pad} if pad is not None else {}),
        call_kwargs=enc.call_kwargs,
        side=side,
        generate_kwargs=kwargs,
        seed=settings.seed if settings.do_sample else None,
    )


def run(loaded: Any, text: str, call: HeadCall) -> tuple[GenerationOutput, str]:
    """Generate from ``text`` with ``call.settings``, streaming into ``call.on_text``."""
    seq2seq = loaded.key.head == SEQ2SEQ
    done = generate_from(loaded, text, call)
    body = generation_body(
        text, done.call_kwargs, done.side, done.generate_kwargs, done.seed, seq2seq
    )
    result = GenerationOutput(
        prompt=text,
        text=done.text,
        new_tokens=done.new_tokens,
        stopped=done.stopped,
        streamed=done.streamed,
        continuation=not seq2seq,
        settings=done.settings,
    )
    return result, body


def generation_body(
    text: str,
    call_kwargs: dict[str, Any],
    truncation_side: str,
    generate_kwargs: dict[str, Any],
    seed: int | None,
    seq2seq: bool,
    text_lines: list[str] | None = None,
) -> str:
    """The snippet's body; ``text_lines`` replace ``text = …`` (chat renders its prompt)."""
    lines = text_lines or [f"text = {text!r}"]
    if call_kwargs and truncation_side != "right":
        lines.append(f"tokenizer.truncation_side = {truncation_side!r}  # keep the prompt's end")
    lines.append(f"inputs = {snippets.tokenize_call('text', call_kwargs)}.to(model.device)")
    if seed is not None:
        lines.append(f"torch.manual_seed({seed})")
    lines.append("with torch.inference_mode():")
    lines.append("    output = model.generate(")
    lines.append("        **inputs,")
    lines += [f"        {k}={v!r}," for k, v in generate_kwargs.items()]
    lines.append("    )")
    if seq2seq:
        lines.append("print(tokenizer.decode(output[0], skip_special_tokens=True))")
    else:
        lines.append('new_tokens = output[0, inputs["input_ids"].shape[1] :]')
        lines.append("print(tokenizer.decode(new_tokens, skip_special_tokens=True))")
    return "\n".join(lines)
