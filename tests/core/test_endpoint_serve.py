"""The console on a real ``transformers serve`` (started once per session, tests/support/serve.py):
streamed completion equal to the same model in-process, chat mode, cancel that frees the
server, a server killed mid-stream, the pinned model's 400, and snippets that reproduce the
run in a subprocess against the same server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from hfbrowse.core.console.backends.base import RunContext, StreamInterrupted
from hfbrowse.core.console.backends.choose import choose_backend
from hfbrowse.core.console.backends.http import Http
from hfbrowse.core.console.backends.openai_endpoint import (
    TRANSFORMERS_SERVE,
    OpenAIEndpoint,
    OpenAIServer,
)
from hfbrowse.core.console.backends.settings import settings_from
from hfbrowse.core.console.chat import ChatMessage, ChatState, NoChatTemplate
from hfbrowse.core.console.commands import ConsoleState, record_run, run_command
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.runner import RunHooks, RunRequest
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.hub.gateway import HubGateway
from tests.support.console import local_facts, run_local

pytestmark = pytest.mark.torch  # transformers serve and the in-process runs

CAUSAL = "AutoModelForCausalLM"
OFFLINE = HubGateway(offline=True)


def backend_on(served) -> OpenAIEndpoint:
    backend = choose_backend(settings_from(endpoint=served.url), OFFLINE)
    assert isinstance(backend, OpenAIEndpoint)
    return backend


def remote(backend, folder, text, overrides=None, hooks=None, chat=None):
    facts = local_facts(folder)
    request = RunRequest(CAUSAL, text, dict(overrides or {}), chat=chat)
    return backend.run(request, RunContext(facts, OFFLINE, ModelSession()), hooks or RunHooks())


def run_snippet(code: str) -> str:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def quick_completion_s(served) -> float:
    """How long a 1-token request takes right now (the server is free when it is fast)."""
    body = {"model": served.model, "prompt": "hi", "max_tokens": 1, "temperature": 0}
    request = urllib.request.Request(
        served.url + "/v1/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
    return time.monotonic() - started


def test_probe_names_transformers_serve_and_its_model(served, chat_gpt2, fixtures):
    backend = backend_on(served)
    assert backend.server.flavour == TRANSFORMERS_SERVE
    assert (
        backend.describe() == f"endpoint 127.0.0.1:{served.port} · transformers serve · {chat_gpt2}"
    )
    assert backend.remarks(local_facts(chat_gpt2)) == []
    other = backend.remarks(local_facts(fixtures["tiny-gpt2"]))
    assert other and "not tiny-gpt2 (the model on screen)" in other[0]


def test_streamed_completion_equals_the_model_in_process(served, chat_gpt2):
    seen: list[str] = []
    result = remote(
        backend_on(served), chat_gpt2, "Once upon a time", {"max_new_tokens": 24},
        RunHooks(on_text=seen.append),
    )  # fmt: skip
    local = run_local(
        ModelSession(), chat_gpt2, "Once upon a time", overrides={"max_new_tokens": 24}
    )
    out = result.output
    assert out.kind == "generation" and out.streamed and not out.stopped
    assert out.text == local.output.text and out.new_tokens == 24
    assert seen and seen[0] and seen[-1] == out.text and all(out.text.startswith(s) for s in seen)
    assert result.backend == "endpoint" and "transformers serve" in result.where
    assert result.timing.tokens_per_s and result.timing.load_s is None
    assert run_snippet(result.snippet) == out.text + "\n"


def test_the_phase_line_says_where_a_remote_run_waits(served, chat_gpt2):
    """Before the first token the console's phase line names the endpoint (reaching it while
    it is probed, then running the head there), as it names torch's import or a download."""
    from hfbrowse.core.console.backends.holder import BackendHolder

    holder = BackendHolder(settings_from(endpoint=served.url))
    phases: list[str] = []
    hooks = RunHooks(progress=lambda label, done, total: phases.append(label))
    facts = local_facts(chat_gpt2)
    request = RunRequest(CAUSAL, "Hello", {"max_new_tokens": 2})
    try:
        holder.run(request, RunContext(facts, OFFLINE, ModelSession()), hooks)
    finally:
        holder.close()
    where = f"endpoint 127.0.0.1:{served.port} · transformers serve · {chat_gpt2}"
    assert phases == [f"reaching endpoint {served.url}", f"running {CAUSAL} on {where}"]


def test_sampling_goes_through_generation_config_and_reproduces(served, chat_gpt2):
    settings = {"max_new_tokens": 16, "do_sample": True, "temperature": 0.8, "seed": 7}
    result = remote(backend_on(served), chat_gpt2, "Hello", settings)
    local = run_local(ModelSession(), chat_gpt2, "Hello", overrides=settings)
    assert result.output.text == local.output.text
    assert "generation_config" in result.snippet and "seed=7" in result.snippet
    assert run_snippet(result.snippet) == result.output.text + "\n"


def test_chat_mode_turn_after_turn(served, chat_gpt2):
    backend = backend_on(served)
    state = ConsoleState()
    state.head, state.has_template = CAUSAL, True
    assert run_command(state, "/chat on").kind == "done"
    run_command(state, "/system You are terse.")
    overrides = {"max_new_tokens": 8}
    first = remote(backend, chat_gpt2, "hi", overrides, chat=state.chat.messages_for("hi"))
    record_run(state, first)
    second_messages = state.chat.messages_for("and then?")
    assert [m.role for m in second_messages] == ["system", "user", "assistant", "user"]
    second = remote(backend, chat_gpt2, "and then?", overrides, chat=second_messages)
    record_run(state, second)
    assert (
        second.output.kind == "chat" and second.output.messages[2]["content"] == first.output.reply
    )
    local = run_local(
        ModelSession(), chat_gpt2, "and then?", overrides=overrides, chat=second_messages
    )
    assert second.output.reply == local.output.reply  # the server's template = the tokenizer's
    shown = run_command(state, "/prompt").text
    assert json.loads(shown)[-1] == {"role": "user", "content": "and then?"}
    assert "client.chat.completions.create" in second.snippet
    assert run_snippet(second.snippet) == second.output.reply + "\n"
    assert run_command(state, "/new").text.startswith("new conversation (2 earlier turns")


def test_chat_without_a_template_stays_plain(served, chat_gpt2, fixtures, tmp_path):
    """The model on screen (same name as the served one) has no chat template: refused before
    any request, and in-process alike."""
    plain = tmp_path / chat_gpt2.name
    shutil.copytree(fixtures["tiny-gpt2"], plain)
    chat = (ChatMessage("user", "hi"),)
    with pytest.raises(NoChatTemplate):
        remote(backend_on(served), plain, "hi", chat=chat)
    with pytest.raises(NoChatTemplate):
        run_local(ModelSession(), plain, "hi", chat=chat)
    state = ConsoleState()
    state.head, state.has_template = CAUSAL, False
    assert "no chat template" in run_command(state, "/chat").text and not state.chat.on


def test_cancel_mid_stream_frees_the_server_within_a_second(served, chat_gpt2):
    hooks = RunHooks()
    hooks.on_text = lambda text: hooks.cancel.set()
    started = time.monotonic()
    result = remote(backend_on(served), chat_gpt2, "Once", {"max_new_tokens": 900}, hooks)
    stopped_after = time.monotonic() - started
    assert result.output.stopped and 0 < result.output.new_tokens < 900
    assert stopped_after < 3  # 900 tokens would take several seconds
    assert quick_completion_s(served) < 1.0


def test_the_pinned_servers_400_is_shown(served, chat_gpt2):
    settings = settings_from(endpoint=served.url)
    wrong = OpenAIEndpoint(
        settings, OpenAIServer(served.url, TRANSFORMERS_SERVE, ("gpt2",)), Http(served.url, {}, 30)
    )
    with pytest.raises(RunError, match=r"refused the completion \(400\): Server is pinned to"):
        remote(wrong, chat_gpt2, "Hello", {"max_new_tokens": 4})


def test_chat_state_messages_have_the_system_first():
    chat = ChatState(on=True, system="S")
    chat.record("u1", "a1", "prompt")
    assert [(m.role, m.content) for m in chat.messages_for("u2")] == [
        ("system", "S"), ("user", "u1"), ("assistant", "a1"), ("user", "u2"),
    ]  # fmt: skip


def test_a_server_killed_mid_stream_keeps_the_text(served, chat_gpt2):
    """Last in this module: the next test that needs the server starts it again."""
    hooks = RunHooks()
    killed = threading.Event()

    def kill_once(text: str) -> None:
        if not killed.is_set():
            killed.set()
            served.kill()

    hooks.on_text = kill_once
    with pytest.raises(StreamInterrupted, match="went away mid-stream") as caught:
        remote(backend_on(served), chat_gpt2, "Once", {"max_new_tokens": 900}, hooks)
    partial = caught.value.partial.output
    assert partial.text and partial.stopped and partial.new_tokens < 900
    with pytest.raises(RunError, match="cannot reach the endpoint"):
        backend_on(served)  # and it is down now, in one line
