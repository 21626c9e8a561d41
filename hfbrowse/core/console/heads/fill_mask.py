"""MaskedLM: the top candidates for every mask in the input, with their probabilities.

Users type the mask as they know it (``[MASK]`` from BERT, ``<mask>`` from RoBERTa/BART);
both spellings are mapped to the model's own mask token before tokenizing.
"""

from __future__ import annotations

import re
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.inputs import encode, require_text
from hfbrowse.core.console.results import Candidate, FillMaskOutput, MaskPrediction

TOP_K = 5
MASK_PATTERN = re.compile(r"\[mask\]|<mask>", re.IGNORECASE)


def with_model_mask(text: str, mask_token: str) -> str:
    """``[MASK]``/``<mask>`` (any case) → the tokenizer's mask token."""
    return MASK_PATTERN.sub(lambda _m: mask_token, text)


def fill_mask(loaded: Any, text: str, notices: list[str]) -> tuple[FillMaskOutput, str]:
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
    return result, snippets.fill_mask_body(masked, enc.call_kwargs, TOP_K)
