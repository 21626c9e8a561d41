"""Every way an endpoint fails is one line, fast, and loses nothing already on screen: down,
slow, stalled mid-stream, 4xx with the server's reason, 5xx, 429 with Retry-After, a reset
connection (retried once on a fresh one), an unparseable answer. Against the scripted double
in tests/support/openai_double.py.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from hfbrowse.core.console.backends.base import RunContext, StreamInterrupted
from hfbrowse.core.console.backends.choose import choose_backend
from hfbrowse.core.console.backends.openai_endpoint import OpenAIEndpoint
from hfbrowse.core.console.backends.settings import settings_from
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.runner import RunHooks, RunRequest
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.hub.gateway import HubGateway
from tests.support.console import local_facts
from tests.support.openai_double import MODEL, OpenAIDouble, Step
from tests.support.serve import free_port

CAUSAL = "AutoModelForCausalLM"


@pytest.fixture
def double():
    server = OpenAIDouble().start()
    yield server
    server.stop()


def backend_for(url: str, timeout: float = 60.0) -> OpenAIEndpoint:
    backend = choose_backend(settings_from(endpoint=url, timeout=timeout), HubGateway(offline=True))
    assert isinstance(backend, OpenAIEndpoint)
    return backend


def run(backend, fixtures, text="Hello", hooks=None):
    facts = local_facts(fixtures["tiny-gpt2"])
    context = RunContext(facts, HubGateway(offline=True), ModelSession())
    return backend.run(
        RunRequest(CAUSAL, text, {"max_new_tokens": 5}), context, hooks or RunHooks()
    )


def test_an_endpoint_that_is_down_says_so_within_a_second(fixtures):
    started = time.monotonic()
    with pytest.raises(
        RunError, match=r"cannot reach the endpoint at 127\.0\.0\.1:\d+ \(connection refused\)"
    ):
        backend_for(f"http://127.0.0.1:{free_port()}")
    assert time.monotonic() - started < 1.0


def test_the_probe_names_the_server_and_its_model(double, fixtures):
    backend = backend_for(double.url)
    assert backend.server.models == (MODEL,) and backend.server.flavour == "OpenAI-compatible"
    assert (
        backend.describe()
        == f"endpoint {double.url.removeprefix('http://')} · OpenAI-compatible · {MODEL}"
    )
    notice = backend.remarks(local_facts(fixtures["tiny-gpt2"]))
    expected = f"this endpoint serves {MODEL}, not tiny-gpt2 (the model on screen)"
    assert notice == [f"{expected}: this result is {MODEL}'s"]
    double.health = {"status": "ok"}
    assert backend_for(double.url).server.flavour == "transformers serve"


def test_the_other_model_is_named_with_every_result(double, fixtures):
    result = run(backend_for(double.url), fixtures)
    assert result.output.text == "ab" and result.model == MODEL
    assert any("not tiny-gpt2" in n for n in result.notices)


def test_a_slow_endpoint_times_out_with_the_setting_named(double, fixtures):
    backend = backend_for(double.url, timeout=0.5)
    double.script = [Step(pieces=("x",), delay_s=1.5)]
    started = time.monotonic()
    with pytest.raises(RunError, match=r"sent nothing for 0\.5 s .*--timeout 0\.5"):
        run(backend, fixtures)
    assert time.monotonic() - started < 1.4


def test_a_stall_mid_stream_keeps_the_text_so_far(double, fixtures):
    backend = backend_for(double.url, timeout=0.5)
    double.script = [Step(pieces=("Once", " upon"), stall_s=2.0)]
    seen: list[str] = []
    with pytest.raises(StreamInterrupted, match="stalled mid-stream") as caught:
        run(backend, fixtures, hooks=RunHooks(on_text=seen.append))
    partial = caught.value.partial
    assert partial.output.text == "Once upon" and partial.output.stopped
    assert seen and seen[-1] == "Once upon"
    assert any("stalled mid-stream" in n for n in partial.notices)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            Step(400, {"detail": "Server is pinned to 'x'; requested 'y'."}),
            r"refused the completion \(400\): Server is pinned to 'x'",
        ),
        (
            Step(
                422,
                {"detail": [{"loc": ["body", "top_k"], "msg": "Extra inputs are not permitted"}]},
            ),
            r"\(422\): Extra inputs are not permitted",
        ),
        (
            Step(401, {"error": {"message": "Invalid API key"}}),
            r"\(401\): Invalid API key — pass the endpoint's key with --endpoint-key",
        ),
        (
            Step(429, {"error": "Too many requests"}, {"retry-after": "7"}),
            r"rate-limiting the completion \(429\): Too many requests; retry after 7 s",
        ),
        (
            Step(307, {}, {"location": "https://elsewhere.example/v1"}),
            r"redirects the completion to https://elsewhere\.example/v1: pass that URL",
        ),
        (Step(500, "Internal Server Error"), r"failed on the completion \(500\)"),
        (
            Step(503, {"error": "Model is loading", "error_type": "overloaded"}),
            r"\(503\): Model is loading",
        ),
    ],
)
def test_http_errors_are_one_line_with_the_servers_reason(double, fixtures, step, expected):
    backend = backend_for(double.url)
    double.script = [step]
    with pytest.raises(RunError, match=expected) as caught:
        run(backend, fixtures)
    assert "\n" not in str(caught.value)
    assert run(backend, fixtures).output.text == "ab"  # and the next run works


def test_a_reset_connection_is_retried_once_on_a_fresh_one(double, fixtures):
    backend = backend_for(double.url)
    double.script = [Step(reset=True)]
    assert run(backend, fixtures).output.text == "ab"
    double.script = [Step(reset=True), Step(reset=True)]
    with pytest.raises(RunError, match="closed the connection"):
        run(backend, fixtures)


def test_cancel_while_the_server_stalls_returns_at_once(double, fixtures):
    import threading

    backend = backend_for(double.url, timeout=30)
    double.script = [Step(pieces=("one",), stall_s=5.0)]
    hooks = RunHooks()
    hooks.on_text = lambda text: threading.Timer(0.1, hooks.cancel.set).start()
    started = time.monotonic()
    result = run(backend, fixtures, hooks=hooks)
    assert time.monotonic() - started < 1.5  # not the 5 s stall, nor the 30 s timeout
    assert result.output.stopped and result.output.text == "one"


def test_answers_that_make_no_sense_are_one_line(double, fixtures):
    from hfbrowse.core.console.backends.http import sse_events

    with pytest.raises(RunError, match="streamed something that is not JSON"):
        list(sse_events(['data: {"choices": [', ""]))
    backend = backend_for(double.url)
    double.script = [Step(200, {"data": "no vectors here"})]
    facts = local_facts(fixtures["tiny-bert-base"])
    context = RunContext(facts, HubGateway(offline=True), ModelSession())
    with pytest.raises(RunError, match="/v1/embeddings answered no vectors"):
        backend.run(RunRequest("AutoModel", "a text"), context, RunHooks())
    double.script = [Step(404, {"detail": "Not Found"})]
    with pytest.raises(RunError, match="serves text generation only; features needs"):
        backend.run(RunRequest("AutoModel", "a text"), context, RunHooks())
    assert "features needs" in backend.refusal("AutoModel", False)  # learnt: no second request


# -- the features head through /v1/embeddings ----------------------------------------------------
def embed(backend, fixtures, text):
    facts = local_facts(fixtures["tiny-bert-base"])
    context = RunContext(facts, HubGateway(offline=True), ModelSession())
    return backend.run(RunRequest("AutoModel", text), context, RunHooks())


def test_features_through_v1_embeddings_and_the_snippet(double, fixtures):
    """A server with /v1/embeddings serves the features head: both texts in one request naming
    the server's model, vectors read in their index order, the cosine of the pair — and the
    snippet (the OpenAI client) prints the same figures from the same server."""
    answer = {
        "object": "list",
        "data": [  # out of order on purpose: the index says which text
            {"object": "embedding", "index": 1, "embedding": [0.0, 2.0, 0.0]},
            {"object": "embedding", "index": 0, "embedding": [3.0, 4.0, 0.0]},
        ],
        "model": MODEL,
    }
    double.script = [Step(body=answer), Step(body=answer)]  # the run, then the snippet
    backend = backend_for(double.url)
    assert backend.refusal("AutoModel", False) is None  # asked, not assumed
    result = embed(backend, fixtures, "a cat ||| a dog")
    assert double.bodies[-1] == ("/v1/embeddings", {"model": MODEL, "input": ["a cat", "a dog"]})
    out = result.output
    assert [e.text for e in out.embeddings] == ["a cat", "a dog"]
    assert [round(e.norm, 4) for e in out.embeddings] == [5.0, 2.0]
    assert out.cosine == pytest.approx(0.8)  # (3,4,0)·(0,2,0) / (5 × 2)
    assert backend.refusal("AutoModel", False) is None and "embeddings" in backend.refusal(
        "AutoModelForMaskedLM", False
    )
    done = subprocess.run(
        [sys.executable, "-c", result.snippet], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "cosine 0.8000"
    path, sent = double.bodies[-1]  # the client adds encoding_format (base64) on its own
    assert path == "/v1/embeddings" and (sent["model"], sent["input"]) == (
        MODEL,
        ["a cat", "a dog"],
    )


def test_a_server_without_embeddings_says_so_once_and_then_refuses(double, fixtures):
    double.script = [Step(status=404, body={"detail": "Not Found"})]
    backend = backend_for(double.url)
    with pytest.raises(RunError, match="this endpoint serves text generation only; features"):
        embed(backend, fixtures, "a cat")
    posts = len(double.bodies)
    refusal = backend.refusal("AutoModel", False)
    assert refusal is not None and refusal.startswith("this endpoint serves text generation only")
    assert len(double.bodies) == posts  # learnt: no second request to find out
