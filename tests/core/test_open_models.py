"""Opening every fixture by folder and by Hub id (through the Hub double, real client)."""

from __future__ import annotations

import time

import pytest

from hfbrowse.core.errors import (
    GatedModel,
    MalformedConfig,
    MalformedHeader,
    ModelNotFound,
    NoCheckpoint,
    OfflineError,
)
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_facts, load_source, load_tensors
from hfbrowse.core.model_ref import ModelRef, parse_model_arg
from tests.support.models import hub_id

MODELS = {
    "tiny-gpt2": ("AutoModelForCausalLM", "GPT2LMHeadModel"),
    "sharded-gpt2": ("AutoModelForCausalLM", "GPT2LMHeadModel"),
    "tiny-bert-mlm": ("AutoModelForMaskedLM", "BertForMaskedLM"),
    "tiny-bert-qa": ("AutoModelForQuestionAnswering", "BertForQuestionAnswering"),
    "tiny-bert-ner": ("AutoModelForTokenClassification", "BertForTokenClassification"),
    "tiny-distilbert-sst": (
        "AutoModelForSequenceClassification",
        "DistilBertForSequenceClassification",
    ),
    "tiny-bert-base": ("AutoModel", "BertModel"),
    "tiny-t5": ("AutoModelForSeq2SeqLM", "T5ForConditionalGeneration"),
    "tiny-bart": ("AutoModelForSeq2SeqLM", "BartForConditionalGeneration"),
    "sparse-70b": ("AutoModelForCausalLM", "LlamaForCausalLM"),
}


def _open(ref: ModelRef, gateway: HubGateway):
    facts = load_facts(ref, gateway)
    table = load_tensors(facts, gateway)
    source = load_source(facts, facts.heads.recommended)
    return facts, table, source


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_opens_by_folder_and_by_id_alike(name, fixtures, gateway, hub):
    head, cls = MODELS[name]
    local = _open(ModelRef("local", str(fixtures[name])), gateway)
    hub.clear_log()
    remote = _open(ModelRef("hub", hub_id(name)), gateway)
    for facts, table, source in (local, remote):
        assert facts.heads.recommended == head
        assert source.class_name == cls
        assert {m.name for m in source.methods} == {"__init__", "forward"}
        assert table.rows and table.parameters == sum(r.parameters for r in table.rows)
    assert local[0].config == remote[0].config
    assert [(r.name, r.shape, r.dtype) for r in local[1].rows] == [
        (r.name, r.shape, r.dtype) for r in remote[1].rows
    ]
    assert hub.weight_bytes_sent() == 0


def test_hub_open_reads_config_and_headers_only(fixtures, gateway, hub, clean_cache):
    """Budget: model_info + config.json + per shard an 8-byte length read and the exact header."""
    hub.clear_log()
    _open(ModelRef("hub", hub_id("sharded-gpt2")), gateway)
    gets = [r for r in hub.requests if r.method == "GET" and "/resolve/" in r.path]
    files = sorted({r.path.rsplit("/", 1)[1] for r in gets})
    shards = sorted(p.name for p in fixtures["sharded-gpt2"].glob("*.safetensors"))
    assert files == sorted(["config.json", "model.safetensors.index.json", *shards])
    for shard in shards:
        ranged = [r for r in gets if r.path.endswith(shard)]
        assert len(ranged) == 2 and all(r.range and r.status == 206 for r in ranged)
    assert hub.weight_bytes_sent() == 0
    sent = sum(r.bytes_sent for r in hub.requests)
    assert sent < 20_000


def test_sparse_70b_headers_without_weights(fixtures, gateway, hub):
    _, table, _ = _open(ModelRef("hub", hub_id("sparse-70b")), gateway)
    assert len(table.rows) == 723
    assert table.parameters == 70_553_706_496
    assert table.totals[0].dtype == "BF16"
    assert hub.weight_bytes_sent() == 0


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("malformed-header", MalformedHeader),
        ("truncated-header", MalformedHeader),
        ("huge-header-claim", MalformedHeader),
    ],
)
def test_bad_headers_are_clear_errors(name, error, fixtures, gateway, hub):
    for ref in (ModelRef("local", str(fixtures[name])), ModelRef("hub", hub_id(name))):
        facts = load_facts(ref, gateway)
        with pytest.raises(error) as info:
            load_tensors(facts, gateway)
        assert "model.safetensors" in str(info.value)
    assert hub.weight_bytes_sent() == 0


def test_malformed_and_missing_config(fixtures, gateway):
    with pytest.raises(MalformedConfig, match="not valid JSON"):
        load_facts(ModelRef("local", str(fixtures["malformed-config"])), gateway)
    with pytest.raises(MalformedConfig, match=r"no config\.json"):
        load_facts(ModelRef("local", str(fixtures["no-config"])), gateway)
    with pytest.raises(MalformedConfig):
        load_facts(ModelRef("hub", hub_id("malformed-config")), gateway)


def test_no_safetensors_raise_no_checkpoint(fixtures, gateway):
    for name in ("config-only", "bin-only"):
        for ref in (ModelRef("local", str(fixtures[name])), ModelRef("hub", hub_id(name))):
            facts = load_facts(ref, gateway)
            with pytest.raises(NoCheckpoint):
                load_tensors(facts, gateway)
    facts = load_facts(ModelRef("local", str(fixtures["bin-only"])), gateway)
    with pytest.raises(NoCheckpoint, match=r"pytorch_model\.bin"):
        load_tensors(facts, gateway)


def test_unknown_gated_private(gateway):
    with pytest.raises(ModelNotFound, match="no such model"):
        load_facts(ModelRef("hub", hub_id("does-not-exist")), gateway)
    with pytest.raises(GatedModel, match="gated"):
        load_facts(ModelRef("hub", hub_id("gated-gpt2")), gateway)
    with pytest.raises(ModelNotFound, match="private"):
        load_facts(ModelRef("hub", hub_id("private-gpt2")), gateway)
    with pytest.raises(ModelNotFound, match="revision"):
        load_facts(ModelRef("hub", hub_id("tiny-gpt2"), revision="nope"), gateway)


def test_private_with_token(hub):
    gw = HubGateway(endpoint=hub.url, token=hub.token)
    facts = load_facts(ModelRef("hub", hub_id("private-gpt2")), gw)
    assert facts.heads.recommended == "AutoModelForCausalLM"


def test_no_network_is_fast_and_uses_the_cache(gateway, hub):
    ref = ModelRef("hub", hub_id("tiny-bert-mlm"))
    _open(ref, gateway)  # online once: config and headers land in the cache
    dead = HubGateway(endpoint="http://127.0.0.1:9", token=None)
    start = time.perf_counter()
    facts, table, _ = _open(ref, dead)
    assert time.perf_counter() - start < 2.0
    assert dead.offline and facts.offline
    assert table.rows
    with pytest.raises(OfflineError, match="not in the local cache"):
        load_facts(ModelRef("hub", hub_id("never-opened")), dead)


def test_offline_flag_never_sends_a_request(gateway, hub):
    ref = ModelRef("hub", hub_id("tiny-t5"))
    _open(ref, gateway)
    hub.clear_log()
    facts, table, _ = _open(ref, HubGateway(endpoint=hub.url, offline=True))
    assert facts.offline and table.rows and hub.requests == []


def test_parse_model_arg(tmp_path):
    assert parse_model_arg("gpt2").kind == "hub"
    assert parse_model_arg("openai-community/gpt2", "v1") == ModelRef(
        "hub", "openai-community/gpt2", "v1"
    )
    assert parse_model_arg(str(tmp_path)).kind == "local"
    for bad in ("./missing", "/no/such/dir", "a/b/c", "bad id!", ""):
        with pytest.raises(ModelNotFound):
            parse_model_arg(bad)


def test_a_hub_that_does_not_answer_is_not_called_offline(gateway, hub, monkeypatch):
    """A read timeout means the server is there but silent: the session serves the cache and
    says the Hub did not answer, not "no network" (issue 9)."""
    import httpx2

    from hfbrowse.core.errors import OfflineError

    api = gateway.api()

    def silent(*args, **kwargs):
        raise httpx2.ReadTimeout("silent")

    monkeypatch.setattr(api, "model_info", silent)
    monkeypatch.setattr(gateway, "api", lambda: api)
    with pytest.raises(OfflineError) as raised:
        load_facts(ModelRef("hub", hub_id("not-cached-anywhere")), gateway)
    assert gateway.offline and "did not answer" in (gateway.offline_reason or "")
    assert "No network" not in str(raised.value)
