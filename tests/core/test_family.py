"""The model's family: the Hub's model tree through the gateway, the card, adapter_config, and
hostile values; zero weight bytes and the request budget asserted on the double's log."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.core.hub.family import (
    MAX_BASES,
    family_from_card,
    family_from_hub,
    load_family,
    with_children,
)
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_facts
from hfbrowse.core.model_ref import ModelRef
from tests.support.adapters import write_lora
from tests.support.family import (
    ADAPTER,
    BASE,
    FINETUNE,
    FINETUNES,
    HOSTILE,
    HUGE,
    MERGE,
    OTHER_BASE,
    QUANTIZED,
    family_hub,
)


@pytest.fixture(scope="module")
def fam_hub(fixtures, tmp_path_factory):
    with family_hub(fixtures, tmp_path_factory.mktemp("family")) as hub:
        yield hub


@pytest.fixture
def gw(fam_hub, clean_cache):
    fam_hub.clear_log()
    return HubGateway(endpoint=fam_hub.url)


def _open(gw, repo_id):
    facts = load_facts(ModelRef("hub", repo_id), gw)
    return facts, load_family(facts, gw)


def test_finetune_names_its_base_at_no_extra_request(gw, fam_hub):
    _, family = _open(gw, FINETUNE)
    assert family.relation == "finetune" and [b.id for b in family.bases] == [BASE]
    assert family.source == "hub" and family.children_count == 0
    assert family.summary() == f"finetune of {BASE}"
    # the opening's budget: model_info (with the tree expanded), config.json; nothing else
    infos = [r for r in fam_hub.requests if r.path.startswith("/api/")]
    assert [r.path for r in infos] == [f"/api/models/{FINETUNE}"]
    assert "expand=baseModels" in infos[0].query and "expand=childrenModelCount" in infos[0].query
    assert fam_hub.weight_bytes_sent() == 0


def test_base_counts_and_lists_its_children(gw, fam_hub):
    facts, family = _open(gw, BASE)
    assert family.bases == () and family.relation is None
    assert family.children_count == 2 + 1 + 3 + 1  # finetunes, adapter, quantized, merge
    assert family.summary() == "7 derived"
    fam_hub.clear_log()
    listed = with_children(family, gw, facts.ref, limit=2)
    groups = {c.relation: c for c in listed.children}
    assert [m.id for m in groups["finetune"].models] == list(FINETUNES)  # most downloaded first
    assert groups["finetune"].models[0].downloads == 900
    assert [m.id for m in groups["adapter"].models] == [ADAPTER]
    assert [m.id for m in groups["quantized"].models] == list(QUANTIZED[:2])
    assert groups["quantized"].more and not groups["adapter"].more
    assert not groups["finetune"].more  # exactly the limit: the one asked past it was not there
    assert [m.id for m in groups["merge"].models] == [MERGE]
    requests = fam_hub.requests
    assert len(requests) == 4  # one per relation
    assert all(r.path == "/api/models" and "base_model%3A" in r.query for r in requests)
    assert fam_hub.weight_bytes_sent() == 0


def test_adapter_and_merge(gw):
    _, adapter = _open(gw, ADAPTER)
    assert adapter.relation == "adapter" and adapter.base.id == BASE
    merge = family_from_hub({"relation": "merge", "models": [{"id": BASE}, {"id": OTHER_BASE}]}, 0)
    assert merge.summary() == f"merge of {BASE} + 1 more"


def test_hostile_tree_is_left_out_with_notes(gw, fam_hub):
    _, family = _open(gw, HOSTILE)
    assert [b.id for b in family.bases] == ["x"]  # "../../etc" and 5 are no repo ids
    assert family.children_count is None
    joined = " | ".join(family.notes)
    assert "unknown relation 'sideways'" in joined
    assert "2 base ids left out" in joined and "children count 'many'" in joined
    _, huge = _open(gw, HUGE)
    assert len(huge.bases) == MAX_BASES and huge.relation == "merge"
    assert any("5,000 base models named" in n for n in huge.notes)
    assert any("-3" in n for n in huge.notes)


@pytest.mark.parametrize(
    "raw",
    [
        "org/name",
        ["a/b", "a/b", {"id": "c/d"}],
        {"relation": 3, "models": "a/b"},
        {"relation": "FINETUNE", "models": [{"id": "a/../b"}, {"no": "id"}, None]},
        {"models": [{"id": "\x1b[31mred"}, {"id": "a" * 500}]},
        12,
        [[["deep"]]],
    ],
)
def test_wrong_types_never_crash(raw):
    family = family_from_hub(raw, True)
    assert all(".." not in b.id and "\x1b" not in b.id for b in family.bases)
    assert family.children_count is None  # a bool is not a count
    assert family.relation in (None, "finetune", "adapter", "quantized", "merge")


def test_card_and_adapter_config(tmp_path, fixtures):
    card = family_from_card({"base_model": ["a/b", "c/d"]})
    assert card.relation == "merge" and card.source == "card"
    quant = family_from_card({"base_model": "a/b", "base_model_relation": "quantized"})
    assert quant.relation == "quantized"
    bad = family_from_card({"base_model": "../../etc/passwd"})
    assert bad.bases == () and bad.notes
    assert family_from_card(["not", "a", "mapping"]).notes
    # a local folder: its README's YAML
    folder = tmp_path / "ft"
    folder.mkdir()
    (folder / "config.json").write_text((fixtures["tiny-gpt2"] / "config.json").read_text())
    (folder / "README.md").write_text("---\nbase_model:\n- org/base\n---\n# hi\n")
    facts = load_facts(ModelRef("local", str(folder)), HubGateway(offline=True))
    family = load_family(facts, HubGateway(offline=True))
    assert family.relation == "finetune" and family.base.id == "org/base"
    assert family.children_count is None and family.source == "card"
    # a PEFT folder: adapter_config.json's base
    lora = write_lora(tmp_path / "lora", BASE)
    facts = load_facts(ModelRef("local", str(lora)), HubGateway(offline=True))
    family = load_family(facts, HubGateway(offline=True))
    assert (family.relation, family.base.id, family.source) == ("adapter", BASE, "adapter_config")


def test_offline_uses_the_cached_card(gw, fam_hub):
    _open(gw, FINETUNE)  # caches config.json; the card too once read
    gw.fetch_file(ModelRef("hub", FINETUNE), "README.md")
    offline = HubGateway(endpoint=fam_hub.url, offline=True)
    facts, family = _open(offline, FINETUNE)
    assert facts.offline and family.base.id == BASE and family.source == "card"
    assert any("offline" in n for n in family.notes)
    listed = with_children(family, offline, facts.ref)
    assert all(c.error and "offline" in c.error for c in listed.children)


def test_json_and_print(gw, fam_hub, capsys, monkeypatch):
    monkeypatch.setattr(  # the CLI's gateway points at the double (HF_ENDPOINT is read once)
        HubGateway, "from_env", classmethod(lambda cls, offline=False: cls(endpoint=fam_hub.url))
    )
    assert main([FINETUNE, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == "1.6"
    fam = doc["family"]
    assert fam["relation"] == "finetune" and fam["bases"] == [BASE]
    assert fam["children"] is None and fam["summary"] == f"finetune of {BASE}"
    assert not any(r.path == "/api/models" for r in fam_hub.requests)  # children not listed
    fam_hub.clear_log()
    assert main([BASE, "--json", "--family", "--limit", "1"]) == 0
    fam = json.loads(capsys.readouterr().out)["family"]
    assert fam["children_count"] == 7
    assert [m["id"] for m in fam["children"]["finetune"]["models"]] == [FINETUNE]
    assert fam["children"]["finetune"]["more"] is True
    assert len([r for r in fam_hub.requests if r.path == "/api/models"]) == 4
    assert fam_hub.weight_bytes_sent() == 0
    assert main([BASE, "--print", "--family"]) == 0
    out = capsys.readouterr().out
    assert "Family:" in out and "derived models: 7" in out
    assert "quantizations (3):" in out and QUANTIZED[0] in out
    assert main([FINETUNE, "--print"]) == 0
    out = capsys.readouterr().out
    assert f"finetune of:  (the Hub's model tree)\n    {BASE}" in out


def test_family_flag_needs_print(capsys):
    assert main(["gpt2", "--family"]) == 2
    assert "--family: only with --print or --json" in capsys.readouterr().err


def test_children_listing_checks_ids_and_survives_no_network(clean_cache):
    from tests.support.hub_server import FakeHub, RepoSpec

    tree = {"relation": "finetune", "models": [{"id": "org/base"}]}
    specs = [
        RepoSpec("org/base", None),
        RepoSpec("bad/x..y", None, downloads=9, base_models=tree),  # no valid repo id
        RepoSpec("ok/child", None, downloads=1, base_models=tree),
    ]
    with FakeHub(specs) as hub:
        gw = HubGateway(endpoint=hub.url)
        ref = ModelRef("hub", "org/base")
        facts = _family_from_info(gw, ref)
        listed = with_children(facts, gw, ref, relations=("finetune",))
        (group,) = listed.children
        assert [m.id for m in group.models] == ["ok/child"] and group.skipped == 1
    dead = HubGateway(endpoint="http://127.0.0.1:9")
    listed = with_children(family_from_hub(None, 3), dead, ref, relations=("finetune", "merge"))
    assert listed.children[0].error and dead.offline  # one line, and the session goes offline
    assert "offline" in listed.children[1].error  # no second wait on a dead Hub


def _family_from_info(gw, ref):
    """The family of a metadata-only repo (no config.json to open): from model_info alone."""
    facts = gw.model_facts(ref)
    return family_from_hub(facts.base_models, facts.children_count)
