"""Revisions through the gateway: refs and commits, opening a revision, diffing two (headers)."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.core.errors import HFBrowseError, MalformedAnswer, UnsafeInput
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.revisions import list_revisions
from hfbrowse.core.model import load_checkpoint, load_facts
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.revision_diff import diff_revision, tensor_diff_lines
from tests.support.revisions import REPO
from tests.support.revisions import history_hub as start_history_hub


@pytest.fixture(scope="module")
def history_hub(fixtures, tmp_path_factory):
    with start_history_hub(fixtures, tmp_path_factory.mktemp("history")) as hub:
        yield hub


@pytest.fixture
def gw(history_hub, clean_cache):
    history_hub.clear_log()
    return HubGateway(endpoint=history_hub.url)


def test_refs_and_commits(gw, history_hub):
    revs = list_revisions(ModelRef("hub", REPO), gw)
    assert [(r.name, r.kind) for r in revs.refs] == [
        ("main", "branch"),
        ("v2", "branch"),
        ("v1.0", "tag"),
    ]
    assert revs.refs[0].commit == revs.refs[2].commit == history_hub.repo_sha(REPO)
    assert [c.title for c in revs.commits] == ["Upload main", "initial commit"]
    assert revs.commits[0].date.startswith("2026-01-02") and revs.skipped == 0
    on_v2 = list_revisions(ModelRef("hub", REPO, revision="v2"), gw)
    assert on_v2.commits[0].title == "Update on v2"
    assert on_v2.commits[0].commit == on_v2.refs[1].commit


def test_open_a_revision_reads_its_files(gw, history_hub):
    facts = load_facts(ModelRef("hub", REPO, revision="v2"), gw)
    assert facts.config["use_cache"] is False
    tag = load_facts(ModelRef("hub", REPO, revision="v1.0"), gw)
    assert "use_cache" not in tag.config or tag.config["use_cache"] is not False
    assert history_hub.weight_bytes_sent() == 0


def test_diff_two_revisions_from_headers(gw, history_hub):
    facts = load_facts(ModelRef("hub", REPO), gw)
    checkpoint = load_checkpoint(facts, gw, None)
    diff = diff_revision(facts, checkpoint, "v2", gw)
    t = diff.tensors
    assert (t.count("added"), t.count("removed"), t.count("reshaped"), t.count("retyped")) == (
        1,
        1,
        1,
        1,
    )
    assert {c.path for c in diff.config.flat() if c.change != "same"} >= {
        "n_positions",
        "use_cache",
    }
    lines = tensor_diff_lines(diff)
    assert lines[0].startswith("tensors: +1 added, -1 removed, 1 reshaped, 1 re-typed")
    assert "  + transformer.extra.weight  (4, 4) F32" in lines
    assert "  - transformer.h.1.ln_2.bias  (32) F32" in lines
    assert "  ~ transformer.ln_f.weight  F32 → F16" in lines
    assert history_hub.weight_bytes_sent() == 0


def test_wrong_shape_refs_answer_is_one_line(gw):
    with pytest.raises(MalformedAnswer) as err:
        list_revisions(ModelRef("hub", "hfbrowse-test/bad-refs"), gw)
    assert str(err.value).startswith(
        "hfbrowse-test/bad-refs: the Hub's refs answer has an unexpected shape"
    )
    assert not gw.offline  # a bad answer is not a lost network


def test_unsafe_ref_names_and_shas_are_left_out(gw):
    revs = list_revisions(ModelRef("hub", "hfbrowse-test/odd-refs"), gw)
    assert [r.name for r in revs.refs] == ["main"] and revs.skipped == 2


@pytest.mark.parametrize("rev", ["../../etc/passwd", "a..b/../c", "/abs", "x y"])
def test_hostile_revision_strings_refused(rev, gw):
    with pytest.raises(UnsafeInput):
        ModelRef("hub", REPO, revision=rev)
    facts = load_facts(ModelRef("hub", REPO), gw)
    with pytest.raises(UnsafeInput):
        diff_revision(facts, load_checkpoint(facts, gw, None), rev, gw)


def test_local_folder_has_no_revisions(fixtures):
    with pytest.raises(HFBrowseError, match="local folder"):
        list_revisions(ModelRef("local", str(fixtures["tiny-gpt2"])), HubGateway(offline=True))


def _serve_cli_from(hub, monkeypatch):
    """The command line's gateway points at ``hub`` (HF_ENDPOINT is read once, at import)."""
    monkeypatch.setattr(
        HubGateway, "from_env", classmethod(lambda cls, offline=False: cls(endpoint=hub.url))
    )


def _cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_revisions_and_diff(gw, history_hub, capsys, monkeypatch):
    _serve_cli_from(history_hub, monkeypatch)
    code, out, err = _cli(capsys, REPO, "--json", "--revisions", "--diff-revision", "v2")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] == "1.6"
    assert [r["name"] for r in doc["revisions"]["refs"]] == ["main", "v2", "v1.0"]
    rd = doc["revision_diff"]
    assert (rd["left"], rd["right"]) == ("main", "v2")
    assert rd["tensors"]["reshaped"] == 1 and rd["config"]["changed"] >= 1
    code, text, err = _cli(capsys, REPO, "--print", "--revisions", "--diff-revision", "v2")
    assert code == 0, err
    assert "Revisions:" in text and "  tag     v1.0" in text
    assert (
        "Revision diff: - main  + v2" in text and "  ~ transformer.ln_f.weight  F32 → F16" in text
    )
    assert history_hub.weight_bytes_sent() == 0


def test_cli_refuses_a_hostile_revision(capsys):
    code, _, err = _cli(capsys, "gpt2", "--json", "--diff-revision", "../x")
    assert code == 2 and err.startswith("hfbrowse: --diff-revision '../x' is not a branch")
    assert err.count("\n") == 1


def test_cli_bad_refs_answer_fails_in_its_section(gw, history_hub, capsys, monkeypatch):
    _serve_cli_from(history_hub, monkeypatch)
    code, out, err = _cli(capsys, "hfbrowse-test/bad-refs", "--json", "--revisions")
    assert code == 1
    assert "unexpected shape" in json.loads(out)["revisions"]["error"]
    assert err.startswith("hfbrowse: hfbrowse-test/bad-refs: the Hub's refs answer")
