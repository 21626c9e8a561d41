"""TokenClassification: every token with its label from ``config.id2label``, and the entities.

Entities follow the IOB tags the labels carry: ``B-X`` opens one, ``I-X`` (or another piece of
the same word) extends it, ``O`` closes it. Labels without a prefix (``PER``) group consecutive
tokens of the same type. Spans are character offsets into the input text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import encode, require_text

_TAG = re.compile(r"^([BIESL])[-_](.+)$")


@dataclass(frozen=True)
class TokenLabel:
    token: str
    label: str
    probability: float
    start: int  # character offsets into the input text
    end: int


@dataclass(frozen=True)
class Entity:
    type: str
    text: str
    start: int
    end: int
    probability: float  # mean over the entity's tokens


@dataclass(frozen=True)
class TokenClassesOutput:
    text: str
    tokens: tuple[TokenLabel, ...]
    entities: tuple[Entity, ...]
    kind: str = "token-classification"


def split_tag(label: str) -> tuple[str | None, str | None]:
    """``B-PER`` → ("B", "PER"); ``O`` → (None, None); ``PER`` → (None, "PER")."""
    if label.strip().upper() in {"O", "OUTSIDE"}:
        return None, None
    match = _TAG.match(label)
    if match:
        return match.group(1), match.group(2)
    return None, label


def merge_entities(
    text: str, tokens: list[TokenLabel], word_ids: list[int | None]
) -> tuple[Entity, ...]:
    entities: list[Entity] = []
    current: dict[str, Any] | None = None

    def close() -> None:
        if current is not None:
            probs = current["probs"]
            entities.append(
                Entity(
                    current["type"],
                    text[current["start"] : current["end"]],
                    current["start"],
                    current["end"],
                    sum(probs) / len(probs),
                )
            )

    for token, word in zip(tokens, word_ids, strict=True):
        prefix, kind = split_tag(token.label)
        if kind is None:
            close()
            current = None
            continue
        same_word = current is not None and word is not None and word == current["word"]
        continues = (
            current is not None
            and current["type"] == kind
            and (prefix in (None, "I", "E", "L") or same_word)
        )
        if continues and current is not None:
            current["end"] = token.end
            current["probs"].append(token.probability)
            current["word"] = word
        else:
            close()
            current = {
                "type": kind,
                "start": token.start,
                "end": token.end,
                "probs": [token.probability],
                "word": word,
            }
    close()
    return tuple(entities)


def run(loaded: Any, text: str, call: HeadCall) -> tuple[TokenClassesOutput, str]:
    notices = call.notices
    import torch

    require_text(text)
    model, tokenizer = loaded.model, loaded.tokenizer
    enc = encode(tokenizer, model, text, notices=notices, offsets=True)
    with torch.inference_mode():
        probs = model(**enc.tensors).logits[0].float().softmax(-1)
    id2label = model.config.id2label
    best_p, best_id = probs.max(-1)
    encoding = enc.encoding
    rows: list[TokenLabel] = []
    words: list[int | None] = []
    for i, token in enumerate(encoding.tokens):
        if encoding.special_tokens_mask[i]:
            continue
        start, end = encoding.offsets[i]
        label_id = int(best_id[i])
        rows.append(
            TokenLabel(token, id2label.get(label_id, str(label_id)), float(best_p[i]), start, end)
        )
        words.append(encoding.word_ids[i])
    result = TokenClassesOutput(text, tuple(rows), merge_entities(text, rows, words))
    return result, token_classes_body(text, enc.call_kwargs)


def token_classes_body(text: str, call_kwargs: dict[str, Any]) -> str:
    call = snippets.tokenize_call("text", call_kwargs, ", return_offsets_mapping=True")
    return f"""text = {text!r}
inputs = {call}
offsets = inputs.pop("offset_mapping")[0].tolist()
with torch.inference_mode():
    probs = model(**inputs.to(model.device)).logits[0].float().softmax(-1)
best_p, best_id = probs.max(-1)
special = inputs.encodings[0].special_tokens_mask
for i, token in enumerate(inputs.tokens()):
    if not special[i]:
        start, end = offsets[i]
        label = model.config.id2label[int(best_id[i])]
        print(token, label, f"{{float(best_p[i]):.4f}}", repr(text[start:end]))
# Entities: a B-X label opens one, I-X (or another piece of the same word) extends it, O ends it.
"""
