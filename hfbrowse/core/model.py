"""Opening a model, in the stages the UI draws: facts (config + heads), checkpoint, source.

Each stage is a plain function returning a frozen dataclass, so the UI can run it in a thread
worker and the CLI, the console and the tests call the same functions: there is one way to
open a model. Stages 1–2 never import torch unless the model has no safetensors, where the
checkpoint stage builds the shown head on the meta device (the one place that fallback lives).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from hfbrowse.core.checkpoint.quantization import QuantizedCounts, quantized_counts
from hfbrowse.core.checkpoint.tensors import (
    SOURCE_HEADERS,
    TensorTable,
    local_tensor_table,
    table_from_headers,
)
from hfbrowse.core.config.tree import read_config
from hfbrowse.core.errors import (
    HFBrowseError,
    MalformedConfig,
    ModelNotFound,
    NoCheckpoint,
    OfflineError,
    as_user_error,
)
from hfbrowse.core.heads.resolve import HeadReport, resolve_heads
from hfbrowse.core.hub.gateway import HubFacts, HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.paths import ADAPTER_CONFIG
from hfbrowse.core.source.classes import ClassSource, class_source

if TYPE_CHECKING:  # the adapter reader is imported when a folder has adapter_config.json
    from hfbrowse.core.adapters import AdapterConfig

ADAPTER_NO_HEAD = "a PEFT adapter: its base model has the heads (b opens it)"


@dataclass(frozen=True)
class ModelFacts:
    """Stage 1: the raw config and what it implies (heads), plus Hub facts when online."""

    ref: ModelRef
    config: dict[str, Any]
    config_file: str
    heads: HeadReport
    hub: HubFacts | None
    offline: bool
    adapter: AdapterConfig | None = None  # a PEFT adapter (adapter_config.json)

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
        adapter_path = folder / ADAPTER_CONFIG
        adapter = None
        if adapter_path.exists() or adapter_path.is_symlink():  # read through the folder checks
            from hfbrowse.core.adapters import read_adapter_config

            adapter = read_adapter_config(adapter_path)
        if not config_path.exists() and not config_path.is_symlink():
            if adapter is not None:
                return _adapter_facts(ref, adapter, str(adapter_path), None, False)
            raise MalformedConfig(f"{folder.name} has no config.json: is it a model folder?")
        config = read_config(config_path)
        heads = resolve_heads(config)
        return ModelFacts(ref, config, str(config_path), heads, None, False, adapter)
    hub = gateway.model_facts(ref)
    adapter = None
    if hub is None or ADAPTER_CONFIG in hub.siblings:  # offline: the cache may hold it
        adapter = _hub_adapter(ref, gateway, required=hub is not None)
    if hub is not None and hub.siblings and "config.json" not in hub.siblings:
        if adapter is not None:
            return _adapter_facts(ref, adapter, ADAPTER_CONFIG, hub, gateway.offline)
        raise MalformedConfig(f"{ref.id} has no config.json (is it a transformers model?).")
    try:
        config_path = gateway.fetch_file(ref, "config.json")
    except HFBrowseError:
        if adapter is None:
            raise
        return _adapter_facts(ref, adapter, ADAPTER_CONFIG, hub, gateway.offline)
    config = read_config(config_path)
    heads = resolve_heads(
        config,
        hub_auto_model=hub.auto_model if hub else None,
        hub_pipeline_tag=hub.pipeline_tag if hub else None,
    )
    return ModelFacts(ref, config, str(config_path), heads, hub, gateway.offline, adapter)


def _adapter_facts(
    ref: ModelRef, adapter: AdapterConfig, file: str, hub: HubFacts | None, offline: bool
) -> ModelFacts:
    """An adapter without a config.json of its own: its config is adapter_config.json, and it
    has no head (the base has them: ``b`` / ``adapter.base_model`` opens it)."""
    heads = replace(resolve_heads({}), reason=ADAPTER_NO_HEAD)
    return ModelFacts(ref, adapter.raw, file, heads, hub, offline, adapter)


def _hub_adapter(ref: ModelRef, gateway: HubGateway, required: bool) -> AdapterConfig | None:
    """adapter_config.json of a Hub repo: read when the listing names it (``required``), or
    tried in the cache when offline (no request: a model without one costs nothing)."""
    from hfbrowse.core.adapters import read_adapter_config

    try:
        return read_adapter_config(gateway.fetch_file(ref, ADAPTER_CONFIG))
    except (ModelNotFound, OfflineError):
        if required:
            raise
        return None


@dataclass(frozen=True)
class Checkpoint:
    """Stage 2: the model's tensors as far as they are known without reading a weight.

    ``table`` comes from the safetensors headers, or, for a repo without safetensors, from the
    shown head built on the meta device (``notice`` says so); ``error`` says why there is none.
    """

    table: TensorTable | None
    counts: QuantizedCounts | None = None  # quantisation-aware counts (headers only)
    error: HFBrowseError | None = None
    notice: str | None = None
    hub_parameters: int | None = None  # the Hub's safetensors total, when there is no table

    @property
    def from_headers(self) -> bool:
        return self.table is not None and self.table.source == SOURCE_HEADERS

    @property
    def parameters(self) -> int | None:
        """The model's parameter count as every front end shows it: the logical (unpacked)
        count of a quantised checkpoint, the table's total otherwise, else the Hub's figure."""
        if self.counts is not None and self.counts.quantized:
            return self.counts.logical_parameters
        if self.table is not None:
            return self.table.parameters
        return self.hub_parameters


@overload
def load_checkpoint(
    facts: ModelFacts,
    gateway: HubGateway,
    head: str | None,
    on_meta_fallback: Callable[[str, HFBrowseError], None] | None = None,
    *,
    build_meta: Literal[True] = True,
) -> Checkpoint: ...


@overload
def load_checkpoint(
    facts: ModelFacts,
    gateway: HubGateway,
    head: str | None,
    on_meta_fallback: Callable[[str, HFBrowseError], None] | None = None,
    *,
    build_meta: bool,
) -> Checkpoint | None: ...


def load_checkpoint(
    facts: ModelFacts,
    gateway: HubGateway,
    head: str | None,
    on_meta_fallback: Callable[[str, HFBrowseError], None] | None = None,
    *,
    build_meta: bool = True,
) -> Checkpoint | None:
    """Stage 2, never raising: headers → table (+ quantisation counts); no safetensors →
    ``head`` built on the meta device (imports torch; ``on_meta_fallback`` is told first).
    With ``build_meta=False`` that case returns None: the caller builds it later."""
    hub_total = facts.hub.safetensors_total if facts.hub else None
    notice = None
    try:
        table = load_tensors(facts, gateway)
    except NoCheckpoint as missing:
        if head is None:
            return Checkpoint(None, error=missing, hub_parameters=hub_total)
        if not build_meta:
            return None
        if on_meta_fallback is not None:
            on_meta_fallback(head, missing)
        try:
            from hfbrowse.core.heads.meta_model import meta_tensor_table

            table = meta_tensor_table(facts.config, head)
        except Exception as exc:
            why = as_user_error(exc)  # the type stays (TorchMissing says what to install)
            return Checkpoint(None, error=type(why)(f"{missing} {why}"), hub_parameters=hub_total)
        notice = f"{missing} Shapes below are {head} built from config.json."
    except Exception as exc:
        return Checkpoint(None, error=as_user_error(exc), hub_parameters=hub_total)
    try:
        counts = quantized_counts(table, facts.config)
    except Exception as exc:  # a hostile quantization_config: count as stored, say why
        return Checkpoint(table, notice=f"quantisation not interpreted: {as_user_error(exc)}")
    return Checkpoint(table, counts, notice=notice, hub_parameters=hub_total)


@dataclass(frozen=True)
class Prefetch:
    """A model being opened in a background thread since before the UI was imported: its
    config and headers are read while Python imports Textual, so the first frame can show them.
    The result is ``(facts, checkpoint)``; the checkpoint is None when it needs the meta device
    (left to the UI's worker, which reports that stage)."""

    ref: ModelRef
    future: Future[tuple[ModelFacts, Checkpoint | None]]


def prefetch(ref: ModelRef, gateway: HubGateway, head: str | None) -> Prefetch:
    """Start opening ``ref`` now, in a daemon thread (quitting never waits for it)."""
    future: Future[tuple[ModelFacts, Checkpoint | None]] = Future()

    def work() -> None:
        try:
            facts = load_facts(ref, gateway)
            shown = facts.heads.shown(head)
            future.set_result((facts, load_checkpoint(facts, gateway, shown, build_meta=False)))
        except BaseException as exc:  # handed to whoever takes the result
            future.set_exception(exc)

    threading.Thread(target=work, name="hfbrowse-prefetch", daemon=True).start()
    return Prefetch(ref, future)


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
