"""Build tiny random-weight models with real tokenizers, offline and byte-for-byte reproducibly.

Used by `hfbrowse --demo` and by the test suite. Every model is saved with `save_pretrained`
(safetensors), so the code that opens it is the code that opens a Hub checkpoint. Each folder
gets a marker file, written last; a folder with a matching marker is never rebuilt.

torch is optional (the `hfbrowse[torch]` extra): without it, `demo.torchless` writes the same
config, tokenizer, card and safetensors layout with numpy weights, so `--demo` browses the same
models; its marker says so, and once torch is installed those folders are rebuilt with torch.

torch, transformers and tokenizers are imported only inside functions: the CLI imports this
module and must start fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.torch_check import torch_installed
from hfbrowse.demo import tokenizers_offline as toks

MARKER_FILE = ".hfbrowse-demo"
MARKER_VERSION = 1
SEED = 0
MAX_POSITIONS = toks.MODEL_MAX_LENGTH
NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
SST_LABELS = ("NEGATIVE", "POSITIVE")
# (model class name, its config object, its tokenizer): what `save_demo_model` builds and saves.
Recipe = tuple[str, Any, Any]


@dataclass(frozen=True)
class DemoSpec:
    name: str
    head: str
    description: str


DEMO_MODELS: tuple[DemoSpec, ...] = (
    DemoSpec("tiny-gpt2", "AutoModelForCausalLM", "GPT-2, byte-level BPE tokenizer"),
    DemoSpec("tiny-bert-mlm", "AutoModelForMaskedLM", "BERT masked LM, WordPiece tokenizer"),
    DemoSpec("tiny-bert-qa", "AutoModelForQuestionAnswering", "BERT extractive QA (span) head"),
    DemoSpec("tiny-bert-ner", "AutoModelForTokenClassification", "BERT NER, IOB2 PER/LOC/ORG"),
    DemoSpec(
        "tiny-distilbert-sst",
        "AutoModelForSequenceClassification",
        "DistilBERT sentiment classifier, NEGATIVE/POSITIVE",
    ),
    DemoSpec("tiny-bert-base", "AutoModel", "bare BERT encoder (feature extraction)"),
    DemoSpec("tiny-t5", "AutoModelForSeq2SeqLM", "T5 encoder-decoder, Unigram tokenizer"),
    DemoSpec("tiny-bart", "AutoModelForSeq2SeqLM", "BART encoder-decoder, byte-level BPE"),
)

_PIPELINE_TAGS = {
    "AutoModelForCausalLM": "text-generation",
    "AutoModelForMaskedLM": "fill-mask",
    "AutoModelForQuestionAnswering": "question-answering",
    "AutoModelForTokenClassification": "token-classification",
    "AutoModelForSequenceClassification": "text-classification",
    "AutoModel": "feature-extraction",
    "AutoModelForSeq2SeqLM": "text2text-generation",
}

_BERT_SIZE = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": MAX_POSITIONS,
}


def _labels(names: tuple[str, ...]) -> dict[str, Any]:
    return {"id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


def _bert(model_class: str, **extra: Any) -> Callable[[], Recipe]:
    def make() -> Recipe:
        from transformers import BertConfig

        tok = toks.bert_tokenizer()
        cfg = BertConfig(vocab_size=len(tok), pad_token_id=tok.pad_token_id, **_BERT_SIZE, **extra)
        return model_class, cfg, tok

    return make


def _gpt2() -> Recipe:
    from transformers import GPT2Config

    tok = toks.gpt2_tokenizer()
    cfg = GPT2Config(
        vocab_size=len(tok), n_positions=MAX_POSITIONS, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    return "GPT2LMHeadModel", cfg, tok


def _distilbert_sst() -> Recipe:
    from transformers import DistilBertConfig

    tok = toks.bert_tokenizer("DistilBertTokenizer")
    cfg = DistilBertConfig(
        vocab_size=len(tok), dim=32, n_layers=2, n_heads=2, hidden_dim=64,
        max_position_embeddings=MAX_POSITIONS, pad_token_id=tok.pad_token_id, **_labels(SST_LABELS),
    )  # fmt: skip
    return "DistilBertForSequenceClassification", cfg, tok


def _t5() -> Recipe:
    from transformers import T5Config

    tok = toks.t5_tokenizer()
    cfg = T5Config(
        vocab_size=len(tok), d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2,
        num_heads=2, relative_attention_num_buckets=8, n_positions=MAX_POSITIONS,
        relative_attention_max_distance=MAX_POSITIONS, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
    )  # fmt: skip
    return "T5ForConditionalGeneration", cfg, tok


def _bart() -> Recipe:
    from transformers import BartConfig

    tok = toks.bart_tokenizer()
    eos = tok.eos_token_id
    cfg = BartConfig(
        vocab_size=len(tok), d_model=32, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=MAX_POSITIONS, bos_token_id=tok.bos_token_id,
        pad_token_id=tok.pad_token_id, eos_token_id=eos, decoder_start_token_id=eos,
        forced_eos_token_id=eos,
    )  # fmt: skip
    return "BartForConditionalGeneration", cfg, tok


_RECIPES: dict[str, Callable[[], Recipe]] = {
    "tiny-gpt2": _gpt2,
    "tiny-bert-mlm": _bert("BertForMaskedLM"),
    "tiny-bert-qa": _bert("BertForQuestionAnswering"),
    "tiny-bert-ner": _bert("BertForTokenClassification", **_labels(NER_LABELS)),
    "tiny-distilbert-sst": _distilbert_sst,
    "tiny-bert-base": _bert("BertModel"),
    "tiny-t5": _t5,
    "tiny-bart": _bart,
}


def _instantiate(class_name: str, config: Any) -> Any:
    """Random weights from a fixed seed, without disturbing the caller's RNG state."""
    import torch
    import transformers

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = getattr(transformers, class_name)(config)
    return model.eval()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence transformers / huggingface_hub logging, progress bars and Python warnings."""
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )
    from transformers.utils import logging as tf_logging

    verbosity, tf_bars = tf_logging.get_verbosity(), tf_logging.is_progress_bar_enabled()
    hub_bars_off = are_progress_bars_disabled()
    tf_logging.set_verbosity_error()
    tf_logging.disable_progress_bar()
    disable_progress_bars()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        tf_logging.set_verbosity(verbosity)
        if tf_bars:
            tf_logging.enable_progress_bar()
        if not hub_bars_off:
            enable_progress_bars()


def _model_card(name: str, head: str, description: str, pipeline_tag: str | None) -> str:
    front = f"pipeline_tag: {pipeline_tag}\n" if pipeline_tag else ""
    return (
        f"---\n{front}library_name: transformers\ntags: [hfbrowse-demo]\n---\n\n# {name}\n\n"
        f"{description}.\n\nA **random-weight demo model** built offline by hfbrowse "
        f"(`hfbrowse.demo.builder`): it has a real tokenizer trained on Python standard-library "
        f"docstrings, but its weights are untrained, so its outputs are noise. "
        f"Recommended head: `{head}`.\n"
    )


def save_demo_model(name: str, folder: Path, **save_kwargs: Any) -> Any:
    """Build demo model `name`, save model, tokenizer and model card into `folder`; return the
    model (None when torch is not installed: then `demo.torchless` writes numpy weights)."""
    spec = next(s for s in DEMO_MODELS if s.name == name)
    class_name, config, tok = _RECIPES[name]()
    if torch_installed():
        model = _instantiate(class_name, config)
        model.save_pretrained(folder, **save_kwargs)
    else:
        from hfbrowse.demo import torchless

        model = None
        torchless.save_model(name, class_name, config, folder, **save_kwargs)
    tok.save_pretrained(folder)
    tag = _PIPELINE_TAGS[spec.head]
    card = _model_card(name, spec.head, spec.description, tag)
    (folder / "README.md").write_text(card, encoding="utf-8")
    return model


def _marker_text(name: str, head: str, *, numpy_weights: bool = False) -> str:
    fields: dict[str, Any] = {"name": name, "head": head, "version": MARKER_VERSION}
    if numpy_weights:
        fields["weights"] = "numpy (built without torch)"
    return json.dumps(fields, sort_keys=True)


def is_complete(folder: Path, head: str = "") -> bool:
    """True if `folder` holds the marker written last by a finished build of the same version.

    A folder built without torch (numpy weights) counts only while torch is still missing:
    once torch is installed it is rebuilt, so every torch user gets the same bytes."""
    marker = folder / MARKER_FILE
    try:
        text = marker.read_text(encoding="utf-8")
    except OSError:
        return False
    if text == _marker_text(folder.name, head):
        return True
    return not torch_installed() and text == _marker_text(folder.name, head, numpy_weights=True)


def _normalise_modes(folder: Path) -> None:
    """mkdtemp makes 0700 folders and safetensors 0.8 writes 0600 files: make them readable."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def ensure_built(dest: Path, name: str, head: str, build: Callable[[Path], None]) -> Path:
    """Build into a private temporary folder, write the marker last, then rename into place.

    Concurrent builders (e.g. pytest-xdist workers) each build privately; the first rename wins.
    """
    folder = dest / name
    if is_complete(folder, head):
        return folder
    try:
        dest.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=dest))
    except OSError as exc:  # HF_HOME is a file, read-only, full …
        raise HFBrowseError(
            f"cannot build the demo models in {dest}: {exc.strerror or exc}"
            " (set HF_HOME to a folder you can write to)."
        ) from None
    try:
        with quiet():
            build(tmp)
        _normalise_modes(tmp)
        marker = _marker_text(name, head, numpy_weights=not torch_installed())
        (tmp / MARKER_FILE).write_text(marker, encoding="utf-8")
        if folder.exists() and not is_complete(folder, head):
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # lost a race: another process put it in place
            os.rename(tmp, folder)
    except OSError as exc:
        raise HFBrowseError(
            f"cannot build demo model {name!r} in {dest}: {exc.strerror or exc}"
            " (set HF_HOME to a folder you can write to)."
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if not is_complete(folder, head):
        raise HFBrowseError(f"could not build demo model {name!r} in {dest}.")
    return folder


def build_demo_models(dest: Path, *, only: Iterable[str] | None = None) -> dict[str, Path]:
    """Build (idempotently: skip a model whose folder already has a complete marker file
    `.hfbrowse-demo` written last) the demo models into dest/<name>/ and return name -> folder."""
    dest = Path(dest)
    known = {s.name: s for s in DEMO_MODELS}
    if isinstance(only, str):
        only = [only]
    wanted = list(known) if only is None else list(dict.fromkeys(only))
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise KeyError(f"unknown demo model(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return {
        n: ensure_built(dest, n, known[n].head, lambda d, n=n: save_demo_model(n, d))
        for n in wanted
    }
