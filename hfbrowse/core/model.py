"""Opening a model, in the stages the UI draws: facts (config + heads), tensors, source.

Each stage is a plain function returning a frozen dataclass, so the UI can run it in a thread
worker and the CLI can call it directly. Stages 1–2 never import torch; the meta-device fallback
and the inspect-based source fallback do, and are only reached when needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorTable, local_tensor_table, table_from_headers
from hfbrowse.core.config.tree import read_config
from hfbrowse.core.errors import MalformedConfig, ModelNotFound, NoCheckpoint
from hfbrowse.core.heads.resolve import HeadReport, resolve_heads
from hfbrowse.core.hub.gateway import HubFacts, HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.classes import ClassSource, class_source


@dataclass(frozen=True)
class ModelFacts:
    """Stage 1: the raw config and what it implies (heads), plus Hub facts when online."""

    ref: ModelRef
    config: dict[str, Any]
    config_file: str
    heads: HeadReport
    hub: HubFacts | None
    offline: bool

    @property
    def model_type(self) -> str | None:
        return self.heads.model_type


def load_facts(ref: ModelRef, gateway: HubGateway) -> ModelFacts:
    """config.json (raw) + heads. For Hub ids: one ``model_info`` and one file download."""
    if ref.is_local:
        folder = Path(ref.id)
        if not folder.is_dir():
            raise ModelNotFound(f"No such folder: {ref.id}")
        config_path = folder / "config.json"
        if not config_path.is_file():
            raise MalformedConfig(f"{folder.name} has no config.json: is it a model folder?")
        config = read_config(config_path)
        return ModelFacts(ref, config, str(config_path), resolve_heads(config), None, False)
    hub = gateway.model_facts(ref)
    if hub is not None and hub.siblings and "config.json" not in hub.siblings:
        raise MalformedConfig(f"{ref.id} has no config.json (is it a transformers model?).")
    config_path = gateway.fetch_file(ref, "config.json")
    config = read_config(config_path)
    heads = resolve_heads(
        config,
        hub_auto_model=hub.auto_model if hub else None,
        hub_pipeline_tag=hub.pipeline_tag if hub else None,
    )
    return ModelFacts(ref, config, str(config_path), heads, hub, gateway.offline)


def load_tensors(facts: ModelFacts, gateway: HubGateway) -> TensorTable:
    """Stage 2: the tensor table from safetensors headers; NoCheckpoint when there are none."""
    ref = facts.ref
    if ref.is_local:
        return local_tensor_table(Path(ref.id))
    hub = facts.hub
    if (
        hub is not None
        and hub.siblings
        and not any(s.endswith(".safetensors") for s in hub.siblings)
    ):
        others = [s for s in hub.siblings if s.endswith((".bin", ".pt", ".pth", ".gguf"))]
        hint = f" (found {', '.join(others[:3])})" if others else ""
        raise NoCheckpoint(f"No safetensors checkpoint in {ref.id}{hint}.")
    headers = gateway.safetensors_headers(
        ref, hub.sha if hub else None, hub.siblings if hub else ()
    )
    return table_from_headers(headers)


def load_source(facts: ModelFacts, auto_class: str | None) -> ClassSource | None:
    """Stage 3: ``__init__``/``forward`` of the class ``auto_class`` resolves to (ast, no torch)."""
    option = facts.heads.option(auto_class)
    if option is None:
        return None
    found = class_source(option.class_name, facts.model_type)
    if found.file is None or found.missing:
        from hfbrowse.core.heads.meta_model import import_transformers_class
        from hfbrowse.core.source.classes import source_via_inspect

        cls = import_transformers_class(option.class_name)
        if cls is not None:
            return source_via_inspect(cls)
    return found
