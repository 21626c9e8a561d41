"""Turning typed text into model inputs the same way for every head (and every snippet).

Positions are a hard limit for learned-position models (GPT-2 indexes past its table and
crashes), and ``model_max_length`` may be a placeholder of 1e30 in transformers 5: the limit is
the smaller of the config's positions and a sane tokenizer maximum, and longer input is
truncated with a notice rather than an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hfbrowse.core.console.errors import RunError

PAIR_SEPARATOR = "|||"
_POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_source_positions", "n_ctx")
_SANE_TOKENIZER_MAX = 1_000_000


def position_limit(model: Any, tokenizer: Any) -> int | None:
    """How many tokens the model accepts, or None when nothing bounds it."""
    config = getattr(model, "config", None)
    limits = []
    for key in _POSITION_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    tok_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < _SANE_TOKENIZER_MAX:
        limits.append(tok_max)
    return min(limits) if limits else None


def split_pair(text: str, what: str) -> tuple[str, str]:
    """``a ||| b`` → ``("a", "b")``; RunError naming ``what`` the two halves are."""
    left, sep, right = text.partition(PAIR_SEPARATOR)
    if not sep or not left.strip() or not right.strip():
        raise RunError(f"type {what} separated by {PAIR_SEPARATOR}")
    return left.strip(), right.strip()


def require_text(text: str) -> str:
    if not text.strip():
        raise RunError("empty input: type some text, then Enter")
    return text


@dataclass
class Encoded:
    """Tokenizer output on the model's device, plus what the snippet must repeat."""

    tensors: Any  # BatchEncoding of torch tensors
    encoding: Any  # the tokenizers Encoding of the first sequence (offsets, sequence ids)
    max_length: int | None
    truncated: bool
    call_kwargs: dict[str, Any] = field(default_factory=dict)


def encode(
    tokenizer: Any,
    model: Any,
    text: str,
    pair: str | None = None,
    notices: list[str] | None = None,
    *,
    offsets: bool = False,
    truncation: bool | str = True,
    side: str = "right",
    reserve: int = 0,
    add_special_tokens: bool = True,
) -> Encoded:
    """Tokenize ``text`` (and ``pair``), truncating to the model's positions with a notice.

    ``reserve`` keeps room for tokens a causal LM will generate after the prompt; ``side``
    "left" keeps the end of a long prompt (what a continuation depends on).
    ``add_special_tokens=False`` for a prompt a chat template rendered (it has them already).
    """
    tokenizer.truncation_side = side
    limit = position_limit(model, tokenizer)
    max_length = None if limit is None else max(limit - reserve, 1)
    args = (text,) if pair is None else (text, pair)
    special: dict[str, Any] = {} if add_special_tokens else {"add_special_tokens": False}
    full = len(tokenizer(*args, **special)["input_ids"])
    truncated = max_length is not None and full > max_length
    kwargs: dict[str, Any] = dict(special)
    if max_length is not None:
        kwargs |= {"truncation": truncation, "max_length": max_length}
    if truncated and notices is not None:
        notices.append(
            f"input is {full} tokens; truncated to {max_length} (the model's positions: {limit})"
        )
    extra = {"return_offsets_mapping": True} if offsets else {}
    batch = tokenizer(*args, return_tensors="pt", **kwargs, **extra)
    encoding = batch.encodings[0] if getattr(batch, "encodings", None) else None
    batch.pop("offset_mapping", None)
    from hfbrowse.core.console.placement import execution_device

    return Encoded(batch.to(execution_device(model)), encoding, max_length, truncated, kwargs)
