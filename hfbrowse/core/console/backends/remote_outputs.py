"""Remote answers → the output dataclasses the in-process heads return.

The shapes are huggingface_hub's inference types (``FillMaskOutputElement``,
``QuestionAnsweringOutputElement``, ``TokenClassificationOutputElement``,
``TextClassificationOutputElement``, feature-extraction arrays), parsed with those types
themselves; OpenAI's ``/v1/embeddings`` gives plain vectors. What a server does not say (token
positions, a pooled vector's token count) is ``None``, never invented.

Feature extraction comes back 1-D (one pooled vector), 2-D (TEI: one pooled vector per input;
a pipeline: one vector per token) or 3-D (a pipeline: batch × tokens × hidden): each is read for
what it is, and token vectors are mean-pooled as the in-process head does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads.extractive_qa import AnswerSpan
from hfbrowse.core.console.heads.features import FIRST_VALUES, Embedding, FeaturesOutput
from hfbrowse.core.console.heads.fill_mask import (
    MASK_PATTERN,
    Candidate,
    FillMaskOutput,
    MaskPrediction,
)
from hfbrowse.core.console.heads.sequence_classes import LabelScore, SequenceClassesOutput
from hfbrowse.core.console.heads.token_classes import (
    Entity,
    TokenClassesOutput,
    TokenLabel,
    merge_entities,
)


def _floats(value: Any) -> Any:
    """The answer as a numpy float32 array (feature extraction)."""
    import numpy as np

    try:
        return np.asarray(value, dtype="float32")
    except (TypeError, ValueError):
        raise RunError("the server's features are not an array of numbers") from None


def pooled_vector(value: Any) -> tuple[Any, int | None, tuple[int, ...], str, str]:
    """One input's answer → (vector, tokens or None, shape, what the shape is, its axes)."""
    array = _floats(value)
    shape = tuple(int(n) for n in array.shape)
    if array.ndim == 1:
        return array, None, shape, "embedding", "hidden; pooled by the server"
    if array.ndim == 2:
        if array.shape[0] == 1:  # TEI: a batch of one pooled vector
            return array[0], None, shape, "embedding", "batch, hidden; pooled by the server"
        return array.mean(0), int(array.shape[0]), shape, "token features", "tokens, hidden"
    if array.ndim == 3:
        return (
            array[0].mean(0),
            int(array.shape[1]),
            shape,
            "token features",
            ("batch, tokens, hidden"),
        )
    raise RunError(f"the server's features have {array.ndim} dimensions; expected 1, 2 or 3")


def features_output(texts: Sequence[str], answers: Sequence[Any]) -> FeaturesOutput:
    """Each text's answer pooled to one vector; the cosine of two (``a ||| b``)."""
    import numpy as np

    vectors = []
    embeddings = []
    shape: tuple[int, ...] = ()
    shape_of, axes = "embedding", "hidden"
    for text, answer in zip(texts, answers, strict=True):
        vector, tokens, this_shape, this_of, this_axes = pooled_vector(answer)
        if not shape:
            shape, shape_of, axes = this_shape, this_of, this_axes
        vectors.append(vector)
        embeddings.append(
            Embedding(
                text=text,
                tokens=tokens,
                dim=int(vector.shape[0]),
                norm=float(np.linalg.norm(vector)),
                first=tuple(float(v) for v in vector[:FIRST_VALUES].tolist()),
            )
        )
    cosine = None
    if len(vectors) == 2:
        a, b = vectors
        denominator = max(float(np.linalg.norm(a)) * float(np.linalg.norm(b)), 1e-12)
        cosine = float(np.dot(a, b)) / denominator
        cosine = max(-1.0, min(1.0, cosine)) if math.isfinite(cosine) else 0.0
    return FeaturesOutput(
        shape, tuple(embeddings), cosine, shape_of=f"endpoint {shape_of}", axes=axes
    )


def with_mask(text: str, mask_token: str | None) -> tuple[str, str]:
    """``[MASK]``/``<mask>`` → the model's mask token when known (else as typed); the mask."""
    found = MASK_PATTERN.search(text)
    if found is None:
        raise RunError("no mask in the input: write [MASK] or <mask> where a word is missing")
    if mask_token:
        return MASK_PATTERN.sub(lambda _m: mask_token, text), mask_token
    return text, found.group(0)


def fill_mask_output(text: str, mask_token: str, answer: Any) -> FillMaskOutput:
    """One list of candidates per mask (a server answers a list for one mask, a list of
    lists for several)."""
    from huggingface_hub import FillMaskOutputElement

    if not isinstance(answer, list) or not answer:
        raise RunError("the server's fill-mask answer is empty")
    per_mask = answer if isinstance(answer[0], list) else [answer]
    masks = []
    best: list[str] = []
    top_sequence = None
    for candidates in per_mask:
        parsed = [FillMaskOutputElement.parse_obj_as_instance(item) for item in candidates]
        parsed.sort(key=lambda c: -c.score)
        masks.append(
            MaskPrediction(
                None,
                tuple(Candidate(c.token_str.strip(), int(c.token), float(c.score)) for c in parsed),
            )
        )
        best.append(parsed[0].token_str.strip() if parsed else mask_token)
        top_sequence = parsed[0].sequence if parsed else None
    if len(per_mask) == 1 and top_sequence:
        filled = str(top_sequence)
    else:  # several masks: each replaced by its best candidate
        parts = text.split(mask_token)
        filled = parts[0] + "".join(
            (best[i] if i < len(best) else mask_token) + part for i, part in enumerate(parts[1:])
        )
    return FillMaskOutput(text=text, mask_token=mask_token, masks=tuple(masks), filled=filled)


def answer_output(question: str, context: str, answer: Any) -> AnswerSpan:
    from huggingface_hub import QuestionAnsweringOutputElement

    item = answer[0] if isinstance(answer, list) and answer else answer
    if not isinstance(item, dict):
        raise RunError("the server's question-answering answer is empty")
    parsed = QuestionAnsweringOutputElement.parse_obj_as_instance(item)
    start, end = int(parsed.start), int(parsed.end)
    return AnswerSpan(
        question=question,
        context=context,
        answer=str(parsed.answer),
        start=start,
        end=end,
        score=float(parsed.score),
        start_token=None,
        end_token=None,
    )


def token_classes_output(text: str, answer: Any) -> TokenClassesOutput:
    """Per-token labels (``entity``: the pipeline without aggregation; "O" tokens are left out
    by servers) are merged into entities as in-process; aggregated answers (``entity_group``)
    are the entities themselves."""
    from huggingface_hub import TokenClassificationOutputElement

    if not isinstance(answer, list):
        raise RunError("the server's token-classification answer is not a list")
    parsed = [TokenClassificationOutputElement.parse_obj_as_instance(a) for a in answer]
    parsed.sort(key=lambda p: (p.start or 0, p.end or 0))
    aggregated = any(getattr(p, "entity_group", None) for p in parsed)
    if aggregated:
        entities = tuple(
            Entity(
                str(p.entity_group),
                text[int(p.start) : int(p.end)],
                int(p.start),
                int(p.end),
                float(p.score),
            )
            for p in parsed
            if p.start is not None and p.end is not None
        )
        return TokenClassesOutput(text, (), entities)
    tokens = tuple(
        TokenLabel(str(p.word), str(p.entity), float(p.score), int(p.start), int(p.end))
        for p in parsed
        if p.start is not None and p.end is not None
    )
    return TokenClassesOutput(
        text, tokens, merge_entities(text, list(tokens), [None] * len(tokens))
    )


def sequence_classes_output(
    text: str, answer: Any, label2id: dict[str, int], multi_label: bool
) -> SequenceClassesOutput:
    from huggingface_hub import TextClassificationOutputElement

    items = (
        answer[0] if isinstance(answer, list) and answer and isinstance(answer[0], list) else answer
    )
    if not isinstance(items, list) or not items:
        raise RunError("the server's text-classification answer is empty")
    parsed = [TextClassificationOutputElement.parse_obj_as_instance(a) for a in items]
    labels = [
        LabelScore(str(p.label), int(label2id.get(str(p.label), i)), float(p.score))
        for i, p in enumerate(parsed)
    ]
    labels.sort(key=lambda s: (-s.probability, s.index))
    return SequenceClassesOutput(text, tuple(labels), multi_label)


def label2id_of(config: dict[str, Any]) -> dict[str, int]:
    """config.json's ``id2label`` turned around (label → index), for the server's labels."""
    id2label = config.get("id2label")
    out: dict[str, int] = {}
    if isinstance(id2label, dict):
        for key, label in id2label.items():
            try:
                out[str(label)] = int(key)
            except (TypeError, ValueError):
                continue
    return out
