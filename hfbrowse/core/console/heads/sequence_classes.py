"""SequenceClassification: every label of ``config.id2label`` with its probability.

Single-label models get a softmax over labels; ``problem_type ==
"multi_label_classification"`` gets an independent sigmoid per label. ``a ||| b`` is passed as a
sentence pair (NLI-style models are trained on pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, encode, require_text, split_pair

MULTI_LABEL = "multi_label_classification"


@dataclass(frozen=True)
class LabelScore:
    label: str
    index: int
    probability: float


@dataclass(frozen=True)
class SequenceClassesOutput:
    text: str
    labels: tuple[LabelScore, ...]  # most probable first
    multi_label: bool  # sigmoid per label instead of a softmax over labels
    kind: str = "sequence-classification"


def run(loaded: Any, text: str, call: HeadCall) -> tuple[SequenceClassesOutput, str]:
    notices = call.notices
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
    body = sequence_classes_body(first, pair, enc.call_kwargs, multi)
    return SequenceClassesOutput(text, tuple(labels), multi), body


def sequence_classes_body(
    first: str, pair: str | None, call_kwargs: dict[str, Any], multi_label: bool
) -> str:
    texts = f"text = {first!r}\n" + (f"pair = {pair!r}\n" if pair is not None else "")
    args = "text, pair" if pair is not None else "text"
    squash = "sigmoid()  # multi-label: one probability per label" if multi_label else "softmax(-1)"
    return f"""{texts}inputs = {snippets.tokenize_call(args, call_kwargs)}.to(model.device)
with torch.inference_mode():
    logits = model(**inputs).logits[0].float()
probs = logits.{squash}
for i in sorted(range(len(probs)), key=lambda i: -float(probs[i])):
    print(model.config.id2label[i], f"{{float(probs[i]):.4f}}")
"""
