"""One console run, start to end: checks, download, load (or reuse), the head, the snippet.

The TUI calls ``run`` from a thread worker and the CLI calls it directly; both get the same
``RunResult``. Whatever the user must accept first comes back as ``NeedsConfirmation`` (before
any weight byte is read); refusals and bad input are ``RunError`` with a one-line message.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.console import snippets
from hfbrowse.core.console.chat import CAUSAL_LM, ChatMessage
from hfbrowse.core.console.errors import RunCancelled, RunError
from hfbrowse.core.console.heads import HeadCall
from hfbrowse.core.console.inputs import require_text
from hfbrowse.core.console.placement import execution_device, split_notice
from hfbrowse.core.console.preflight import (
    CONFIRM_MEMORY,
    Confirmation,
    WeightFiles,
    combined_table,
    confirmations,
    local_files,
    refuse_remote_code,
    require_tokenizer,
    weight_files_of,
)
from hfbrowse.core.console.results import RunResult, Timing
from hfbrowse.core.console.session import (
    LoadedModel,
    LoadKey,
    ModelSession,
    gc_paused,
    load_kwargs,
    normalise_dtype,
    resolve_device,
)
from hfbrowse.core.console.settings import (
    GenerationSettings,
    apply_overrides,
    defaults_for,
)
from hfbrowse.core.console.targets import RunTarget, dequantised_table, resolve_target
from hfbrowse.core.heads.registry import HEAD_NAMES, head_spec
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_checkpoint
from hfbrowse.core.torch_check import require_torch

ProgressFn = Callable[[str, int | None, int | None], None]  # label, done, total (None: unknown)

# The phases of a run, reported through ``RunHooks.progress`` as the label's first words, in
# this order (each only when it happens): the console shows the current one with the time
# since Enter, so a first run is never a silent wait.
PHASE_CHECKING = "checking the model's files"
PHASE_IMPORTING = "importing torch"
PHASE_DOWNLOADING = "downloading"  # "downloading 2/5 files: vocab.json" + bytes done/total
PHASE_LOADING = "loading"  # "loading tiny-gpt2 (AutoModelForCausalLM) on cpu"
PHASE_RUNNING = "running"  # "running AutoModelForSeq2SeqLM: beam search, 4 beams"


class NeedsConfirmation(RunError):
    """The run waits for the user to accept each of ``asks`` (then run again with them)."""

    def __init__(self, asks: list[Confirmation]) -> None:
        super().__init__(" ".join(a.question for a in asks))
        self.asks = tuple(asks)


@dataclass(frozen=True)
class RunRequest:
    head: str
    text: str
    overrides: dict[str, Any] = field(default_factory=dict)  # from /set
    device: str | None = None
    dtype: str | None = None
    trust_remote_code: bool = False
    confirmed: frozenset[str] = frozenset()
    chat: tuple[ChatMessage, ...] | None = None  # chat mode: the conversation, new turn last
    device_map: str | None = None  # in-process: accelerate's dispatch over GPUs/CPU/disk
    max_memory: tuple[tuple[str, str], ...] = ()
    gguf_file: str | None = None  # run this GGUF file of the model (dequantised)


@dataclass
class RunHooks:
    """How a run reports back while it works; all optional, all called from the run's thread."""

    cancel: threading.Event = field(default_factory=threading.Event)
    progress: ProgressFn | None = None
    on_text: Callable[[str], None] | None = None  # the generated text so far (streaming)


def runnable_head(
    facts: ModelFacts, head: str | None, trust_remote_code: bool, remote: bool = False
) -> str:
    """The head a run will use, or why the model cannot run (remote code is refused first).

    With --trust-remote-code, a model whose classes exist only in its repo runs the Auto class
    its ``auto_map`` names. On a remote backend (``remote``) no code of the repo runs here:
    the shown head goes to the server as it is.
    """
    if remote:
        if head is None:
            raise RunError(f"no text head to run: {facts.heads.reason}")
        return head
    refuse_remote_code(facts, trust_remote_code)
    auto_map = facts.config.get("auto_map")
    remote_heads = [h for h in HEAD_NAMES if isinstance(auto_map, dict) and h in auto_map]
    if trust_remote_code and remote_heads and (head is None or head in remote_heads):
        return head or remote_heads[0]
    if head is None:
        raise RunError(f"no text head to run: {facts.heads.reason}")
    if facts.heads.option(head) is None:
        raise RunError(
            f"{head} has no class for model_type {facts.model_type!r}: press h for another head"
        )
    return head


def settings_for(loaded: LoadedModel, overrides: dict[str, Any]) -> GenerationSettings:
    """The model's generation defaults with the user's ``/set`` values on top."""
    return apply_overrides(defaults_for(loaded.key.head, loaded.generation_config), overrides)


def run(
    request: RunRequest,
    facts: ModelFacts,
    session: ModelSession,
    gateway: HubGateway,
    table: TensorTable | None = None,
    hooks: RunHooks | None = None,
) -> RunResult:
    """One run. ``facts`` are the model on screen: a model, a PEFT adapter (its base loads,
    then the adapter on it) or, with ``request.gguf_file``, a GGUF file's derived config;
    ``table`` its tensor table (the adapter's own, the GGUF header's) for the memory check."""
    hooks = hooks or RunHooks()
    require_text(request.text)
    if facts.adapter is None and request.gguf_file is None:
        runnable_head(facts, request.head, request.trust_remote_code)
    else:  # peft and transformers' GGUF loader need torch: say that first
        require_torch("the console")
    dtype = normalise_dtype(request.dtype)
    target = _target(facts, request, session, gateway)
    if target.adapter is not None:  # the base's own rules: remote code, a head it has
        runnable_head(target.facts, target.head, request.trust_remote_code)
    request = replace(request, head=target.head)
    base = target.facts
    ref = base.ref
    files: list[str] | None = None
    held = session.loaded
    if held is None or _source_of(held.key) != _source(target):
        _report(hooks, PHASE_CHECKING, None, None)
        if target.gguf_file is None:
            files = _repo_files(base, gateway)
            require_tokenizer(base, files)  # a model that cannot run says so before anything
    require_torch("the console")  # before any download: without torch nothing could run
    if "torch" not in sys.modules:
        _report(hooks, PHASE_IMPORTING, None, None)
    with gc_paused(when="torch" not in sys.modules):
        device = resolve_device(request.device)  # the first call imports torch
    key = LoadKey(
        ref.id,
        ref.revision,
        request.head,
        device,
        dtype,
        request.trust_remote_code,
        request.device_map,
        request.max_memory,
        target.adapter_id,
        target.adapter_revision,
        target.gguf_file,
    )
    loaded = session.get(key)
    fresh = loaded is None
    if loaded is None:
        with gc_paused():
            loaded = _load(key, request, target, session, gateway, table, hooks, files)
    notices: list[str] = []
    if fresh and (split := split_notice(loaded.device_map)):
        notices.append(split)
    if (random := loaded.random_notice()) is not None:
        notices.append(random)
    if (what := _what_ran(target, loaded, table)) is not None:
        notices.append(what)
    _report(hooks, running_label(loaded, request), None, None)
    started = time.perf_counter()
    output, body = _run_head(loaded, request, hooks, notices)
    run_s = time.perf_counter() - started
    snippet = snippets.full(
        snippets.SnippetModel(
            model_id=ref.id,
            revision=ref.revision,
            head=request.head,
            device=str(execution_device(loaded.model)) if key.device_map else device,
            load_kwargs=load_kwargs(
                loaded.checkpoint, dtype, request.trust_remote_code, key.placement()
            ),
            adapter_id=target.adapter_id,
            adapter_revision=target.adapter_revision,
        ),
        body,
    )
    return RunResult(
        model=ref.id,
        head=request.head,
        model_class=loaded.model_class,
        device=loaded.device,
        dtype=loaded.dtype,
        input=request.text,
        output=output,
        timing=Timing(loaded.load_s if fresh else None, run_s, getattr(output, "new_tokens", None)),
        notices=tuple(notices),
        snippet=snippet,
        where=loaded.device,
        adapter=target.adapter_id,
        gguf_file=target.gguf_file,
    )


def _target(
    facts: ModelFacts, request: RunRequest, session: ModelSession, gateway: HubGateway
) -> RunTarget:
    """What loads (``targets.resolve_target``); an adapter's base is opened once per adapter
    and head, not at every run."""
    if facts.adapter is None:
        return resolve_target(facts, request.head, gateway, request.gguf_file)
    memo = (facts.ref, request.head)
    found = session.targets.get(memo)
    if found is None:
        found = resolve_target(facts, request.head, gateway)
        session.targets[memo] = found
    return found


def _source(target: RunTarget) -> tuple[Any, ...]:
    ref = target.facts.ref
    return (ref.id, ref.revision, target.adapter_id, target.adapter_revision, target.gguf_file)


def _source_of(key: LoadKey) -> tuple[Any, ...]:
    return (key.model, key.revision, key.adapter, key.adapter_revision, key.gguf_file)


def _what_ran(target: RunTarget, loaded: LoadedModel, table: TensorTable | None) -> str | None:
    """One line for a run that is not a plain checkpoint: base + adapter, or GGUF dequantised."""
    if target.adapter is not None:
        config = target.adapter.adapter
        method = config.method if config is not None else "PEFT"
        return (
            f"{method} adapter {target.adapter.ref.display} on its base"
            f" {target.facts.ref.display} (peft; {loaded.model_class})"
        )
    if target.gguf_file is not None:
        types = ", ".join(t.dtype for t in table.totals) if table is not None else "?"
        # transformers keeps a few architectures' weights packed (its GGUF kernels): say so
        packed = sum(type(m).__name__.startswith("Gguf") for m in loaded.model.modules())
        kept = f"; {packed} layers kept packed (GGUF kernels)" if packed else ""
        return (
            f"{target.gguf_file}: GGUF ({types}) dequantised to {loaded.dtype} by"
            f" transformers{kept}"
        )
    return None


def _load(
    key: LoadKey,
    request: RunRequest,
    target: RunTarget,
    session: ModelSession,
    gateway: HubGateway,
    table: TensorTable | None,
    hooks: RunHooks,
    files: list[str] | None = None,
) -> LoadedModel:
    facts = target.facts
    if target.gguf_file is not None:
        checkpoint = WeightFiles("gguf", (target.gguf_file,))
        if table is not None:  # weighed as it will be: dequantised, not as stored
            table = dequantised_table(table, key.dtype)
    else:
        files = files if files is not None else _repo_files(facts, gateway)
        found = weight_files_of(files)
        if found is None:
            raise RunError(
                f"{facts.ref.display} has no weights to load (no safetensors, no pytorch_model.bin)"
            )
        checkpoint = found
        adapter_table = table if target.adapter is not None else None
        if table is None or target.adapter is not None:
            table = _tensor_table(facts, gateway, key.head)
        if table is not None and adapter_table is not None:  # base + adapter
            table = combined_table(table, adapter_table)
    asks = [
        ask
        for ask in confirmations(facts, checkpoint, table, key.device, key.dtype)
        if ask.key not in request.confirmed
    ]
    if key.device_map is not None:  # accelerate fits the model to --max-memory / disk itself
        asks = [ask for ask in asks if ask.key != CONFIRM_MEMORY]
    if asks:
        raise NeedsConfirmation(asks)

    def progress(label: str, done: int | None, total: int | None) -> None:
        _report(hooks, f"{PHASE_DOWNLOADING} {label}", done, total)

    if facts.ref.is_local:
        folder = Path(facts.ref.id)
    elif target.gguf_file is not None:
        from hfbrowse.core.console.download import fetch_files

        folder = fetch_files(
            facts.ref, gateway, facts.ref.revision, (target.gguf_file,), progress, hooks.cancel
        )
    else:
        from hfbrowse.core.console.download import fetch_model

        folder = fetch_model(
            facts.ref,
            gateway,
            facts.hub.sha if facts.hub else None,
            tuple(files or ()),
            checkpoint,
            progress,
            hooks.cancel,
        )
    adapter_folder = _adapter_folder(target, gateway, progress, hooks) if target.adapter else None
    if hooks.cancel.is_set():
        raise RunCancelled("stopped before loading the model")
    also = "" if "transformers" in sys.modules else ", importing transformers first"
    on = f"device_map={key.device_map}" if key.device_map is not None else key.device
    if key.max_memory:
        on += " (max_memory " + ", ".join(f"{d}={m}" for d, m in key.max_memory) + ")"
    what = facts.ref.display
    if target.gguf_file is not None:
        what = f"{target.gguf_file} (GGUF, dequantised)"
    elif target.adapter is not None:
        what = f"{what} + adapter {target.adapter.ref.display}"
    where = f"{what} ({key.head}) on {on}{also}"
    _report(hooks, f"{PHASE_LOADING} {where}", None, None)
    loaded = session.load(key, folder, checkpoint, adapter_folder)
    if hooks.cancel.is_set():
        raise RunCancelled("stopped: the model is loaded, the run did not start")
    return loaded


def _adapter_folder(
    target: RunTarget, gateway: HubGateway, progress: ProgressFn, hooks: RunHooks
) -> Path:
    """The adapter's config and weights on disk (its folder, or fetched into the HF cache)."""
    from hfbrowse.core.paths import ADAPTER_CONFIG, ADAPTER_WEIGHTS

    assert target.adapter is not None
    ref = target.adapter.ref
    names = (ADAPTER_CONFIG, ADAPTER_WEIGHTS)
    if ref.is_local:
        folder = Path(ref.id)
        if not (folder / ADAPTER_WEIGHTS).is_file():
            raise RunError(f"{ref.display} has no {ADAPTER_WEIGHTS}: nothing to put on the base")
        return folder
    hub = target.adapter.hub
    if hub is not None and hub.siblings and ADAPTER_WEIGHTS not in hub.siblings:
        raise RunError(f"{ref.display} has no {ADAPTER_WEIGHTS}: nothing to put on the base")
    from hfbrowse.core.console.download import fetch_files

    revision = hub.sha if hub is not None else ref.revision
    return fetch_files(ref, gateway, revision, names, progress, hooks.cancel)


def running_label(loaded: LoadedModel, request: RunRequest) -> str:
    """``running AutoModelForSeq2SeqLM: beam search, 4 beams`` (how a generation runs)."""
    label = f"{PHASE_RUNNING} {request.head}"
    if not head_spec(request.head).generates:
        return label
    settings = settings_for(loaded, request.overrides)
    if settings.num_beams > 1:
        how = f"beam search, {settings.num_beams} beams"
    else:
        how = "sampling" if settings.do_sample else "greedy"
    return f"{label}: {how}, up to {settings.max_new_tokens} new tokens"


def _report(hooks: RunHooks, label: str, done: int | None, total: int | None) -> None:
    if hooks.progress is not None:
        hooks.progress(label, done, total)


def _repo_files(facts: ModelFacts, gateway: HubGateway) -> list[str]:
    """The repo's top-level file names: the folder, the Hub's listing, or the cached snapshot."""
    ref = facts.ref
    if ref.is_local:
        return local_files(Path(ref.id))
    if facts.hub is not None and facts.hub.siblings:
        return list(facts.hub.siblings)
    revision = facts.hub.sha if facts.hub else ref.revision
    listed = gateway.online(
        ref, "file list", lambda: gateway.api().list_repo_files(ref.id, revision=revision)
    )
    if listed is not None:
        return list(listed)
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(ref.id, "config.json", revision=ref.revision)
    return local_files(Path(cached).parent) if isinstance(cached, str) else []


def _tensor_table(facts: ModelFacts, gateway: HubGateway, head: str) -> TensorTable | None:
    """The checkpoint's table (headers), or the head built on the meta device for .bin repos:
    what the memory check weighs before anything is loaded."""
    return load_checkpoint(facts, gateway, head).table


def _run_head(
    loaded: LoadedModel, request: RunRequest, hooks: RunHooks, notices: list[str]
) -> tuple[Any, str]:
    import torch

    spec = head_spec(request.head)
    call = HeadCall(
        notices=notices,
        cancel=hooks.cancel,
        on_text=hooks.on_text,
        settings=settings_for(loaded, request.overrides) if spec.generates else None,
        chat=request.chat,
    )
    runner = spec.load_runner()
    if request.chat is not None and request.head == CAUSAL_LM:
        from hfbrowse.core.console.heads import chat

        runner = chat.run
    try:
        return runner(loaded, request.text, call)
    except torch.OutOfMemoryError:
        raise RunError(
            f"out of memory on {loaded.key.device}: try a shorter input, fewer max_new_tokens"
            " or --dtype float16"
        ) from None
    except MemoryError:
        raise RunError("out of memory (RAM): try a shorter input") from None
