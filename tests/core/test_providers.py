"""Inference Providers through a mocked transport (nothing leaves this process): which
providers serve the model comes from the Hub, a causal LM streams through the router's
OpenAI-compatible API, other tasks go through InferenceClient(provider=…), and the user's HF
token reaches Hugging Face hosts (and the configured Hub) only — asserted on the request log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import set_client_factory
from huggingface_hub.utils._http import default_client_factory, hf_request_event_hook

from hfbrowse.core.console.backends.base import RunContext
from hfbrowse.core.console.backends.holder import BackendHolder
from hfbrowse.core.console.backends.providers import ProvidersBackend
from hfbrowse.core.console.backends.settings import settings_from
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.runner import RunHooks, RunRequest
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.heads.resolve import resolve_heads
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.model_ref import ModelRef

TOKEN = "hf_user_token_for_providers"
HUB = "https://huggingface.co"
LLM = "hfbrowse-test/tiny-gpt2"
MLM = "hfbrowse-test/tiny-bert-mlm"
MAPPINGS = {
    LLM: (
        "text-generation",
        {
            "together": {"status": "live", "providerId": "together/tiny", "task": "conversational"},
            "novita": {"status": "staging", "providerId": "novita/tiny", "task": "conversational"},
        },
    ),
    MLM: (
        "fill-mask",
        {"hf-inference": {"status": "live", "providerId": MLM, "task": "fill-mask"}},
    ),
    "hfbrowse-test/nobody": ("text-generation", {}),
}


class Router:
    """The mocked Hub and router: answers and a log of (method, url, headers, body)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, dict[str, str], object]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content) if request.content else None
        self.log.append((request.method, str(request.url), dict(request.headers), body))
        path = request.url.path
        if path.startswith("/api/models/"):
            model = path.removeprefix("/api/models/").split("/revision")[0]
            tag, mapping = MAPPINGS[model]
            doc = {"id": model, "_id": "x", "pipeline_tag": tag, "tags": [tag]}
            return httpx2.Response(200, json=doc | {"inferenceProviderMapping": mapping})
        if path == "/v1/chat/completions":
            chunks = [
                {"choices": [{"index": 0, "delta": {"content": p}}]} for p in ("Hi", " there")
            ]
            chunks.append({"choices": [], "usage": {"completion_tokens": 2}})
            sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
            return httpx2.Response(
                200, content=sse.encode(), headers={"content-type": "text/event-stream"}
            )
        if path == f"/hf-inference/models/{MLM}":
            answer = [
                {
                    "score": 0.6,
                    "token": 7,
                    "token_str": "mat",
                    "sequence": "the cat sat on the mat",
                },
                {
                    "score": 0.3,
                    "token": 8,
                    "token_str": "rug",
                    "sequence": "the cat sat on the rug",
                },
            ]
            return httpx2.Response(200, json=answer)
        return httpx2.Response(404, json={"error": f"no route {path}"})

    def hosts_with_token(self) -> set[str]:
        return {
            httpx2.URL(url).host
            for _, url, headers, _ in self.log
            if TOKEN in headers.get("authorization", "")
        }


@pytest.fixture
def router():
    mock = Router()
    transport = httpx2.MockTransport(mock)
    set_client_factory(
        lambda: httpx2.Client(
            transport=transport,
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
        )
    )
    yield mock, transport
    set_client_factory(default_client_factory)


def hub_facts(model: str, folder: Path) -> ModelFacts:
    config = json.loads((folder / "config.json").read_text())
    return ModelFacts(
        ModelRef("hub", model), config, "config.json", resolve_heads(config), None, False
    )


def run_on(router, facts, text, head, provider="together", token=TOKEN):
    _mock, transport = router
    gateway = HubGateway(endpoint=HUB, token=token, offline=False)
    holder = BackendHolder(settings_from(provider=provider), transport=transport)
    context = RunContext(facts, gateway, ModelSession())
    return holder.get(gateway), holder.run(
        RunRequest(head, text, {"max_new_tokens": 5}), context, RunHooks()
    )


def test_the_hub_says_which_providers_serve_the_model(router, fixtures):
    mock, transport = router
    gateway = HubGateway(endpoint=HUB, token=TOKEN)
    backend = ProvidersBackend(settings_from(provider="auto"), gateway, TOKEN, transport)
    facts = hub_facts(LLM, fixtures["tiny-gpt2"])
    assert backend.remarks(facts) == [
        f"providers serving {LLM}: together (conversational), novita (conversational, staging)"
    ]
    assert "expand=inferenceProviderMapping" in mock.log[0][1]
    assert backend.describe() == "provider auto"


def test_a_causal_lm_streams_through_the_router(router, fixtures):
    mock, _ = router
    facts = hub_facts(LLM, fixtures["tiny-gpt2"])
    seen: list[str] = []
    _mock, transport = router
    gateway = HubGateway(endpoint=HUB, token=TOKEN)
    holder = BackendHolder(settings_from(provider="together"), transport=transport)
    context = RunContext(facts, gateway, ModelSession())
    request = RunRequest("AutoModelForCausalLM", "Hello", {"max_new_tokens": 5})
    result = holder.run(request, context, RunHooks(on_text=seen.append))
    out = result.output
    assert out.kind == "chat" and out.reply == "Hi there" and out.new_tokens == 2
    assert seen[-1] == "Hi there" and result.where == "provider together"
    assert result.backend == "provider"
    assert "sent as one user message" in result.notices[0]
    _method, url, headers, body = mock.log[-1]
    assert url == "https://router.huggingface.co/v1/chat/completions"
    assert body["model"] == f"{LLM}:together" and body["max_tokens"] == 5
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert "base_url='https://router.huggingface.co/v1'" in result.snippet
    assert 'os.environ["HF_TOKEN"]' in result.snippet and TOKEN not in result.snippet
    compile(result.snippet, "snippet", "exec")


def test_fill_mask_through_inference_client(router, fixtures):
    mock, _ = router
    facts = hub_facts(MLM, fixtures["tiny-bert-mlm"])
    _, result = run_on(
        router, facts, "the cat sat on the [MASK]", "AutoModelForMaskedLM", "hf-inference"
    )
    out = result.output
    assert [c.token for c in out.masks[0].candidates] == ["mat", "rug"]
    assert out.filled == "the cat sat on the mat"
    assert any(url.endswith(f"/hf-inference/models/{MLM}") for _, url, _, _ in mock.log)
    assert "provider='hf-inference'" in result.snippet and TOKEN not in result.snippet


def test_the_token_goes_to_hugging_face_hosts_only(router, fixtures):
    mock, _ = router
    run_on(router, hub_facts(LLM, fixtures["tiny-gpt2"]), "Hello", "AutoModelForCausalLM")
    run_on(
        router,
        hub_facts(MLM, fixtures["tiny-bert-mlm"]),
        "a [MASK]",
        "AutoModelForMaskedLM",
        "hf-inference",
    )
    assert mock.hosts_with_token() <= {"huggingface.co", "router.huggingface.co"}
    assert "router.huggingface.co" in mock.hosts_with_token()


@pytest.mark.parametrize(
    ("model", "provider", "head", "message"),
    [
        (
            "hfbrowse-test/nobody",
            "together",
            "AutoModelForCausalLM",
            "no Inference Provider serves",
        ),
        (
            LLM,
            "groq",
            "AutoModelForCausalLM",
            "groq does not serve .*; providers that do: novita, together",
        ),
        (
            LLM,
            "together",
            "AutoModelForMaskedLM",
            "together serves .* for conversational only; fill-mask needs",
        ),
    ],
)
def test_what_providers_cannot_do_is_one_line(router, fixtures, model, provider, head, message):
    with pytest.raises(RunError, match=message):
        run_on(router, hub_facts(model, fixtures["tiny-gpt2"]), "Hello", head, provider)


def test_no_token_and_local_folders_are_one_line(router, fixtures):
    with pytest.raises(RunError, match="need your Hugging Face token: set HF_TOKEN"):
        run_on(
            router,
            hub_facts(LLM, fixtures["tiny-gpt2"]),
            "Hello",
            "AutoModelForCausalLM",
            token=None,
        )
    from tests.support.console import local_facts

    with pytest.raises(RunError, match="serve Hub models; tiny-gpt2 is a local folder"):
        run_on(router, local_facts(fixtures["tiny-gpt2"]), "Hello", "AutoModelForCausalLM")


@pytest.mark.torch
def test_offline_refuses_providers_and_still_runs_a_loopback_endpoint(fixtures, tmp_path):
    """In a fresh process (HF_HUB_OFFLINE is read at import): --offline with --provider is a
    usage error; with a loopback endpoint it runs (huggingface_hub's own client would refuse)."""
    from tests.support.hf_task_server import HFTaskServer

    env_code = "import sys; from hfbrowse.cli import main; sys.exit(main(sys.argv[1:]))"
    folder = str(fixtures["tiny-distilbert-sst"])
    argv = [folder, "--offline", "--provider", "together", "--run", "x", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", env_code, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "--offline refuses them" in done.stderr
    double = HFTaskServer({"tiny-distilbert-sst": fixtures["tiny-distilbert-sst"]}).start()
    try:
        done = subprocess.run(
            [sys.executable, "-c", env_code, folder, "--offline", "--endpoint",
             double.url("tiny-distilbert-sst"), "--run", "a fine film", "--json"],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    finally:
        double.stop()
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)["run"]
    assert run["backend"] == "endpoint" and run["output"]["kind"] == "sequence-classification"
