"""The console on an HF-protocol server (TGI, TEI, Inference Endpoints): every head, against
the task double in tests/support/hf_task_server.py (real tiny models, huggingface_hub's types).

Each remote result is compared with the same model run in-process, and each snippet (real
``InferenceClient`` code) is run in a subprocess against the same server: it must print the
same answer, having sent the very request the console sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hfbrowse.core.console.backends.base import RunContext
from hfbrowse.core.console.backends.choose import choose_backend
from hfbrowse.core.console.backends.hf_endpoint import HFEndpoint
from hfbrowse.core.console.backends.settings import settings_from
from hfbrowse.core.console.runner import RunHooks, RunRequest
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.hub.gateway import HubGateway
from tests.support.console import local_facts, run_local
from tests.support.hf_task_server import HFTaskServer

pytestmark = pytest.mark.torch  # the task double runs the tiny models

NAMES = (
    "tiny-bert-mlm",
    "tiny-bert-qa",
    "tiny-bert-ner",
    "tiny-distilbert-sst",
    "tiny-bert-base",
    "tiny-gpt2",
    "tiny-t5",
)
HF_TOKEN = "hf_secret_token_never_to_loopback"


@pytest.fixture(scope="module")
def double(fixtures):
    server = HFTaskServer({name: fixtures[name] for name in NAMES}).start()
    yield server
    server.stop()


def remote(double, fixtures, name, text, head=None, variant="", **overrides):
    """One run on the double, as the console does it (a gateway holding an HF token)."""
    facts = local_facts(fixtures[name])
    settings = settings_from(endpoint=double.url(name, variant))
    gateway = HubGateway(offline=True, token=HF_TOKEN)
    backend = choose_backend(settings, gateway)
    request = RunRequest(head or facts.heads.recommended, text, overrides)
    try:
        return backend, backend.run(request, RunContext(facts, gateway, ModelSession()), RunHooks())
    finally:
        backend.close()


def run_snippet(code: str) -> str:
    env = dict(os.environ, HF_TOKEN=HF_TOKEN, PYTHONWARNINGS="ignore")
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def posts(double):
    return [entry for entry in double.log if entry.method == "POST"]


def test_fill_mask_matches_in_process_and_the_snippet(double, fixtures):
    double.clear_log()
    backend, result = remote(double, fixtures, "tiny-bert-mlm", "the cat sat on the <mask> .")
    assert isinstance(backend, HFEndpoint) and backend.server.flavour == "HF protocol"
    local = run_local(ModelSession(), fixtures["tiny-bert-mlm"], "the cat sat on the [MASK] .")
    out, want = result.output, local.output
    assert out.kind == "fill-mask" and out.mask_token == "[MASK]"  # the model's own spelling
    assert [c.token for c in out.masks[0].candidates] == [c.token for c in want.masks[0].candidates]
    assert out.masks[0].candidates[0].probability == pytest.approx(
        want.masks[0].candidates[0].probability, rel=1e-4
    )
    assert result.backend == "endpoint" and result.where.startswith("endpoint 127.0.0.1:")
    sent = posts(double)[-1].body
    printed = run_snippet(result.snippet).splitlines()
    assert posts(double)[-1].body == sent  # InferenceClient sent exactly what the console sent
    assert printed[0].split()[0] == out.masks[0].candidates[0].token


def test_two_masks_are_a_list_per_mask(double, fixtures):
    _, result = remote(double, fixtures, "tiny-bert-mlm", "[MASK] sat on the [MASK] .")
    assert len(result.output.masks) == 2 and "[MASK]" not in result.output.filled


def test_question_answering_span(double, fixtures):
    text = "Who wrote it? ||| Ada Lovelace wrote the first program in 1843."
    _, result = remote(double, fixtures, "tiny-bert-qa", text)
    local = run_local(ModelSession(), fixtures["tiny-bert-qa"], text).output
    out = result.output
    assert (out.answer, out.start, out.end) == (local.answer, local.start, local.end)
    assert out.context[out.start : out.end] == out.answer and out.start_token is None
    sent = posts(double)[-1].body
    assert sent["inputs"]["question"] == "Who wrote it?" and sent["parameters"]["max_answer_len"]
    answer, start, end, _score = run_snippet(result.snippet).rsplit(maxsplit=3)
    assert eval(answer) == out.answer and (int(start), int(end)) == (out.start, out.end)


def test_token_classification_entities(double, fixtures):
    text = "Ada Lovelace lived in London with Charles Babbage."
    _, result = remote(double, fixtures, "tiny-bert-ner", text)
    local = run_local(ModelSession(), fixtures["tiny-bert-ner"], text).output
    out = result.output
    assert [t.label for t in out.tokens] == [t.label for t in local.tokens if t.label != "O"]
    for entity in out.entities:
        assert text[entity.start : entity.end] == entity.text
    printed = run_snippet(result.snippet).splitlines()
    assert [line.split()[1] for line in printed] == [t.label for t in out.tokens]


def test_token_classification_aggregated_answer(double, fixtures):
    """A server that aggregates (``entity_group``) gives the entities themselves."""
    from hfbrowse.core.console.backends import remote_outputs

    text = "Ada Lovelace lived in London."
    answer = [{"entity_group": "PER", "score": 0.9, "word": "Ada Lovelace", "start": 0, "end": 12}]
    out = remote_outputs.token_classes_output(text, answer)
    assert out.tokens == () and out.entities[0].text == "Ada Lovelace"


def test_text_classification_all_labels(double, fixtures):
    _, result = remote(double, fixtures, "tiny-distilbert-sst", "What a wonderful film!")
    local = run_local(ModelSession(), fixtures["tiny-distilbert-sst"], "What a wonderful film!")
    got = {s.label: s.probability for s in result.output.labels}
    want = {s.label: s.probability for s in local.output.labels}
    assert got.keys() == want.keys() == {"NEGATIVE", "POSITIVE"}
    assert got == pytest.approx(want, rel=1e-4)
    assert [s.index for s in result.output.labels] == [s.index for s in local.output.labels]
    printed = run_snippet(result.snippet).split()
    assert printed[0] == result.output.labels[0].label


def test_text_pairs_say_they_run_in_process_only(double, fixtures):
    with pytest.raises(HFBrowseError, match="in-process only"):
        remote(double, fixtures, "tiny-distilbert-sst", "a ||| b")


@pytest.mark.parametrize(
    ("variant", "dims", "tokens_known"),
    [("3d", 3, True), ("2d", 2, True), ("tei", 2, False), ("1d", 1, False)],
)
def test_features_in_every_shape(double, fixtures, variant, dims, tokens_known):
    text = "A man is eating food. ||| A man is eating bread."
    backend, result = remote(double, fixtures, "tiny-bert-base", text, variant=variant)
    local = run_local(ModelSession(), fixtures["tiny-bert-base"], text).output
    out = result.output
    assert len(out.shape) == dims and len(out.embeddings) == 2
    assert out.embeddings[0].dim == local.embeddings[0].dim
    if variant != "tei" and variant != "1d":  # the server mean-pooled nothing: we did
        assert out.cosine == pytest.approx(local.cosine, abs=1e-4)
        assert out.embeddings[0].tokens == local.embeddings[0].tokens
    assert (out.embeddings[0].tokens is not None) == tokens_known
    if variant == "tei":
        assert backend.server.flavour == "TEI" and "TEI" in result.where
    printed = run_snippet(result.snippet).splitlines()
    assert printed[-1] == f"cosine {out.cosine:.4f}"


@pytest.mark.parametrize("name", ["tiny-gpt2", "tiny-t5"])
def test_tgi_text_generation_streams(double, fixtures, name):
    facts = local_facts(fixtures[name])
    gateway = HubGateway(offline=True, token=HF_TOKEN)
    backend = choose_backend(settings_from(endpoint=double.url(name, "tgi")), gateway)
    assert (
        backend.server.flavour == "TGI" and backend.refusal(facts.heads.recommended, False) is None
    )
    seen: list[str] = []
    request = RunRequest(facts.heads.recommended, "Hello world", {"max_new_tokens": 12})
    result = backend.run(
        request, RunContext(facts, gateway, ModelSession()), RunHooks(on_text=seen.append)
    )
    out = result.output
    assert out.text == double.generated[name] and out.new_tokens == 12 and out.streamed
    assert seen and seen[-1] == out.text
    assert out.continuation is (name == "tiny-gpt2")
    sent = posts(double)[-1].body
    assert sent["stream"] is True and sent["parameters"]["details"] is True
    assert run_snippet(result.snippet) == out.text + "\n"
    assert posts(double)[-1].body == sent
    # TGI serves generation only: another head is one line, before any request
    assert "serves text generation only; fill-mask needs" in backend.refusal(
        "AutoModelForMaskedLM", False
    )


def test_the_hf_token_never_reaches_this_host(double, fixtures):
    """With an HF token at hand, nothing sent to a loopback endpoint carries it — neither the
    console's requests nor its snippets' (InferenceClient would send it unless told not to)."""
    double.clear_log()
    _, result = remote(double, fixtures, "tiny-distilbert-sst", "fine")
    run_snippet(result.snippet)
    assert double.log and all("authorization" not in e.headers for e in double.log)
    assert HF_TOKEN not in json.dumps([e.headers for e in double.log])


def test_an_endpoint_key_is_sent_and_kept_out_of_the_snippet(double, fixtures):
    double.clear_log()
    facts = local_facts(fixtures["tiny-distilbert-sst"])
    settings = settings_from(endpoint=double.url("tiny-distilbert-sst"), endpoint_key="sk-endpoint")
    gateway = HubGateway(offline=True, token=HF_TOKEN)
    backend = choose_backend(settings, gateway)
    request = RunRequest("AutoModelForSequenceClassification", "fine")
    result = backend.run(request, RunContext(facts, gateway, ModelSession()), RunHooks())
    assert {e.headers.get("authorization") for e in double.log} == {"Bearer sk-endpoint"}
    assert "sk-endpoint" not in result.snippet and "HFBROWSE_ENDPOINT_KEY" in result.snippet
    assert "sk-endpoint" not in repr(settings)


def test_the_payloads_are_what_inference_client_builds(double, fixtures):
    """The request body the console sends equals the one huggingface_hub's own request builder
    makes for the same call."""
    from huggingface_hub.inference._providers import get_provider_helper

    remote(double, fixtures, "tiny-bert-mlm", "a [MASK] b")
    sent = posts(double)[-1].body
    url = double.url("tiny-bert-mlm")
    helper = get_provider_helper("hf-inference", task="fill-mask", model=url)
    built = helper.prepare_request(
        inputs="a [MASK] b",
        parameters={"targets": None, "top_k": 5},
        headers={},
        model=url,
        api_key="unused",
    )
    assert sent == built.json
