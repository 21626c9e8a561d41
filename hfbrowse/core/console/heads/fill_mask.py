"""MaskedLM: the top candidates for every mask in the input, with their probabilities.

Users type the mask as they know it (``[MASK]`` from BERT, ``<mask>`` from RoBERTa/BART);
both spellings are mapped to the model's own mask token before tokenizing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import encode, require_text

TOP_K = 5
MASK_PATTERN = re.compile(r"\[mask\]|<mask>", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    token: str
    token_id: int
    probability: float


@dataclass(frozen=True)
class MaskPrediction:
    token_index: int | None  # position of the mask in the tokenized input (None: remote)
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class FillMaskOutput:
    text: str  # the input with the model's own mask token
    mask_token: str
    masks: tuple[MaskPrediction, ...]
    filled: str  # the input with every mask replaced by its best candidate
    kind: str = "fill-mask"


def with_model_mask(text: str, mask_token: str) -> str:
    """``[MASK]``/``<mask>`` (any case) → the tokenizer's mask token."""
    return MASK_PATTERN.sub(lambda _m: mask_token, text)


def run(loaded: Any, text: str, call: HeadCall) -> tuple[FillMaskOutput, str]:
    notices = call.notices
    import torch

    require_text(text)
    model, tokenizer = loaded.model, loaded.tokenizer
    mask = tokenizer.mask_token
    if not mask or tokenizer.mask_token_id is None:
        raise RunError(f"{loaded.model_class}'s tokenizer has no mask token: fill-mask cannot run")
    masked = with_model_mask(text, mask)
    if mask not in masked:
        raise RunError("no mask in the input: write [MASK] or <mask> where a word is missing")
    enc = encode(tokenizer, model, masked, notices=notices)
    input_ids = enc.tensors["input_ids"][0]
    positions = (input_ids == tokenizer.mask_token_id).nonzero().flatten().tolist()
    if not positions:
        raise RunError("every mask was cut off by truncation: put the mask earlier")
    with torch.inference_mode():
        logits = model(**enc.tensors).logits
    predictions = []
    best = input_ids.clone()
    for position in positions:
        probs = logits[0, position].float().softmax(-1)
        top = probs.topk(min(TOP_K, probs.shape[-1]))
        candidates = tuple(
            Candidate(tokenizer.decode([token_id]).strip(), token_id, float(p))
            for p, token_id in zip(top.values.tolist(), top.indices.tolist(), strict=True)
        )
        predictions.append(MaskPrediction(position, candidates))
        best[position] = candidates[0].token_id
    result = FillMaskOutput(
        text=masked,
        mask_token=mask,
        masks=tuple(predictions),
        filled=tokenizer.decode(best, skip_special_tokens=True),
    )
    return result, fill_mask_body(masked, enc.call_kwargs, TOP_K)


def fill_mask_body(text: str, call_kwargs: dict[str, Any], top_k: int) -> str:
    return f"""text = {text!r}
inputs = {snippets.tokenize_call("text", call_kwargs)}.to(model.device)
with torch.inference_mode():
    logits = model(**inputs).logits
input_ids = inputs["input_ids"][0]
for position in (input_ids == tokenizer.mask_token_id).nonzero().flatten().tolist():
    top = logits[0, position].float().softmax(-1).topk({top_k})
    for p, token_id in zip(top.values.tolist(), top.indices.tolist()):
        print(position, tokenizer.decode([token_id]).strip(), f"{{p:.4f}}")
"""
