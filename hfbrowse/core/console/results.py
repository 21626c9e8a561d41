"""What one console run produced, per head: frozen, JSON-able dataclasses.

The TUI renders these, ``--run --json`` prints ``RunResult.to_dict()``, and the tests assert on
them. Probabilities are plain floats, character spans index the input text, so a result means the
same thing wherever it is shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Seconds spent loading (``None`` when the model was already loaded) and running."""

    load_s: float | None
    run_s: float
    new_tokens: int | None = None  # generation heads only

    @property
    def tokens_per_s(self) -> float | None:
        if self.new_tokens is None or self.run_s <= 0:
            return None
        return self.new_tokens / self.run_s


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


@dataclass(frozen=True)
class Candidate:
    token: str
    token_id: int
    probability: float


@dataclass(frozen=True)
class MaskPrediction:
    token_index: int  # position of the mask in the tokenized input
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class FillMaskOutput:
    text: str  # the input with the model's own mask token
    mask_token: str
    masks: tuple[MaskPrediction, ...]
    filled: str  # the input with every mask replaced by its best candidate
    kind: str = "fill-mask"


@dataclass(frozen=True)
class AnswerSpan:
    question: str
    context: str
    answer: str
    start: int  # character offsets into ``context``
    end: int
    score: float  # P(start) * P(end), each softmaxed over the context tokens
    start_token: int
    end_token: int
    kind: str = "question-answering"


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


@dataclass(frozen=True)
class Embedding:
    text: str
    tokens: int
    dim: int
    norm: float
    first: tuple[float, ...]  # the first values of the mean-pooled vector


@dataclass(frozen=True)
class FeaturesOutput:
    shape: tuple[int, ...]  # last_hidden_state of the first text
    embeddings: tuple[Embedding, ...]
    cosine: float | None  # with ``a ||| b``
    kind: str = "features"


Output = (
    GenerationOutput
    | FillMaskOutput
    | AnswerSpan
    | TokenClassesOutput
    | SequenceClassesOutput
    | FeaturesOutput
)


@dataclass(frozen=True)
class RunResult:
    """One run: which model and head, on what, the output, timings, notices and the snippet."""

    model: str
    head: str
    model_class: str
    device: str
    dtype: str
    input: str
    output: Output
    timing: Timing
    notices: tuple[str, ...] = ()
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["timing"]["tokens_per_s"] = self.timing.tokens_per_s
        return doc
