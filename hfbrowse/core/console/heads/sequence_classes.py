"""SequenceClassification: every label of ``config.id2label`` with its probability.

Single-label models get a softmax over labels; ``problem_type ==
"multi_label_classification"`` gets an independent sigmoid per label. ``a ||| b`` is passed as a
sentence pair (NLI-style models are trained on pairs).
"""

from __future__ import annotations

from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, encode, require_text, split_pair
from hfbrowse.core.console.results import LabelScore, SequenceClassesOutput

MULTI_LABEL = "multi_label_classification"


def classify(loaded: Any, text: str, notices: list[str]) -> tuple[SequenceClassesOutput, str]:
    import torch

    require_text(text)
    model, tokenizer = loaded.model, loaded.tokenizer
    first, pair = split_pair(text, "two texts") if PAIR_SEPARATOR in text else (text.strip(), None)
    enc = encode(tokenizer, model, first, pair, notices)
    with torch.inference_mode():
        logits = model(**enc.tensors).logits[0].float()
    multi = getattr(model.config, "problem_type", None) == MULTI_LABEL
    probs = logits.sigmoid() if multi else logits.softmax(-1)
    id2label = model.config.id2label
    labels = sorted(
        (LabelScore(id2label.get(i, str(i)), i, float(p)) for i, p in enumerate(probs.tolist())),
        key=lambda s: (-s.probability, s.index),
    )
    body = snippets.sequence_classes_body(first, pair, enc.call_kwargs, multi)
    return SequenceClassesOutput(text, tuple(labels), multi), body
