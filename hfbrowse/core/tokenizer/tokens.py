"""What a tokenizer is (vocabulary, special and added tokens, padding side, maximum length)
and what it makes of a text: each token's id, its string, the piece of the text it covers,
and whether it is special. From ``tokenizer.json`` with the ``tokenizers`` library and
``tokenizer_config.json`` — the files transformers' fast tokenizers read, with no torch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError, MalformedConfig
from hfbrowse.core.tokenizer.files import TokenizerFiles

SAMPLE_TEXT = "Hello world! hfbrowse shows what text becomes."
MAX_TEXT = 20_000  # characters tokenised at most (a pasted book is cut, and says so)
SPECIAL_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)
VERY_LARGE_MAX_LENGTH = int(1e20)  # transformers' "no limit" sentinel is 1e30


@dataclass(frozen=True)
class AddedToken:
    id: int
    content: str
    special: bool


@dataclass(frozen=True)
class TokenizerInfo:
    model: str  # BPE, WordPiece, Unigram, WordLevel
    vocab_size: int  # with the added tokens, as len(tokenizer) says
    special_tokens: tuple[tuple[str, str], ...]  # (bos_token, "<s>") …
    added_tokens: tuple[AddedToken, ...]
    padding_side: str
    truncation_side: str
    model_max_length: int | None  # None: the config sets no limit
    tokenizer_class: str | None
    files: tuple[str, ...]


@dataclass(frozen=True)
class Token:
    id: int
    token: str  # the vocabulary's string (byte-level BPE shows Ġ for a space)
    piece: str  # the text it covers ("" for one the post-processor added, e.g. [CLS])
    special: bool
    gap: str = ""  # the text between the previous token and this one (spaces a tokenizer drops)


@dataclass(frozen=True)
class Tokenization:
    text: str
    tokens: tuple[Token, ...]
    truncated: bool = False  # the text was longer than MAX_TEXT

    @property
    def count(self) -> int:
        return len(self.tokens)


def load_tokenizer(files: TokenizerFiles) -> Any:
    """The ``tokenizers.Tokenizer`` of tokenizer.json (one-line errors)."""
    if files.tokenizer_json is None:
        found = ", ".join(files.found) or "no tokenizer files"
        raise HFBrowseError(f"No tokenizer.json ({found}): only fast tokenizers are shown.")
    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_file(str(files.tokenizer_json))
    except Exception as exc:  # the Rust side raises plain Exceptions
        raise MalformedConfig(f"tokenizer.json: unreadable ({exc}).") from None


def tokenizer_info(files: TokenizerFiles, tokenizer: Any) -> TokenizerInfo:
    config = files.config
    added = tuple(
        AddedToken(i, t.content, bool(t.special))
        for i, t in sorted(tokenizer.get_added_tokens_decoder().items())
    )
    specials = []
    for key in SPECIAL_KEYS:
        value = config.get(key, files.special_tokens_map.get(key))
        if isinstance(value, dict):  # {"content": "<s>", ...} in older files
            value = value.get("content")
        if isinstance(value, str):
            specials.append((key, value))
    for extra in config.get("additional_special_tokens") or ():
        content = extra.get("content") if isinstance(extra, dict) else extra
        if isinstance(content, str):
            specials.append(("additional_special_tokens", content))
    max_length = config.get("model_max_length")
    if not isinstance(max_length, int | float) or max_length >= VERY_LARGE_MAX_LENGTH:
        max_length = None
    return TokenizerInfo(
        model=_model_type(files.tokenizer_json),
        vocab_size=tokenizer.get_vocab_size(with_added_tokens=True),
        special_tokens=tuple(specials),
        added_tokens=added,
        padding_side=str(config.get("padding_side", "right")),
        truncation_side=str(config.get("truncation_side", "right")),
        model_max_length=int(max_length) if max_length is not None else None,
        tokenizer_class=config.get("tokenizer_class"),
        files=files.found,
    )


def tokenize(tokenizer: Any, text: str, add_special_tokens: bool = True) -> Tokenization:
    """Each token of ``text`` with its id, string and the piece of text it covers; tokens the
    post-processor adds and added special tokens are marked special."""
    truncated = len(text) > MAX_TEXT
    text = text[:MAX_TEXT]
    encoding = tokenizer.encode(text, add_special_tokens=add_special_tokens)
    special_ids = {i for i, t in tokenizer.get_added_tokens_decoder().items() if t.special}
    tokens, seen = [], 0
    for i, tok, (start, end), mask in zip(
        encoding.ids, encoding.tokens, encoding.offsets, encoding.special_tokens_mask, strict=True
    ):
        gap = text[seen:start] if start > seen else ""
        seen = max(seen, end)
        piece = text[start:end] if end > start else ""
        tokens.append(Token(i, tok, piece, bool(mask) or i in special_ids, gap))
    return Tokenization(text, tuple(tokens), truncated)


def _model_type(path: Path | None) -> str:
    """``model.type`` of tokenizer.json (the tokenizers API does not expose it by name)."""
    if path is None:
        return "?"
    try:
        with path.open(encoding="utf-8") as f:
            return str(json.load(f).get("model", {}).get("type", "?"))
    except (OSError, ValueError, AttributeError):
        return "?"
