"""Hub search, local models, model cards and repo files (core, no Textual), over the Hub double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from hfbrowse.cli.search import run_search
from hfbrowse.core.errors import GatedModel, ModelNotFound, OfflineError
from hfbrowse.core.hub.card import load_card, parse_card
from hfbrowse.core.hub.files import list_files
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.local_cache import cached_files, cached_models, filter_local, local_models
from hfbrowse.core.hub.search import SearchQuery, SearchStream, check_reachable, search_models
from hfbrowse.core.hub.search_terms import SORTS, search_tasks
from hfbrowse.core.model_ref import ModelRef
from tests.support.search_hub import (
    PAGE_SIZE,
    list_requests,
    search_id,
    start_search_hub,
    synthetic_specs,
)

SYNTH = {s.repo_id: s for s in synthetic_specs()}
WIRE_FIELD = {
    "downloads": "downloads",
    "likes": "likes",
    "trending": "trending_score",
    "updated": "last_modified",
}


def _query(record) -> dict[str, list[str]]:
    return parse_qs(record.query)


# -- searching -------------------------------------------------------------------------------
def test_first_batch_is_one_request_sorted_by_downloads(gw, big_hub):
    hits = SearchStream(gw, SearchQuery()).next_batch(PAGE_SIZE)
    assert len(hits) == PAGE_SIZE
    assert [h.repo_id for h in hits[:2]] == [search_id("tiny-gpt2"), search_id("tiny-bert-mlm")]
    downloads = [h.downloads for h in hits]
    assert downloads == sorted(downloads, reverse=True)
    (request,) = list_requests(big_hub)
    q = _query(request)
    assert q["sort"] == ["downloads"] and q["filter"] == ["transformers"]
    assert "search" not in q and "pipeline_tag" not in q and "limit" not in q
    assert {"pipeline_tag", "downloads", "likes", "safetensors", "gated"} <= set(q["expand"])


def test_paging_past_the_first_page_requests_only_the_pages_read(gw, big_hub):
    stream = SearchStream(gw, SearchQuery(text="synthetic"))
    rows = []
    for expected_requests in (1, 2, 3):
        rows += stream.next_batch(PAGE_SIZE)
        assert len(list_requests(big_hub)) == expected_requests
    assert len(rows) == 3 * PAGE_SIZE == len({h.repo_id for h in rows})
    downloads = [h.downloads for h in rows]
    assert downloads == sorted(downloads, reverse=True)  # one ordering across page boundaries
    assert "cursor=" in list_requests(big_hub)[-1].query
    assert not stream.exhausted and stream.loaded == 300


def test_a_stream_ends_exactly_at_the_last_result(gw, big_hub):
    expected = [
        i for i in SYNTH if "synthetic-model-0012" in i and SYNTH[i].library_name == "transformers"
    ]
    stream = SearchStream(gw, SearchQuery(text="synthetic-model-0012"))
    hits = stream.next_batch(PAGE_SIZE)
    assert sorted(h.repo_id for h in hits) == sorted(expected)
    assert stream.exhausted and stream.next_batch(PAGE_SIZE) == ()


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_orders_results_descending(gw, big_hub, sort):
    hits = SearchStream(gw, SearchQuery(text="synthetic", sort=sort)).next_batch(150)
    values = [getattr(SYNTH[h.repo_id], WIRE_FIELD[sort]) for h in hits]
    assert values == sorted(values, reverse=True)
    wire = {"trending": "trendingScore", "updated": "lastModified"}.get(sort, sort)
    assert _query(list_requests(big_hub)[0])["sort"] == [wire]


def test_task_and_library_filters(gw, big_hub):
    hits = SearchStream(gw, SearchQuery(text="synthetic", task="fill-mask")).next_batch(200)
    assert hits and all(h.pipeline_tag == "fill-mask" for h in hits)
    assert _query(list_requests(big_hub)[0])["pipeline_tag"] == ["fill-mask"]
    libs = {h.library_name for h in SearchStream(gw, SearchQuery(library=None)).next_batch(300)}
    assert libs == {"transformers", "diffusers"}
    only = {h.library_name for h in SearchStream(gw, SearchQuery()).next_batch(300)}
    assert only == {"transformers"}


def test_task_filter_offers_the_tasks_the_seven_heads_serve():
    from hfbrowse.core.heads.registry import PIPELINE_TO_HEAD

    assert search_tasks() == ("any", *PIPELINE_TO_HEAD)
    q = SearchQuery()
    seen = []
    for _ in range(len(search_tasks())):
        q = q.cycled("task", search_tasks())
        seen.append(q.task)
    assert seen[-1] is None and seen[:-1] == list(PIPELINE_TO_HEAD)


def test_hits_carry_parameters_dates_and_access(gw, big_hub):
    hits = {h.repo_id: h for h in SearchStream(gw, SearchQuery(text=search_id(""))).next_batch(50)}
    gpt2 = hits[search_id("tiny-gpt2")]
    assert gpt2.parameters and gpt2.parameters > 10_000 and gpt2.updated == "2026-01-01"
    assert gpt2.pipeline_tag == "text-generation" and gpt2.restricted is None
    assert hits[search_id("gated-gpt2")].restricted == "gated"
    assert search_id("private-gpt2") not in hits  # private repos are listed only with a token
    with_token = HubGateway(endpoint=big_hub.url, token=big_hub.token)
    found = SearchStream(with_token, SearchQuery(text="private-gpt2")).next_batch(5)
    assert [(h.repo_id, h.restricted) for h in found] == [(search_id("private-gpt2"), "private")]


def test_search_models_limit_is_sent_and_honoured(gw, big_hub):
    hits = search_models(gw, SearchQuery(text="synthetic", sort="likes"), limit=7)
    assert len(hits) == 7
    assert _query(list_requests(big_hub)[0])["limit"] == ["7"]


def test_no_network_is_detected_fast_and_sticks(fixtures):
    hub = start_search_hub(fixtures, n=10)
    gateway = HubGateway(endpoint=hub.url)
    check_reachable(gateway)  # answers: no error
    hub.stop()
    started = time.perf_counter()
    with pytest.raises(OfflineError, match="No network"):
        search_models(gateway, SearchQuery(text="gpt2"))
    assert time.perf_counter() - started < 2.0
    assert gateway.offline
    with pytest.raises(OfflineError, match="Offline"):
        check_reachable(gateway)


# -- the local side --------------------------------------------------------------------------
def test_local_models_cache_and_files(gw, clean_cache, fixtures):
    ref = ModelRef("hub", search_id("tiny-bert-mlm"))
    gw.fetch_file(ref, "config.json")
    cached = cached_models()
    assert [c.repo_id for c in cached] == [ref.id] and cached[0].has_config
    assert set(cached_files(ref.id)) == {"config.json"}
    given = [
        ModelRef("local", str(fixtures["tiny-gpt2"]), label="demo"),
        ModelRef("hub", "someone/not-cached"),
    ]
    models = local_models(given, cached)
    assert [(m.name, m.where) for m in models] == [
        ("tiny-gpt2", "demo"),
        ("someone/not-cached", "hub"),
        (ref.id, "cache"),
    ]
    assert models[0].size == sum(p.stat().st_size for p in fixtures["tiny-gpt2"].iterdir())
    assert [m.name for m in filter_local(models, "BERT mlm")] == [ref.id]
    assert filter_local(models, "") == models


# -- cards and files -------------------------------------------------------------------------
def test_card_metadata_and_body(gw):
    card = load_card(ModelRef("hub", search_id("tiny-gpt2")), gw)
    assert card.origin == "hub" and dict(card.metadata)["pipeline_tag"] == "text-generation"
    assert card.body.startswith("# tiny-gpt2") and "---" not in card.body.splitlines()[0]


def test_card_parsing_edge_cases():
    ref = ModelRef("hub", "x/y")
    broken = parse_card(ref, "---\ntags: [oops\n---\n# Body\n", "hub")
    assert broken.metadata == () and "unreadable YAML" in broken.metadata_error
    assert broken.body == "# Body"
    plain = parse_card(ref, "# Only text\n", "hub")
    assert plain.metadata == () and plain.metadata_error is None and plain.body == "# Only text"
    nested = parse_card(ref, "---\nmodel-index:\n  - name: a\n    results: []\n---\nx", "hub")
    assert dict(nested.metadata)["model-index"] == '{"name": "a", "results": []}'
    huge = parse_card(ref, "x" * 70_000, "hub")
    assert huge.truncated and len(huge.body) == 60_000


def test_card_errors_say_what_is_needed(gw, fixtures):
    with pytest.raises(GatedModel, match=r"accept its terms.*HF_TOKEN"):
        load_card(ModelRef("hub", search_id("gated-gpt2")), gw)
    with pytest.raises(ModelNotFound, match="HF_TOKEN"):
        load_card(ModelRef("hub", search_id("private-gpt2")), gw)
    with pytest.raises(ModelNotFound, match=r"README\.md"):
        load_card(ModelRef("hub", search_id("config-only")), gw)
    with pytest.raises(ModelNotFound, match="no model card"):
        load_card(ModelRef("local", str(fixtures["config-only"])), gw)
    local = load_card(ModelRef("local", str(fixtures["tiny-gpt2"])), gw)
    assert local.origin == "folder" and local.metadata


def test_files_mark_what_is_cached_and_work_offline(gw, big_hub, clean_cache):
    ref = ModelRef("hub", search_id("tiny-gpt2"))
    gw.fetch_file(ref, "config.json")
    listing = list_files(ref, gw)
    assert listing.origin == "hub"
    by_path = {f.path: f for f in listing.files}
    assert by_path["config.json"].cached and not by_path["model.safetensors"].cached
    assert by_path["model.safetensors"].lfs and by_path["model.safetensors"].is_weights
    assert listing.cached_count == 1 and listing.total_bytes > by_path["model.safetensors"].size
    assert big_hub.weight_bytes_sent() == 0
    offline = list_files(ref, HubGateway(endpoint=big_hub.url, offline=True))
    assert offline.origin == "cache" and [f.path for f in offline.files] == ["config.json"]
    with pytest.raises(OfflineError, match="no file"):
        list_files(ModelRef("hub", search_id("tiny-bert-mlm")), HubGateway(offline=True))
    with pytest.raises(ModelNotFound, match="HF_TOKEN"):
        list_files(ModelRef("hub", search_id("private-gpt2")), gw)


def test_files_of_a_folder(fixtures):
    listing = list_files(ModelRef("local", str(fixtures["tiny-gpt2"])), HubGateway(offline=True))
    assert listing.origin == "folder" and all(f.cached for f in listing.files)
    assert "config.json" in {f.path for f in listing.files}


# -- the command line ------------------------------------------------------------------------
def _args(**kw) -> Namespace:
    base = dict(
        search="",
        sort="downloads",
        task="any",
        library="transformers",
        limit=5,
        print_json=False,
        print_text=False,
        offline=False,
    )
    return Namespace(**{**base, **kw})


def test_cli_prints_text_and_json(gw, capsys, clean_cache):
    gw.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "config.json")
    assert run_search(_args(search="gpt2"), gw) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Hub models: 'gpt2' · task any · library transformers · by downloads"
    assert out[1].split() == ["model", "has", "task", "downloads", "likes", "params", "updated"]
    assert out[2].startswith("●  hfbrowse-search/tiny-gpt2") and "900.0K" in out[2]
    assert "(gated)" in out[3]
    assert (
        run_search(
            _args(search="synthetic", task="fill-mask", sort="likes", limit=3, print_json=True), gw
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["query"] == {
        "search": "synthetic",
        "sort": "likes",
        "task": "fill-mask",
        "library": "transformers",
        "author": None,
        "parameters": None,
        "gated": None,
        "served": False,
    }
    assert len(doc["results"]) == 3 and {r["pipeline_tag"] for r in doc["results"]} == {"fill-mask"}
    assert [r["likes"] for r in doc["results"]] == sorted(
        (r["likes"] for r in doc["results"]), reverse=True
    )


def test_cli_offline_lists_the_cache(gw, capsys, clean_cache):
    gw.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "config.json")
    assert run_search(_args(search="gpt", print_json=True), HubGateway(offline=True)) == 0
    captured = capsys.readouterr()
    assert "local cache instead" in captured.err
    doc = json.loads(captured.out)
    assert doc["source"] == "cache" and [r["id"] for r in doc["results"]] == [
        search_id("tiny-gpt2")
    ]


def test_cli_wiring_in_a_subprocess(big_hub):
    env = {**os.environ, "HF_ENDPOINT": big_hub.url}
    cmd = [sys.executable, "-m", "hfbrowse", "--search", "synthetic-model-0000", "--json"]
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent
    )
    assert done.returncode == 0, done.stderr
    ids = [r["id"] for r in json.loads(done.stdout)["results"]]
    assert ids and all("synthetic-model-0000" in i for i in ids)
    bad = subprocess.run(
        [*cmd[:3], "--search", "x", "--limit", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--limit" in bad.stderr and "Traceback" not in bad.stderr
