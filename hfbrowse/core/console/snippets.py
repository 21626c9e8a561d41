"""The Python that reproduces a console run, valid for the installed transformers (5.x).

Each head module builds its body from the exact arguments it used (tokenizer truncation, every
generate setting, the seed), so the snippet prints what the console showed. transformers 5
spellings: ``dtype=`` (not ``torch_dtype=``), no removed pipelines (QA is decoded by hand),
``use_safetensors=True`` / ``weights_only=True`` as the console loaded it. The tests execute
these snippets in a subprocess and compare their output with the run's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SnippetModel:
    """How the model was loaded, as the snippet's header repeats it."""

    model_id: str
    revision: str | None
    head: str
    device: str
    load_kwargs: dict[str, Any]  # session.load_kwargs(): dtype as a name or "auto"
    adapter_id: str | None = None  # a PEFT adapter put on the model
    adapter_revision: str | None = None


def _kwargs(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_literal(k, v)}" for k, v in values.items())


def _literal(key: str, value: Any) -> str:
    if key == "dtype" and value != "auto":
        return f"torch.{value}"
    return repr(value)


def header(m: SnippetModel) -> str:
    source = {"revision": m.revision} if m.revision else {}
    trust = {"trust_remote_code": True} if m.load_kwargs.get("trust_remote_code") else {}
    gguf = {"gguf_file": m.load_kwargs["gguf_file"]} if "gguf_file" in m.load_kwargs else {}
    tok_args = "".join(f", {kw}" for kw in [_kwargs(source | trust | gguf)] if kw)
    model_args = _kwargs(source | m.load_kwargs)
    # A dispatched model (device_map) is placed by accelerate: moving it would undo that.
    to_device = "" if "device_map" in m.load_kwargs else f".to({m.device!r})"
    if m.adapter_id is None:
        return (
            "import torch\n"
            f"from transformers import {m.head}, AutoTokenizer\n\n"
            f"model_id = {m.model_id!r}\n"
            f"tokenizer = AutoTokenizer.from_pretrained(model_id{tok_args})\n"
            f"model = {m.head}.from_pretrained(model_id, {model_args}){to_device}\n"
        )
    adapter_id, revision = m.adapter_id, m.adapter_revision
    adapter_args = f", revision={revision!r}" if revision else ""
    return (
        "import torch\n"
        "from peft import PeftModel\n"
        f"from transformers import {m.head}, AutoTokenizer\n\n"
        f"model_id = {m.model_id!r}  # the adapter's base_model_name_or_path\n"
        f"adapter_id = {adapter_id!r}\n"
        f"tokenizer = AutoTokenizer.from_pretrained(model_id{tok_args})\n"
        f"model = {m.head}.from_pretrained(model_id, {model_args})\n"
        f"model = PeftModel.from_pretrained(model, adapter_id{adapter_args}){to_device}\n"
    )


def full(m: SnippetModel, body: str) -> str:
    if "device_map" in m.load_kwargs:
        # A model whose first layers were offloaded reports "meta" as model.device: inputs go
        # where accelerate runs the layers (m.device: the execution device).
        where = f"input_device = {m.device!r}  # where accelerate runs the offloaded layers\n"
        body = body.replace("model.device", "input_device")
        return header(m) + where + "\n" + body.rstrip() + "\n"
    return header(m) + "\n" + body.rstrip() + "\n"


def tokenize_call(args: str, call_kwargs: dict[str, Any], extra: str = "") -> str:
    rest = _kwargs(call_kwargs)
    return f'tokenizer({args}, return_tensors="pt"{", " + rest if rest else ""}{extra})'
