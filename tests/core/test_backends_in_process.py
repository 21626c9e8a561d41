"""In-process backend: accelerate's device_map (split reported, output equal to a plain load,
the snippet repeats it), chat mode with the tokenizer's template, and the backend settings'
checks (every wrong flag is one line before anything is fetched)."""

from __future__ import annotations

import importlib.util

import pytest

from hfbrowse.core.console import placement
from hfbrowse.core.console.backends.base import RunContext
from hfbrowse.core.console.backends.holder import BackendHolder
from hfbrowse.core.console.backends.http import authorization, is_hugging_face_host
from hfbrowse.core.console.backends.settings import (
    BackendSettingsError,
    max_memory_for_accelerate,
    parse_max_memory,
    settings_from,
)
from hfbrowse.core.console.chat import ChatMessage, has_chat_template
from hfbrowse.core.console.commands import ConsoleState, record_run, run_command
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.runner import RunHooks, RunRequest
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.hub.gateway import HubGateway
from tests.support.console import local_facts, run_local, run_snippets

CAUSAL = "AutoModelForCausalLM"


# -- settings -----------------------------------------------------------------------------------
def test_settings_from_flags_and_environment():
    s = settings_from(endpoint="http://h:8000/v1/", env={"HFBROWSE_ENDPOINT_KEY": "sk-42"})
    assert (s.kind, s.endpoint, s.endpoint_key, s.remote) == (
        "endpoint",
        "http://h:8000",
        "sk-42",
        True,
    )
    assert "sk-42" not in repr(s)
    s = settings_from(env={"HFBROWSE_ENDPOINT": "https://x.example/api"})
    assert s.endpoint == "https://x.example/api"
    s = settings_from(device_map="auto", max_memory="cuda:0=20GiB, cpu=64GiB,disk=1TB")
    assert s.max_memory == (("cuda:0", "20GiB"), ("cpu", "64GiB"), ("disk", "1TB"))
    assert max_memory_for_accelerate(s.max_memory) == {0: "20GiB", "cpu": "64GiB", "disk": "1TB"}
    assert settings_from(provider="Together").provider == "together"
    assert settings_from().label() == "in-process" and settings_from(timeout="2.5").timeout_s == 2.5


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"endpoint": "ftp://x"}, r"needs an http\(s\) URL"),
        ({"endpoint": "http://x", "provider": "together"}, "choose one place to run"),
        ({"endpoint": "http://x", "device_map": "auto"}, "does not apply to --endpoint"),
        ({"max_memory": "cpu=1GiB"}, "--max-memory needs --device-map auto"),
        ({"device_map": "everywhere"}, "--device-map must be one of"),
        ({"device_map": "auto", "max_memory": "gpu=1GiB"}, "is not DEVICE=SIZE"),
        ({"device_map": "auto", "max_memory": "cpu=lots"}, "is not DEVICE=SIZE"),
        ({"timeout": "0"}, "--timeout must be more than 0"),
        ({"timeout": "inf"}, "--timeout must be more than 0"),
        ({"timeout": "soon"}, "--timeout must be a number"),
        ({"provider": "together", "offline": True}, "--offline refuses them"),
        ({"provider": "a b"}, "is not a provider name"),
    ],
)
def test_wrong_settings_are_one_line(flags, message):
    with pytest.raises(BackendSettingsError, match=message):
        settings_from(**flags)


def test_the_hf_token_goes_to_hugging_face_hosts_only():
    assert is_hugging_face_host("https://router.huggingface.co/v1")
    assert is_hugging_face_host("https://xyz.us-east-1.aws.endpoints.huggingface.cloud")
    assert not is_hugging_face_host("http://router.huggingface.co")  # not over plain http
    assert not is_hugging_face_host("https://huggingface.co.evil.example")
    assert not is_hugging_face_host("https://127.0.0.1:8000")
    assert authorization("http://127.0.0.1:8000", None, "hf_x") == {}
    assert authorization("https://a.endpoints.huggingface.cloud", None, "hf_x") == {
        "authorization": "Bearer hf_x"
    }
    assert authorization("http://127.0.0.1", "key", "hf_x") == {"authorization": "Bearer key"}


# -- device_map ---------------------------------------------------------------------------------
@pytest.mark.torch
def test_device_map_splits_and_generates_what_a_plain_load_does(fixtures, tmp_path, monkeypatch):
    if importlib.util.find_spec("accelerate") is None:
        pytest.skip("accelerate is not installed (the hfbrowse[torch] extra has it)")
    monkeypatch.setattr(placement, "hfbrowse_home", lambda: tmp_path)
    folder = fixtures["tiny-gpt2"]
    overrides = {"max_new_tokens": 12}
    plain = run_local(ModelSession(), folder, "Hello world", overrides=overrides)
    holder = BackendHolder(settings_from(device_map="auto", max_memory="cpu=200KB"))
    facts = local_facts(folder)
    context = RunContext(facts, HubGateway(offline=True), ModelSession())
    phases: list[str] = []
    hooks = RunHooks(progress=lambda label, done, total: phases.append(label))
    split = holder.run(RunRequest(CAUSAL, "Hello world", overrides), context, hooks)
    assert split.output.text == plain.output.text
    assert any(
        p.startswith("loading tiny-gpt2") and "on device_map=auto (max_memory cpu=200KB)" in p
        for p in phases
    ), phases
    assert split.device == split.where == "cpu+disk (device_map)"
    assert split.notices[0].startswith("device_map: ") and "on disk" in split.notices[0]
    assert holder.words() == "cpu+disk (device_map)"
    assert any((tmp_path / "offload").rglob("*")), "offloaded weights go to hfbrowse's folder"
    assert "device_map='auto'" in split.snippet and "max_memory={'cpu': '200KB'}" in split.snippet
    assert ".to(" not in split.snippet.split("\n\n")[1].splitlines()[-2]
    (printed,) = run_snippets([split.snippet])
    assert printed.strip() == split.output.text.strip()


@pytest.mark.torch
def test_device_map_without_accelerate_says_what_to_install(fixtures, monkeypatch):
    monkeypatch.setattr(placement, "accelerate_installed", lambda: False)
    holder = BackendHolder(settings_from(device_map="auto"))
    context = RunContext(
        local_facts(fixtures["tiny-gpt2"]), HubGateway(offline=True), ModelSession()
    )
    with pytest.raises(RunError, match=r"--device-map needs accelerate.*pip install 'accelerate"):
        holder.run(RunRequest(CAUSAL, "Hello"), context, RunHooks())


def test_describing_a_device_map():
    device_map = {
        "transformer.wte": 0,
        "transformer.h.0": 1,
        "transformer.h.1": "cpu",
        "lm_head": "disk",
    }
    assert placement.describe(device_map) == "cuda:0+cuda:1+cpu+disk (device_map)"
    assert placement.split_notice(device_map) == (
        "device_map: 1 module on cuda:0, 1 module on cuda:1, 1 module on cpu, 1 module on disk"
    )
    assert placement.describe(None) is None
    assert parse_max_memory("0=1GiB") == (("0", "1GiB"),)


# -- chat in-process ----------------------------------------------------------------------------
@pytest.mark.torch
def test_chat_in_process_renders_the_template_and_reproduces(chat_gpt2):
    assert has_chat_template(chat_gpt2) is True
    messages = (ChatMessage("system", "Be brief."), ChatMessage("user", "hi"))
    result = run_local(
        ModelSession(), chat_gpt2, "hi", overrides={"max_new_tokens": 6}, chat=messages
    )
    out = result.output
    assert out.kind == "chat" and out.new_tokens == 6
    assert out.prompt == "<|system|>Be brief.\n<|user|>hi\n<|assistant|>"
    assert "apply_chat_template" in result.snippet and "add_special_tokens=False" in result.snippet
    (printed,) = run_snippets([result.snippet])
    assert printed.strip() == out.reply.strip()


@pytest.mark.torch
def test_chat_commands_on_the_console_state(fixtures, chat_gpt2):
    state = ConsoleState()
    assert run_command(state, "/chat on").kind == "warn"  # no head shown yet
    state.head = CAUSAL
    state.has_template = None  # a Hub model not downloaded yet: checked on the first turn
    assert "checked on the first turn" in run_command(state, "/chat on").text and state.chat.on
    assert run_command(state, "/chat").text.startswith("chat mode off")
    assert run_command(state, "/prompt").kind == "warn"
    assert run_command(state, "/system").text == "no system message"
    assert run_command(state, "/chat maybe").kind == "error"
    state.has_template = True
    run_command(state, "/chat on")
    result = run_local(
        ModelSession(), chat_gpt2, "hi", overrides={"max_new_tokens": 3},
        chat=state.chat.messages_for("hi"),
    )  # fmt: skip
    record_run(state, result)
    assert state.chat.turns == [("hi", result.output.reply)]
    assert run_command(state, "/prompt").text == result.output.prompt


def test_backend_command_switches_and_refuses(fixtures):
    state = ConsoleState()
    assert "runs go to: in-process" in run_command(state, "/backend").text
    reply = run_command(state, "/backend http://127.0.0.1:9/v1")
    assert reply.kind == "backend" and state.backends.settings.endpoint == "http://127.0.0.1:9"
    assert run_command(state, "/backend endpoint http://127.0.0.1:9").kind == "info"  # no change
    assert run_command(state, "/backend provider together").kind == "backend"
    assert run_command(state, "/backend local").kind == "backend"
    assert not state.backends.settings.remote
    assert "usage" in run_command(state, "/backend somewhere").text
    assert run_command(state, "/backend endpoint ftp://x").kind == "error"
    state.backends.switch(settings_from(offline=True))
    assert "--offline refuses" in run_command(state, "/backend provider auto").text
    state.busy = True
    assert run_command(state, "/backend local").kind == "warn"
