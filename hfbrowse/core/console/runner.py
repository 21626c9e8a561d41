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
from dataclasses import dataclass, field
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
    hooks = hooks or RunHooks()
    require_text(request.text)
    runnable_head(facts, request.head, request.trust_remote_code)
    dtype = normalise_dtype(request.dtype)
    ref = facts.ref
    files: list[str] | None = None
    held = session.loaded
    if held is None or (held.key.model, held.key.revision) != (ref.id, ref.revision):
        _report(hooks, PHASE_CHECKING, None, None)
        files = _repo_files(facts, gateway)
        require_tokenizer(facts, files)  # a model that cannot run says so before anything else
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
    )
    loaded = session.get(key)
    fresh = loaded is None
    if loaded is None:
        with gc_paused():
            loaded = _load(key, request, facts, session, gateway, table, hooks, files)
    notices: list[str] = []
    if fresh and (split := split_notice(loaded.device_map)):
        notices.append(split)
    if (random := loaded.random_notice()) is not None:
        notices.append(random)
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
    )


def _load(
    key: LoadKey,
    request: RunRequest,
    facts: ModelFacts,
    session: ModelSession,
    gateway: HubGateway,
    table: TensorTable | None,
    hooks: RunHooks,
    files: list[str] | None = None,
) -> LoadedModel:
    files = files if files is not None else _repo_files(facts, gateway)
    checkpoint = weight_files_of(files)
    if checkpoint is None:
        raise RunError(
            f"{facts.ref.display} has no weights to load (no safetensors, no pytorch_model.bin)"
        )
    if table is None:
        table = _tensor_table(facts, gateway, key.head)
    asks = [
        ask
        for ask in confirmations(facts, checkpoint, table, key.device, key.dtype)
        if ask.key not in request.confirmed
    ]
    if key.device_map is not None:  # accelerate fits the model to --max-memory / disk itself
        asks = [ask for ask in asks if ask.key != CONFIRM_MEMORY]
    if asks:
        raise NeedsConfirmation(asks)
    if facts.ref.is_local:
        folder = Path(facts.ref.id)
    else:
        from hfbrowse.core.console.download import fetch_model

        folder = fetch_model(
            facts.ref,
            gateway,
            facts.hub.sha if facts.hub else None,
            tuple(files),
            checkpoint,
            lambda label, done, total: _report(hooks, f"{PHASE_DOWNLOADING} {label}", done, total),
            hooks.cancel,
        )
    if hooks.cancel.is_set():
        raise RunCancelled("stopped before loading the model")
    also = "" if "transformers" in sys.modules else ", importing transformers first"
    on = f"device_map={key.device_map}" if key.device_map is not None else key.device
    if key.max_memory:
        on += " (max_memory " + ", ".join(f"{d}={m}" for d, m in key.max_memory) + ")"
    where = f"{facts.ref.display} ({key.head}) on {on}{also}"
    _report(hooks, f"{PHASE_LOADING} {where}", None, None)
    loaded = session.load(key, folder, checkpoint)
    if hooks.cancel.is_set():
        raise RunCancelled("stopped: the model is loaded, the run did not start")
    return loaded


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
