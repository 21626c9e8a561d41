"""The seven Auto heads: which ones transformers supports for a config, and which to recommend.

Recommendation order, documented in the README:
1. ``architectures[0]`` of config.json, looked up in the seven tables (seq2seq before masked LM,
   since ``BartForConditionalGeneration`` is in both); a pre-training class (``BertForPreTraining``)
   falls back to the family's masked/causal LM head.
2. The Hub's ``transformersInfo.auto_model``, then its ``pipeline_tag`` (online only).
3. With no architectures and no Hub hint: the first supported head in the order
   CausalLM, Seq2SeqLM, MaskedLM, AutoModel.
An architecture found only in other tables (image-text, audio, …) is named with its own Auto
class and no text head is recommended for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.heads.registry import (
    BY_ARCH_PRIORITY,
    FALLBACK_ORDER,
    HEADS,
    PIPELINE_TO_HEAD,
)
from hfbrowse.core.source.auto_tables import model_tables


@dataclass(frozen=True)
class HeadOption:
    auto_class: str
    class_name: str  # the concrete class the Auto class resolves to for this model_type
    task: str


@dataclass(frozen=True)
class HeadReport:
    model_type: str | None
    architectures: tuple[str, ...]
    supported: tuple[HeadOption, ...]
    recommended: str | None
    reason: str
    other_auto_classes: tuple[str, ...] = ()  # non-text Auto classes claiming the architecture
    remote_code: bool = False

    def option(self, auto_class: str | None) -> HeadOption | None:
        return next((o for o in self.supported if o.auto_class == auto_class), None)

    def shown(self, wanted: str | None = None) -> str | None:
        """The head the panes, the console and ``--print`` show: ``wanted`` when this model
        supports it, else the recommended head, else the first supported one (so a model whose
        architecture belongs to another Auto class still shows the text head it has)."""
        if wanted is not None and self.option(wanted) is not None:
            return wanted
        if self.recommended is not None:
            return self.recommended
        return self.supported[0].auto_class if self.supported else None

    def next_head(self, current: str | None) -> str | None:
        """The supported head after ``current`` (wrapping), for the ``h`` key."""
        names = [o.auto_class for o in self.supported]
        if not names:
            return None
        if current not in names:
            return names[0]
        return names[(names.index(current) + 1) % len(names)]


def auto_class_for_table(table: str) -> str:
    """``MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES`` → ``AutoModelForImageTextToText``."""
    for head in HEADS:
        if head.table == table:
            return head.auto_class
    core = re.sub(r"^MODEL_(FOR_)?|_MAPPING_NAMES$", "", table)
    words = [w if w in {"LM", "CTC", "TDT", "RNNT"} else w.capitalize() for w in core.split("_")]
    return "AutoModelFor" + "".join(words) if core else "AutoModel"


def resolve_heads(
    config: dict[str, Any],
    hub_auto_model: str | None = None,
    hub_pipeline_tag: str | None = None,
) -> HeadReport:
    """Decide supported and recommended heads from a raw config (and optional Hub hints)."""
    tables = model_tables()
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    archs_raw = config.get("architectures")
    archs = tuple(a for a in archs_raw if isinstance(a, str)) if isinstance(archs_raw, list) else ()
    remote = isinstance(config.get("auto_map"), dict)

    supported = tuple(
        HeadOption(h.auto_class, tables[h.table][model_type], h.task)
        for h in HEADS
        if model_type and model_type in tables.get(h.table, {})
    )
    supported_names = {o.auto_class for o in supported}

    if not supported:
        if remote:
            reason = "custom code (auto_map): transformers has no built-in class for it"
        elif model_type:
            reason = f"model_type {model_type!r} has no text head in this transformers"
        else:
            reason = "config.json has no model_type"
        others = _other_tables(archs[0]) if archs else ()
        return HeadReport(model_type, archs, (), None, reason, others, remote)

    if archs:
        arch = archs[0]
        for head in BY_ARCH_PRIORITY:
            if arch in tables.get(head.table, {}).values() and head.auto_class in supported_names:
                return HeadReport(
                    model_type,
                    archs,
                    supported,
                    head.auto_class,
                    f"from architectures: {arch}",
                    remote_code=remote,
                )
        if arch in tables.get("MODEL_FOR_PRETRAINING_MAPPING_NAMES", {}).values():
            for name in ("AutoModelForMaskedLM", "AutoModelForCausalLM", "AutoModelForSeq2SeqLM"):
                if name in supported_names:
                    return HeadReport(
                        model_type,
                        archs,
                        supported,
                        name,
                        f"{arch} is a pre-training class; its family's {name[12:]} head",
                        remote_code=remote,
                    )
        others = _other_tables(arch)
        if others:
            return HeadReport(
                model_type,
                archs,
                supported,
                None,
                f"{arch} belongs to {', '.join(others)}, none of the seven text heads",
                others,
                remote,
            )

    if hub_auto_model in supported_names:
        return HeadReport(
            model_type,
            archs,
            supported,
            hub_auto_model,
            "from the Hub (transformersInfo)",
            remote_code=remote,
        )
    piped = PIPELINE_TO_HEAD.get(hub_pipeline_tag or "")
    if piped in supported_names:
        return HeadReport(
            model_type,
            archs,
            supported,
            piped,
            f"from the Hub's pipeline_tag {hub_pipeline_tag}",
            remote_code=remote,
        )
    for name in FALLBACK_ORDER:
        if name in supported_names:
            why = (
                "no architectures in config.json"
                if not archs
                else f"{archs[0]} is not in the tables"
            )
            return HeadReport(
                model_type,
                archs,
                supported,
                name,
                f"{why}; first supported of CausalLM, Seq2SeqLM, MaskedLM, AutoModel",
                remote_code=remote,
            )
    return HeadReport(
        model_type,
        archs,
        supported,
        supported[0].auto_class,
        "first supported head",
        remote_code=remote,
    )


def _other_tables(arch: str) -> tuple[str, ...]:
    """Non-text Auto classes whose table lists ``arch``."""
    ours = {h.table for h in HEADS} | {"MODEL_FOR_PRETRAINING_MAPPING_NAMES"}
    return tuple(
        auto_class_for_table(name)
        for name, table in model_tables().items()
        if name not in ours and arch in table.values()
    )
