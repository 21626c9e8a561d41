"""AutoModel (features): ``last_hidden_state`` and its attention-mask-aware mean pooling.

Mean pooling over real tokens only (padding excluded) is what sentence-transformers models
such as all-MiniLM-L6-v2 are trained with; with ``a ||| b`` the two pooled vectors are compared
by cosine similarity. Encoder-decoder models (T5, BART) are embedded by their encoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfbrowse.core.console import snippets
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, encode, require_text, split_pair

FIRST_VALUES = 6


@dataclass(frozen=True)
class Embedding:
    text: str
    tokens: int | None  # None: the server pooled the vector (its token count is not known)
    dim: int
    norm: float
    first: tuple[float, ...]  # the first values of the mean-pooled vector


@dataclass(frozen=True)
class FeaturesOutput:
    shape: tuple[int, ...]  # last_hidden_state of the first text
    embeddings: tuple[Embedding, ...]
    cosine: float | None  # with ``a ||| b``
    kind: str = "features"
    shape_of: str = "last_hidden_state"  # what ``shape`` is the shape of (remote: the answer)
    axes: str = "batch, tokens, hidden"


def encoder_of(model: Any) -> Any:
    """The module that maps tokens to hidden states (the encoder of an encoder-decoder)."""
    if getattr(model.config, "is_encoder_decoder", False) and hasattr(model, "get_encoder"):
        return model.get_encoder()
    return model


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """Average of the token vectors where attention_mask is 1 (float32)."""
    mask = attention_mask.unsqueeze(-1).float()
    return (hidden.float() * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def run(loaded: Any, text: str, call: HeadCall) -> tuple[FeaturesOutput, str]:
    notices = call.notices
    import torch

    require_text(text)
    model, tokenizer = loaded.model, loaded.tokenizer
    texts = list(split_pair(text, "two texts")) if PAIR_SEPARATOR in text else [text.strip()]
    network = encoder_of(model)
    vectors = []
    embeddings = []
    shape: tuple[int, ...] = ()
    for item in texts:
        enc = encode(tokenizer, model, item, notices=notices)
        with torch.inference_mode():
            hidden = network(**enc.tensors).last_hidden_state
        pooled = mean_pool(hidden, enc.tensors["attention_mask"])[0]
        shape = shape or tuple(hidden.shape)
        vectors.append(pooled)
        embeddings.append(
            Embedding(
                text=item,
                tokens=int(enc.tensors["attention_mask"].sum()),
                dim=int(pooled.shape[0]),
                norm=float(pooled.norm()),
                first=tuple(float(v) for v in pooled[:FIRST_VALUES].tolist()),
            )
        )
    cosine = None
    if len(vectors) == 2:
        cosine = float(torch.nn.functional.cosine_similarity(vectors[0], vectors[1], dim=0))
    encoder_decoder = network is not model
    body = features_body(texts, enc.call_kwargs, encoder_decoder)
    return FeaturesOutput(shape, tuple(embeddings), cosine), body


def features_body(texts: list[str], call_kwargs: dict[str, Any], encoder_decoder: bool) -> str:
    network = "model.get_encoder()" if encoder_decoder else "model"
    cosine = (
        '\nprint(f"cosine {torch.nn.functional.cosine_similarity(*pooled, dim=0):.4f}")'
        if len(texts) == 2
        else ""
    )
    return f"""texts = {texts!r}
pooled = []
for text in texts:
    inputs = {snippets.tokenize_call("text", call_kwargs)}.to(model.device)
    with torch.inference_mode():
        hidden = {network}(**inputs).last_hidden_state
    print(tuple(hidden.shape))
    mask = inputs["attention_mask"].unsqueeze(-1).float()  # mean over real tokens only
    vector = ((hidden.float() * mask).sum(1) / mask.sum(1).clamp(min=1e-9))[0]
    pooled.append(vector)
    first = [round(v, 4) for v in vector[:6].tolist()]
    print(vector.shape[0], f"{{float(vector.norm()):.4f}}", first){cosine}
"""
