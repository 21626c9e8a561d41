"""The console on Hub models (through the Hub double): weights only when running, progress,
cancellable downloads, sharded checkpoints, and questions asked before any weight byte."""

from __future__ import annotations

import pytest

from hfbrowse.core.console.errors import RunCancelled
from hfbrowse.core.console.runner import NeedsConfirmation, RunHooks, RunRequest, run
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.model import load_facts, load_tensors
from hfbrowse.core.model_ref import ModelRef
from tests.support.models import hub_id


@pytest.fixture
def session():
    s = ModelSession()
    yield s
    s.unload()


def _facts(name, gateway):
    return load_facts(ModelRef("hub", hub_id(name)), gateway)


def test_weights_are_downloaded_only_when_the_console_runs(clean_cache, gateway, hub, session):
    facts = _facts("tiny-gpt2", gateway)
    load_tensors(facts, gateway)
    assert hub.weight_bytes_sent() == 0
    seen: list[tuple[str, int | None, int | None]] = []
    request = RunRequest("AutoModelForCausalLM", "Hello", overrides={"max_new_tokens": 4})
    hooks = RunHooks(progress=lambda label, done, total: seen.append((label, done, total)))
    result = run(request, facts, session, gateway, hooks=hooks)
    assert hub.weight_bytes_sent() > 0
    weights = [s for s in seen if "model.safetensors" in s[0]]
    assert weights and weights[-1][1] == weights[-1][2]  # the bar reached its total
    assert any(label.startswith("loading") for label, _, _ in seen)
    assert result.output.new_tokens == 4
    assert f"model_id = {hub_id('tiny-gpt2')!r}" in result.snippet


def test_download_can_be_cancelled_and_resumed(clean_cache, gateway, hub, session):
    facts = _facts("sharded-gpt2", gateway)
    hooks = RunHooks()

    def cancel_on_first_weight(label: str, done, total) -> None:
        if "safetensors" in label:
            hooks.cancel.set()

    hooks.progress = cancel_on_first_weight
    request = RunRequest("AutoModelForCausalLM", "Hi", overrides={"max_new_tokens": 2})
    with pytest.raises(RunCancelled):
        run(request, facts, session, gateway, hooks=hooks)
    assert session.loaded is None
    result = run(request, facts, session, gateway)  # the shards left to fetch, then the run
    assert result.output.new_tokens == 2
    shards = {r.path.rsplit("/", 1)[-1] for r in hub.requests if "-of-" in r.path}
    assert len(shards) == 4


def test_bin_only_hub_repo_asks_before_any_weight_byte(clean_cache, gateway, hub, session):
    facts = _facts("bin-only", gateway)
    with pytest.raises(NeedsConfirmation):
        run(RunRequest("AutoModelForMaskedLM", "a [MASK]"), facts, session, gateway)
    assert hub.weight_bytes_sent() == 0
    result = run(
        RunRequest("AutoModelForMaskedLM", "a [MASK]", confirmed=frozenset({"bin"})),
        facts,
        session,
        gateway,
    )
    assert result.output.kind == "fill-mask"


@pytest.mark.parametrize("offline", [False, True], ids=["hub-died", "offline"])
def test_a_dead_hub_is_not_a_missing_file(clean_cache, offline):
    """The Hub dying mid-session: huggingface_hub raises LocalEntryNotFoundError, a subclass of
    EntryNotFoundError; the console said "… has no tokenizer.json" (issue 9)."""
    import threading

    from hfbrowse.core.console.download import _fetch
    from hfbrowse.core.errors import OfflineError
    from hfbrowse.core.hub.gateway import HubGateway
    from tests.support.hostile_hub import dead_loopback_url

    gateway = HubGateway(endpoint=dead_loopback_url(), offline=offline)
    ref = ModelRef("hub", hub_id("tiny-gpt2"))
    with pytest.raises(OfflineError) as raised:
        _fetch(
            ref, gateway, None, "tokenizer.json", lambda *a: None, threading.Event(), (1, 1, False)
        )
    assert "has no" not in str(raised.value)
    assert "not in the local cache" in str(raised.value)
    assert gateway.offline  # the session now serves the cache at once


def test_translate_checks_local_entry_before_entry_not_found():
    from huggingface_hub.errors import LocalEntryNotFoundError, RemoteEntryNotFoundError

    from hfbrowse.core.errors import ModelNotFound, OfflineError
    from hfbrowse.core.hub.gateway import HubGateway

    gateway = HubGateway(endpoint="http://127.0.0.1:9")
    ref = ModelRef("hub", "org/model")
    local = gateway.translate(LocalEntryNotFoundError("not cached"), ref, "tokenizer.json")
    assert isinstance(local, OfflineError)
    remote = RemoteEntryNotFoundError.__new__(RemoteEntryNotFoundError)
    assert isinstance(gateway.translate(remote, ref, "tokenizer.json"), ModelNotFound)
