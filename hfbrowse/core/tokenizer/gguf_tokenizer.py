"""The tokenizer a GGUF file carries in its metadata (``tokenizer.ggml.*``), as a real
``tokenizers.Tokenizer``, and what the tokenizer and chat-template views show of it.

A GGUF has no ``tokenizer.json``: llama.cpp stores the vocabulary, merges, scores, token types
and special ids as metadata. transformers rebuilds the fast tokenizer from them
(``transformers.integrations.gguf.convert_gguf_tokenizer``, what ``AutoTokenizer
.from_pretrained(…, gguf_file=…)`` runs); that converter needs no torch, but transformers' own
GGUF *reader* does, so the metadata is read here with the ``gguf`` package (the header only: a
Hub file's header stand-in is enough) and handed to the converter. A tokenizer transformers
cannot build (an unknown ``tokenizer.ggml.model``) still shows its vocabulary size, special
tokens and chat template from the metadata, with the reason in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo, file_of
from hfbrowse.core.errors import MalformedHeader
from hfbrowse.core.tokenizer.tokens import AddedToken, TokenizerInfo

CONTROL, USER_DEFINED = 3, 4  # llama.cpp's token types that transformers adds as tokens
# llama.cpp key (after ``tokenizer.``) → transformers' name, as its GGUF tokenizer mapping has it.
_KEYS = {
    "ggml.model": "tokenizer_type",
    "ggml.pre": "pre_tokenizer_type",
    "ggml.tokens": "tokens",
    "ggml.scores": "scores",
    "ggml.token_type": "token_type",
    "ggml.merges": "merges",
    "ggml.precompiled_charsmap": "precompiled_charsmap",
    "ggml.bos_token_id": "bos_token_id",
    "ggml.eos_token_id": "eos_token_id",
    "ggml.unknown_token_id": "unk_token_id",
    "ggml.padding_token_id": "pad_token_id",
    "ggml.add_space_prefix": "add_prefix_space",
}
_SPECIALS = (
    ("bos_token", "bos_token_id"),
    ("eos_token", "eos_token_id"),
    ("unk_token", "unk_token_id"),
    ("pad_token", "pad_token_id"),
)
_MODELS = {"gpt2": "BPE", "llama": "BPE", "t5": "Unigram", "gemma4": "BPE"}


@dataclass(frozen=True)
class GGUFTokenizer:
    """The rebuilt tokenizer (None when transformers cannot build it: ``error`` says why), what
    it is, and the metadata it came from (full arrays, unlike the folded view's)."""

    tokenizer: Any
    info: TokenizerInfo
    metadata: dict[str, Any]
    error: str | None = None

    def specials(self) -> dict[str, str]:
        """bos_token, eos_token … as a chat template sees them."""
        return dict(self.info.special_tokens)


def tokenizer_metadata(info: GGUFInfo) -> dict[str, Any]:
    """Every ``tokenizer.*`` entry of the file, whole (the vocabulary and merges included), and
    ``general.architecture``."""
    from gguf import GGUFReader

    with file_of(info) as path:
        try:
            reader = GGUFReader(path)
        except (ValueError, KeyError, IndexError, TypeError, OverflowError) as exc:
            raise MalformedHeader(f"{info.file}: unreadable GGUF header ({exc}).") from None
        try:
            out = {}
            for key, field in reader.fields.items():
                if key.startswith("tokenizer.") or key == "general.architecture":
                    out[key] = _plain(field.contents())
        finally:
            del reader
    return out


def gguf_tokenizer(info: GGUFInfo) -> GGUFTokenizer:
    """The file's tokenizer, rebuilt as transformers rebuilds it (no torch)."""
    metadata = tokenizer_metadata(info)
    tokens = metadata.get("tokenizer.ggml.tokens")
    if not isinstance(tokens, list) or not tokens:
        raise MalformedHeader(f"{info.file}: no tokenizer.ggml.tokens: the file has no tokenizer.")
    mapped = {
        name: metadata[f"tokenizer.{key}"]
        for key, name in _KEYS.items()
        if f"tokenizer.{key}" in metadata
    }
    kind = str(mapped.get("tokenizer_type") or "?")
    tokenizer, error = None, None
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer

        architecture = str(metadata.get("general.architecture") or "")
        tokenizer, _ = convert_gguf_tokenizer(architecture, mapped)
    except Exception as exc:  # an unknown tokenizer.ggml.model, a vocabulary it refuses …
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        error = f"transformers cannot build this tokenizer: {first}"[:300]
    return GGUFTokenizer(tokenizer, _info(info, mapped, kind, tokenizer), metadata, error)


def _info(info: GGUFInfo, mapped: dict[str, Any], kind: str, tokenizer: Any) -> TokenizerInfo:
    tokens: list[str] = mapped["tokens"]
    specials = []
    for name, key in _SPECIALS:
        i = mapped.get(key)
        if isinstance(i, int) and 0 <= i < len(tokens):
            specials.append((name, tokens[i]))
    if tokenizer is not None:
        added = tuple(
            AddedToken(i, t.content, bool(t.special))
            for i, t in sorted(tokenizer.get_added_tokens_decoder().items())
        )
        size = tokenizer.get_vocab_size(with_added_tokens=True)
    else:
        types = mapped.get("token_type") or []
        added = tuple(
            AddedToken(i, tokens[i], t == CONTROL)
            for i, t in enumerate(types[: len(tokens)])
            if t in (CONTROL, USER_DEFINED)
        )
        size = len(tokens)
    return TokenizerInfo(
        model=_MODELS.get(kind, "?"),
        vocab_size=size,
        special_tokens=tuple(specials),
        added_tokens=added,
        padding_side="right",
        truncation_side="right",
        model_max_length=None,
        tokenizer_class=f"GGUF tokenizer.ggml.model={kind}",
        files=(f"{info.file} (tokenizer.ggml.*)",),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value
