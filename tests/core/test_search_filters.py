"""Search filters (author, parameter range, gated, served) and the list's markers, over the
Hub double: what is sent to /api/models, what comes back, and when a parameter figure is
marked unreliable (huggingface_hub#4221)."""

from __future__ import annotations

import json
from argparse import Namespace
from urllib.parse import parse_qs

import pytest

from hfbrowse.cli.search import run_search
from hfbrowse.core.hub.local_cache import LocalModel, filter_local_query
from hfbrowse.core.hub.search import SearchQuery, SearchStream, hit_from_info
from hfbrowse.core.hub.search_filters import (
    SearchFilterError,
    hub_range,
    parameters_doubt,
    parse_count,
    parse_range,
    split_tokens,
)
from hfbrowse.core.model_ref import ModelRef
from tests.support.search_hub import BOGUS_TOTAL, list_requests, synthetic_specs

SYNTH = {s.repo_id: s for s in synthetic_specs()}


def _sent(hub) -> dict[str, list[str]]:
    (first, *_rest) = list_requests(hub)
    return parse_qs(first.query)


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [("7B", 7 * 10**9), ("1.5b", 1_500_000_000), ("500M", 5 * 10**8), ("12000", 12000)],
)
def test_counts_parse(text, value):
    assert parse_count(text) == value


def test_ranges_parse_and_go_out_in_the_hubs_syntax():
    assert parse_range("1B..8B") == (10**9, 8 * 10**9)
    assert parse_range("..500M") == (None, 5 * 10**8)
    assert parse_range("7B..") == (7 * 10**9, None)
    assert hub_range(1_500_000_000, 128 * 10**9) == "min:1500M,max:128B"
    assert hub_range(None, 5 * 10**8) == "max:500M" and hub_range(None, None) is None


@pytest.mark.parametrize("bad", ["7B", "..", "x..8B", "8B..1B", "1Q..", "-1B..2B"])
def test_bad_ranges_say_one_clear_line(bad):
    with pytest.raises(SearchFilterError) as info:
        parse_range(bad)
    assert "\n" not in str(info.value) and repr(bad) in str(info.value)


def test_tokens_typed_in_the_search_box_become_filters():
    typed = split_tokens("llama author:meta-llama params:1B..8B gated:no served instruct")
    assert typed.text == "llama instruct"
    assert typed.fields == {
        "author": "meta-llama",
        "params_min": 10**9,
        "params_max": 8 * 10**9,
        "gated": "ungated",
        "served": True,
    }
    q = SearchQuery.typed("llama author:meta-llama gated", SearchQuery(sort="likes"))
    assert (q.text, q.author, q.gated, q.sort) == ("llama", "meta-llama", "gated", "likes")
    assert q.describe() == (
        "'llama' · task any · library transformers · author meta-llama · gated · by likes"
    )
    with pytest.raises(SearchFilterError):
        split_tokens("gated:maybe")


# -- the request ---------------------------------------------------------------------------
def test_every_filter_is_sent_to_the_server_in_one_request(gw, big_hub):
    query = SearchQuery(
        text="synthetic",
        library=None,
        author="org3",
        params_min=10**9,
        params_max=8 * 10**9,
        gated="ungated",
        served=True,
    )
    hits = SearchStream(gw, query).next_batch(100)
    sent = _sent(big_hub)
    assert sent["author"] == ["org3"] and sent["num_parameters"] == ["min:1B,max:8B"]
    assert sent["gated"] == ["false"] and sent["inference_provider"] == ["all"]
    assert {"tags", "gguf", "inferenceProviderMapping", "usedStorage"} <= set(sent["expand"])
    assert len(list_requests(big_hub)) == 1  # the server filtered: no scanning of pages
    expected = [
        i
        for i, s in SYNTH.items()
        if i.startswith("org3/")
        and s.safetensors
        and 10**9 <= s.safetensors["total"] <= 8 * 10**9
        and not s.gated
        and s.providers
    ]
    assert expected and sorted(h.repo_id for h in hits) == sorted(expected)
    assert all("served" in h.markers and h.providers for h in hits)
    assert big_hub.weight_bytes_sent() == 0


def test_gated_only_and_markers_come_back(gw, big_hub):
    gated = SearchStream(gw, SearchQuery(text="synthetic", gated="gated")).next_batch(50)
    assert gated and all(h.restricted == "gated" for h in gated)
    hits = SearchStream(gw, SearchQuery(text="synthetic-model-000", library=None)).next_batch(100)
    by_id = {h.repo_id: h for h in hits}
    gguf = by_id["org4/synthetic-model-00017"]
    assert gguf.gguf and "gguf" in gguf.markers
    adapter = by_id["org6/synthetic-model-00019"]
    assert adapter.adapter and adapter.markers == ("adapter",)
    served = by_id["org11/synthetic-model-00011"]
    assert served.providers == ("hf-inference", "together") and served.markers == ("served",)


def test_the_4221_figure_is_marked_unreliable_with_its_reason(gw, big_hub):
    (hit,) = SearchStream(gw, SearchQuery(text="synthetic-model-00101")).next_batch(5)
    assert hit.parameters == BOGUS_TOTAL and hit.parameters_doubt
    assert "per-dtype" in hit.parameters_doubt and "7.62B" in hit.parameters_doubt
    row = hit.as_dict()
    assert row["parameters_unreliable"] == hit.parameters_doubt and row["markers"] == []
    (packed,) = SearchStream(gw, SearchQuery(text="synthetic-model-00265")).next_batch(5)
    assert "packed I32" in (packed.parameters_doubt or "")
    (fine,) = SearchStream(gw, SearchQuery(text="synthetic-model-00003")).next_batch(5)
    assert fine.parameters and fine.parameters_doubt is None


def test_the_unreliable_rule():
    right = {"parameters": {"BF16": 7_615_616_512}, "total": 7_615_616_512}
    assert parameters_doubt(right, 15_231_233_024) is None
    wrong = {"parameters": {"BF16": 7_615_616_512}, "total": 333_312}
    assert "disagrees" in parameters_doubt(wrong, None)
    packed = {"parameters": {"I32": 10**9, "F16": 2 * 10**8}, "total": 12 * 10**8}
    assert "packed I32" in parameters_doubt(packed, None)
    int8 = {"parameters": {"I8": 10**9, "F16": 2 * 10**8}, "total": 12 * 10**8}
    assert parameters_doubt(int8, 2 * 10**9) is None  # int8 holds one weight each
    buffers = {"parameters": {"F32": 10**8, "I64": 512}, "total": 10**8 + 512}
    assert parameters_doubt(buffers, 4 * 10**8) is None
    no_split = {"total": 333_312}  # a total alone: only the bytes-per-parameter rule can tell
    assert "bytes each" in parameters_doubt(no_split, 15 * 10**9)
    assert parameters_doubt(no_split, 40 * 333_312) is None  # many formats, still plausible
    assert parameters_doubt(None, 10**9) is None


def test_markers_from_a_partial_model_info():
    class Info:
        id = "a/b"
        tags = ["gguf", "base_model:adapter:x/y"]
        library_name = "peft"
        gguf = None
        inference = "warm"
        inference_provider_mapping = None
        safetensors = None
        used_storage = None

    hit = hit_from_info(Info())
    assert hit.markers == ("gguf", "adapter", "served") and hit.providers == ("a provider",)


# -- local models ------------------------------------------------------------------------------
def test_local_models_take_the_author_and_say_what_cannot_apply():
    models = (
        LocalModel(ModelRef("hub", "meta-llama/Llama-3"), "cache", 1, 1.0),
        LocalModel(ModelRef("hub", "other/llama-like"), "cache", 1, 1.0),
    )
    query = SearchQuery(text="llama", author="meta-llama", params_min=10**9, served=True)
    found, unapplied = filter_local_query(models, query)
    assert [m.ref.id for m in found] == ["meta-llama/Llama-3"]
    assert unapplied == ["parameter count", "served by a provider"]


# -- the command line ------------------------------------------------------------------------
def _args(**kw) -> Namespace:
    base = dict(
        search="",
        sort="downloads",
        task="any",
        library="any",
        limit=10,
        print_json=False,
        print_text=False,
        offline=False,
        author=None,
        params=None,
        access=None,
        served=False,
    )
    return Namespace(**{**base, **kw})


def test_cli_json_has_markers_and_the_unreliable_reason(gw, capsys, clean_cache):
    assert run_search(_args(search="synthetic-model-0010", print_json=True), gw) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == "1.6"
    rows = {r["id"]: r for r in doc["results"]}
    assert rows["org10/synthetic-model-00101"]["parameters_unreliable"]
    assert rows["org10/synthetic-model-00101"]["parameters"] == BOGUS_TOTAL
    assert "markers" in rows["org5/synthetic-model-00109"]
    assert doc["query"]["author"] is None and doc["query"]["served"] is False


def test_cli_print_shows_filters_markers_and_the_doubt(gw, big_hub, capsys, clean_cache):
    args = _args(search="synthetic", author="org10", params=(None, 10**6), access="ungated")
    assert run_search(args, gw) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "Hub models: 'synthetic' · task any · library any · author org10 · params ..1M"
        " · ungated · by downloads"
    )
    assert out[1].split()[:3] == ["model", "has", "task"]
    assert any("333.3K?" in line for line in out)
    assert any(line.startswith("? org10/") and "per-dtype" in line for line in out)
    assert "has: G = GGUF files" in "\n".join(out)
    sent = _sent(big_hub)
    assert sent["num_parameters"] == ["max:1M"] and sent["gated"] == ["false"]


def test_cli_typed_tokens_and_bad_ranges(gw, capsys, clean_cache):
    assert run_search(_args(search="synthetic author:org2 served", print_json=True), gw) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["query"]["search"] == "synthetic" and doc["query"]["author"] == "org2"
    assert doc["results"] and all(
        r["id"].startswith("org2/") and "served" in r["markers"] for r in doc["results"]
    )
    assert run_search(_args(search="x params:lots"), gw) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'lots'" in err and "1B..8B" in err


def test_cli_offline_applies_the_author_and_says_what_it_cannot(capsys, clean_cache):
    from hfbrowse.core.hub.gateway import HubGateway

    args = _args(search="gpt", author="x", served=True, print_json=True)
    assert run_search(args, HubGateway(offline=True)) == 0
    captured = capsys.readouterr()
    assert "cannot be filtered by served by a provider" in captured.err
    doc = json.loads(captured.out)
    assert doc["not_applied"] == ["served by a provider"] and doc["results"] == []


def test_the_parser_builds_the_query_the_tui_and_print_share():
    from hfbrowse.cli.args import build_parser
    from hfbrowse.cli.search import query_from_args

    args = build_parser().parse_args(
        ["--search", "qwen gated", "--author", "Qwen", "--params", "1.5B..", "--served"]
    )
    q = query_from_args(args)
    assert (q.text, q.author, q.params_min, q.params_max) == ("qwen", "Qwen", 1_500_000_000, None)
    assert q.gated == "gated" and q.served  # typed token over the (absent) --gated/--ungated
    assert query_from_args(build_parser().parse_args(["--search", "", "--ungated"])).gated == (
        "ungated"
    )
