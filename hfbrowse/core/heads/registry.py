"""The console heads: one record per Auto class hfbrowse shows and runs.

Everything that differs from head to head lives in its record: the names a user may type for
it, the Auto table transformers lists its classes in, which table claims an architecture first,
the Hub pipeline tags that point to it, the console's input hint, and the module that runs it.
Adding a head is one record here and one module in ``core/console/heads/`` (which holds its
runner, its output dataclass and its snippet); renderers are keyed by the output's ``kind`` and
fall back to a generic view, so a new head shows up everywhere without touching another file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HeadSpec:
    auto_class: str
    table: str  # the ``*_MAPPING_NAMES`` table of transformers' modeling_auto.py
    task: str
    aliases: tuple[str, ...]  # lower-case names accepted by --head and --diff-head
    arch_priority: int  # lower claims an architecture first (BART: Seq2SeqLM before MaskedLM)
    fallback_rank: int | None  # order when nothing hints at a head (None: never chosen so)
    pipeline_tags: tuple[str, ...]  # Hub pipeline tags that point to this head
    hint: str  # what the console expects as input
    runner: str  # module under hfbrowse.core.console.heads with ``run(loaded, text, call)``
    generates: bool = False  # streamed generation with /set settings

    @property
    def short(self) -> str:
        """``AutoModelForCausalLM`` → ``CausalLM``; ``AutoModel`` stays."""
        return self.auto_class.removeprefix("AutoModelFor") or self.auto_class

    def load_runner(self) -> Callable[..., Any]:
        """The runner function, imported on first use (worker paths only: it imports torch
        lazily itself, but its module is not needed to draw anything)."""
        module = importlib.import_module(f"hfbrowse.core.console.heads.{self.runner}")
        return module.run


HEADS: tuple[HeadSpec, ...] = (
    HeadSpec(
        "AutoModel",
        "MODEL_MAPPING_NAMES",
        "features",
        aliases=("model", "features", "automodel", "embedding", "embeddings"),
        arch_priority=6,
        fallback_rank=3,
        pipeline_tags=("feature-extraction", "sentence-similarity"),
        hint="features: text → mean-pooled embedding; a ||| b → cosine similarity",
        runner="features",
    ),
    HeadSpec(
        "AutoModelForCausalLM",
        "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES",
        "text generation",
        aliases=("causallm", "causal", "clm", "textgeneration"),
        arch_priority=1,
        fallback_rank=0,
        pipeline_tags=("text-generation",),
        hint="text generation: the model continues your text",
        runner="generate",
        generates=True,
    ),
    HeadSpec(
        "AutoModelForMaskedLM",
        "MODEL_FOR_MASKED_LM_MAPPING_NAMES",
        "fill-mask",
        aliases=("maskedlm", "mlm", "fillmask"),
        arch_priority=2,
        fallback_rank=2,
        pipeline_tags=("fill-mask",),
        hint="fill-mask: write [MASK] or <mask> where a word is missing",
        runner="fill_mask",
    ),
    HeadSpec(
        "AutoModelForSeq2SeqLM",
        "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES",
        "seq2seq",
        aliases=("seq2seqlm", "seq2seq", "text2text"),
        arch_priority=0,
        fallback_rank=1,
        pipeline_tags=("text2text-generation", "translation", "summarization"),
        hint="seq2seq: the model writes a new text from yours (translation, summary …)",
        runner="generate",
        generates=True,
    ),
    HeadSpec(
        "AutoModelForQuestionAnswering",
        "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES",
        "extractive QA",
        aliases=("questionanswering", "qa"),
        arch_priority=3,
        fallback_rank=None,
        pipeline_tags=("question-answering",),
        hint="extractive QA: question ||| context",
        runner="extractive_qa",
    ),
    HeadSpec(
        "AutoModelForTokenClassification",
        "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES",
        "token classification",
        aliases=("tokenclassification", "ner", "tokens"),
        arch_priority=4,
        fallback_rank=None,
        pipeline_tags=("token-classification",),
        hint="token classification: a label per token, entities marked",
        runner="token_classes",
    ),
    HeadSpec(
        "AutoModelForSequenceClassification",
        "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
        "sequence classification",
        aliases=("sequenceclassification", "classification", "textclassification"),
        arch_priority=5,
        fallback_rank=None,
        pipeline_tags=("text-classification", "zero-shot-classification"),
        hint="sequence classification: text (or text ||| pair)",
        runner="sequence_classes",
    ),
)

HEAD_NAMES = tuple(h.auto_class for h in HEADS)
_BY_NAME = {h.auto_class: h for h in HEADS}
_BY_ALIAS = {alias: h.auto_class for h in HEADS for alias in h.aliases}
BY_ARCH_PRIORITY = tuple(sorted(HEADS, key=lambda h: h.arch_priority))
FALLBACK_ORDER = tuple(
    h.auto_class
    for h in sorted(HEADS, key=lambda h: h.fallback_rank or 0)
    if h.fallback_rank is not None
)
# Generation heads' tags first, features last: the order the models list's task filter cycles.
PIPELINE_TO_HEAD = {
    tag: h.auto_class
    for h in sorted(HEADS, key=lambda h: h.auto_class == "AutoModel")
    for tag in h.pipeline_tags
}
ALIAS_EXAMPLES = "causallm, maskedlm, seq2seqlm, qa, ner, classification, features"


def head_spec(auto_class: str) -> HeadSpec:
    return _BY_NAME[auto_class]


def is_head(auto_class: str | None) -> bool:
    return auto_class in _BY_NAME


def normalise_head(text: str | None) -> str | None:
    """``AutoModelForCausalLM``, ``ForCausalLM``, ``causallm``, ``qa``, ``fill-mask`` … → the
    Auto class; None for a name that is no head."""
    if text is None:
        return None
    key = text.strip().lower().removeprefix("automodel").removeprefix("for")
    key = key.replace("-", "").replace("_", "")
    return _BY_ALIAS.get(key or "model")
