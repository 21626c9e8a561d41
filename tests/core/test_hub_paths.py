"""What a Hub server says is checked before it becomes a path: the commit sha of ``model_info``
(it names the headers cache file and the refs of the HF cache) and the shard names of an index."""

from __future__ import annotations

import json
import shutil

import pytest

from hfbrowse.core.errors import MalformedHeader, UnsafeInput
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_checkpoint, load_facts
from hfbrowse.core.model_ref import ModelRef
from tests.support.hub_server import FakeHub, RepoSpec


@pytest.fixture
def hostile_hub(fixtures, tmp_path):
    """A Hub double serving tiny-gpt2 (its sha to be spoiled) and a sharded repo whose index
    names a shard outside the repo."""
    sharded = tmp_path / "escaping-index"
    shutil.copytree(fixtures["tiny-gpt2"], sharded)
    (sharded / "model.safetensors").rename(sharded / "model-1.safetensors")
    index = {"weight_map": {"a": "model-1.safetensors", "b": "../../../../escape.safetensors"}}
    (sharded / "model.safetensors.index.json").write_text(json.dumps(index))
    server = FakeHub(
        [
            RepoSpec("evil/sha", fixtures["tiny-gpt2"]),
            RepoSpec("evil/index", sharded),
        ]
    ).start()
    yield server
    server.stop()


def test_a_commit_sha_with_dot_dots_is_refused_before_any_path(hostile_hub, clean_cache, tmp_path):
    """The headers cache used to be written to ``<cache>/<id>/<sha>.json`` with the server's
    sha as it came: dot-dots led it anywhere."""
    escape = tmp_path / "escape"
    repo = hostile_hub._repos["evil/sha"]
    record = repo.record  # model_info lies; downloads still answer with the real commit

    def lying(*args, **kwargs):
        return {**record(*args, **kwargs), "sha": "../" * 30 + str(escape).lstrip("/")}

    repo.record = lying
    gateway = HubGateway(endpoint=hostile_hub.url)
    ref = ModelRef("hub", "evil/sha")
    with pytest.raises(UnsafeInput, match="commit sha") as caught:
        facts = load_facts(ref, gateway)
        load_checkpoint(facts, gateway, facts.heads.shown())
    assert "\n" not in str(caught.value) and "40 hex digits" in str(caught.value)
    assert not list(tmp_path.glob("escape*"))  # nothing written where the sha pointed


def test_a_hub_index_naming_a_shard_outside_the_repo(hostile_hub, clean_cache):
    gateway = HubGateway(endpoint=hostile_hub.url)
    facts = load_facts(ModelRef("hub", "evil/index"), gateway)
    checkpoint = load_checkpoint(facts, gateway, facts.heads.shown())
    assert checkpoint.table is None
    assert isinstance(checkpoint.error, MalformedHeader)
    assert "plain relative name" in str(checkpoint.error)
    assert facts.config["model_type"] == "gpt2"  # the config still shows
