"""What a console run loads: a model, a PEFT adapter on its base, or one GGUF file dequantised.

The console and ``--run`` are handed the facts on screen. For a model they are what loads. An
adapter has no head of its own: its base (``base_model_name_or_path``) is opened by the same
stages as any model (the gateway, headers first) and loads as usual, then peft puts the adapter
on it (``PeftModel.from_pretrained``); the head is the one the adapter was trained for
(``task_type``) when the base has it, else the base's shown head. A GGUF file's facts are the
config transformers derives from it (``gguf_file=``), and it loads dequantised; an architecture
transformers cannot load is one line naming it and those it can, before any download.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hfbrowse.core.console.errors import RunError

if TYPE_CHECKING:
    from hfbrowse.core.checkpoint.tensors import TensorTable
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import ModelFacts

PEFT_EXTRA = "hfbrowse[peft]"
# PEFT's task_type → the Auto class peft wraps (as peft's AutoPeftModelFor* classes pair them).
TASK_HEADS = {
    "CAUSAL_LM": "AutoModelForCausalLM",
    "SEQ_2_SEQ_LM": "AutoModelForSeq2SeqLM",
    "SEQ_CLS": "AutoModelForSequenceClassification",
    "TOKEN_CLS": "AutoModelForTokenClassification",
    "QUESTION_ANS": "AutoModelForQuestionAnswering",
    "FEATURE_EXTRACTION": "AutoModel",
}
_NOT_ARCHITECTURES = {"general", "tokenizer", "tokenizer_config"}


@dataclass(frozen=True)
class RunTarget:
    """``facts``: the model whose weights load (the opened one, an adapter's base, or a GGUF
    file's derived config); ``adapter``: the adapter put on it; ``gguf_file``: load this file
    of ``facts.ref`` (dequantised) instead of its safetensors."""

    facts: ModelFacts
    head: str
    adapter: ModelFacts | None = None
    gguf_file: str | None = None

    @property
    def adapter_id(self) -> str | None:
        return self.adapter.ref.id if self.adapter is not None else None

    @property
    def adapter_revision(self) -> str | None:
        return self.adapter.ref.revision if self.adapter is not None else None


def peft_missing_line() -> str:
    """The one line a run of an adapter says when peft is not installed."""
    command = f"{shlex.quote(sys.executable)} -m pip install '{PEFT_EXTRA}'"
    return (
        "running base + adapter needs peft, which is not installed:"
        f" pip install '{PEFT_EXTRA}' (here: {command})"
    )


def require_peft() -> None:
    from hfbrowse.core.adapters import peft_installed

    if not peft_installed():
        raise RunError(peft_missing_line())


def adapter_head(adapter: ModelFacts, base: ModelFacts, wanted: str | None) -> str:
    """The head to run the adapter with: ``wanted`` when the base has it, else the adapter's
    ``task_type`` head, else the base's shown head."""
    heads = base.heads
    task = adapter.adapter.task_type if adapter.adapter is not None else None
    for head in (wanted, TASK_HEADS.get(task or "")):
        if head is not None and heads.option(head) is not None:
            return head
    shown = heads.shown(None)
    if shown is None:
        raise RunError(f"the base model {base.ref.display} has no text head: {heads.reason}")
    return shown


def console_head(facts: ModelFacts) -> str | None:
    """The head the console shows for an adapter before its base is read: its task_type's."""
    if facts.adapter is None:
        return None
    return TASK_HEADS.get(facts.adapter.task_type or "", "AutoModelForCausalLM")


def resolve_target(
    facts: ModelFacts, head: str | None, gateway: HubGateway, gguf_file: str | None = None
) -> RunTarget:
    """What this run loads (RunError with one line when it cannot: peft missing, an
    unreadable base, a GGUF architecture transformers cannot load)."""
    if gguf_file is not None:
        require_gguf_architecture(facts)
        if head is None:
            raise RunError(f"no text head to run: {facts.heads.reason}")
        return RunTarget(facts, head, gguf_file=gguf_file)
    if facts.adapter is None:
        if head is None:
            raise RunError(f"no text head to run: {facts.heads.reason}")
        return RunTarget(facts, head)
    require_peft()
    from hfbrowse.core.adapter_report import base_ref_of
    from hfbrowse.core.errors import HFBrowseError
    from hfbrowse.core.model import load_facts

    try:
        base = load_facts(base_ref_of(facts.adapter), gateway)
    except HFBrowseError as exc:
        raise RunError(f"the adapter's base model cannot be opened: {exc}") from None
    return RunTarget(base, adapter_head(facts, base, head), adapter=facts)


def gguf_architectures() -> list[str]:
    """The GGUF architectures transformers loads: its GGUF config mapping (no torch), and the
    ones its newer loader keeps packed (``GGUF_ARCHS``; that module needs torch)."""
    from transformers.integrations import GGUF_CONFIG_MAPPING

    names = set(GGUF_CONFIG_MAPPING) - _NOT_ARCHITECTURES
    try:
        from transformers.integrations.gguf.gguf_conversion_mapping import GGUF_ARCHS

        names |= set(GGUF_ARCHS)
    except Exception:  # torch missing, or a transformers without it: the mapping alone
        pass
    return sorted(names)


def require_gguf_architecture(facts: ModelFacts) -> None:
    """Refuse a GGUF file whose architecture transformers cannot load, naming both."""
    if facts.heads.model_type is not None and facts.heads.supported:
        return
    arch = facts.config.get("general.architecture") or facts.config.get("model_type") or "?"
    if arch in gguf_architectures():  # loadable: something else stopped the derivation
        raise RunError(f"transformers cannot read this GGUF file: {facts.heads.reason}")
    raise RunError(
        f"transformers cannot load GGUF architecture {arch!r} (gguf_file=); it loads:"
        f" {', '.join(gguf_architectures())}"
    )


def dequantised_table(table: TensorTable, dtype: str) -> TensorTable:
    """The GGUF tensor table as the weights will be once dequantised: every tensor at
    ``dtype``'s width (float32 when the dtype is the checkpoint's), not its quantised size."""
    from hfbrowse.core.checkpoint.tensors import make_table

    width = {"float16": 2, "bfloat16": 2}.get(dtype, 4)
    name = {"float16": "F16", "bfloat16": "BF16"}.get(dtype, "F32")
    rows = [replace(r, dtype=name, nbytes=r.parameters * width) for r in table.rows]
    return make_table(rows, table.source, sorted({r.file for r in rows}))
