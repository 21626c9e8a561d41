"""Real tokenizers trained offline on the docstring corpus, reproducible byte for byte.

The byte-level `BpeTrainer` of `tokenizers` is deterministic across processes; its
`WordPieceTrainer` and `UnigramTrainer` are not, so the WordPiece and Unigram vocabularies are
built here from word counts (ties broken alphabetically). Each vocabulary is then wrapped in the
model's own transformers tokenizer class, which installs that model's standard pipeline.
Heavy imports happen inside the functions.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter

from hfbrowse.demo.corpus import corpus_text

MODEL_MAX_LENGTH = 128
VOCAB_SIZE = 1000
GPT2_SPECIALS = ("<|endoftext|>",)
BART_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
T5_SPECIALS = ("<pad>", "</s>", "<unk>")


def _ranked(counts: Counter[str]) -> list[str]:
    """Most frequent first; ties alphabetical."""
    return sorted(counts, key=lambda k: (-counts[k], k))


Merges = tuple[tuple[str, str], ...]


@functools.cache
def _byte_level_bpe(specials: tuple[str, ...]) -> tuple[dict[str, int], Merges]:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=list(specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus_text().split("\n\n"), trainer=trainer)
    model = json.loads(tok.to_str())["model"]
    return dict(model["vocab"]), tuple(tuple(m) for m in model["merges"])


@functools.cache
def _wordpiece_vocab() -> tuple[str, ...]:
    from tokenizers import normalizers, pre_tokenizers

    text = normalizers.BertNormalizer(lowercase=True).normalize_str(corpus_text())
    words = Counter(w for w, _ in pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text))
    firsts: Counter[str] = Counter()
    rests: Counter[str] = Counter()
    for word, n in words.items():
        firsts[word[0]] += n
        for ch in word[1:]:
            rests[ch] += n
    vocab = list(BERT_SPECIALS) + _ranked(firsts) + ["##" + c for c in _ranked(rests)]
    seen = set(vocab)
    vocab += [w for w in _ranked(words) if w not in seen][: VOCAB_SIZE - len(vocab)]
    return tuple(vocab)


@functools.cache
def _unigram_vocab() -> tuple[tuple[str, float], ...]:
    pieces: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for chunk in corpus_text().split():
        chars.update(chunk)
        for i, part in enumerate(re.findall(r"\w+|\W", chunk)):
            if len(part) > 1 or i == 0:
                pieces["▁" + part if i == 0 else part] += 1
    total_pieces, total_chars = sum(pieces.values()), sum(chars.values())
    # Characters score far below words, so that Viterbi prefers whole-word pieces.
    vocab = [(s, 0.0) for s in T5_SPECIALS] + [("▁", -8.0)]
    vocab += [(c, round(math.log(chars[c] / total_chars) - 8.0, 4)) for c in _ranked(chars)]
    seen = {p for p, _ in vocab}
    words = [p for p in _ranked(pieces) if p not in seen][: VOCAB_SIZE - len(vocab)]
    vocab += [(p, round(math.log(pieces[p] / total_pieces), 4)) for p in words]
    return tuple(vocab)


def gpt2_tokenizer():
    from transformers import GPT2Tokenizer

    vocab, merges = _byte_level_bpe(GPT2_SPECIALS)
    eot = GPT2_SPECIALS[0]
    return GPT2Tokenizer(
        vocab=dict(vocab),
        merges=list(merges),
        unk_token=eot,
        bos_token=eot,
        eos_token=eot,
        pad_token=eot,
        model_max_length=MODEL_MAX_LENGTH,
    )


def bart_tokenizer():
    from transformers import BartTokenizer

    vocab, merges = _byte_level_bpe(BART_SPECIALS)
    return BartTokenizer(vocab=dict(vocab), merges=list(merges), model_max_length=MODEL_MAX_LENGTH)


def bert_tokenizer(class_name: str = "BertTokenizer"):
    import transformers

    cls = getattr(transformers, class_name)
    vocab = {tok: i for i, tok in enumerate(_wordpiece_vocab())}
    return cls(vocab=vocab, do_lower_case=True, model_max_length=MODEL_MAX_LENGTH)


def t5_tokenizer():
    from transformers import T5Tokenizer

    return T5Tokenizer(vocab=list(_unigram_vocab()), extra_ids=0, model_max_length=MODEL_MAX_LENGTH)
