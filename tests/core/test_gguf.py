"""GGUF files: header facts from disk and from the Hub double (zero weight bytes), and hostile
files refused in one line."""

from __future__ import annotations

import pytest

from hfbrowse.core.checkpoint.gguf_file import read_local_gguf
from hfbrowse.core.errors import MalformedHeader, ModelNotFound
from hfbrowse.core.gguf_model import GGUFTarget, derive_with_transformers, gguf_target, open_gguf
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from tests.support.gguf_files import GGUF_REPO as REPO
from tests.support.gguf_files import VOCAB


def _hub_gateway(server) -> HubGateway:
    server.clear_log()
    return HubGateway(endpoint=server.url, token=None, offline=False)


def test_local_header_facts(gguf_folder):
    info = read_local_gguf(gguf_folder / "tiny-q.gguf")
    assert info.architecture == "llama" and info.version == 3
    tokens = next(m for m in info.metadata if m.key == "tokenizer.ggml.tokens")
    assert tokens.count == VOCAB and tokens.folded and tokens.value[:3] == ["<unk>", "<s>", "</s>"]
    assert info.get("llama.block_count") == 2
    types = {t.dtype: t for t in info.table.totals}
    assert set(types) == {"Q4_0", "Q8_0", "F16", "F32"}
    assert types["Q4_0"].nbytes * 8 / types["Q4_0"].parameters == 4.5  # 18 bytes per 32 weights
    assert types["Q8_0"].nbytes * 8 / types["Q8_0"].parameters == 8.5
    emb = next(r for r in info.table.rows if r.name == "token_embd.weight")
    assert emb.shape == (64, VOCAB) and emb.dtype == "Q8_0"  # ggml order, as GGUF stores it
    assert info.table.nbytes + info.header_bytes <= info.file_size
    assert 4.5 < info.bits_per_weight < 16


def test_hub_header_is_read_by_ranges_without_weight_bytes(gguf_hub, gguf_folder):
    gateway = _hub_gateway(gguf_hub)
    info = open_gguf(GGUFTarget(ModelRef("hub", REPO), "sparse-7b-Q4_K.gguf"), gateway)
    local = read_local_gguf(gguf_folder / "sparse-7b-Q4_K.gguf")
    assert info.metadata == local.metadata
    assert [r.name for r in info.table.rows] == [r.name for r in local.table.rows]
    assert info.table.totals == local.table.totals and info.table.parameters == 6_738_415_616
    assert gguf_hub.weight_bytes_sent() == 0
    ranged = [r for r in gguf_hub.requests if r.path.endswith(".gguf")]
    assert all(r.range for r in ranged) and 2 < len(ranged) < 40
    assert sum(r.bytes_sent for r in ranged) <= info.header_bytes  # ~0.9 MB of a 3.8 GB file


def test_hub_small_file_reads_no_weight_bytes(gguf_hub):
    gateway = _hub_gateway(gguf_hub)
    info = open_gguf(GGUFTarget(ModelRef("hub", REPO), "tiny-q.gguf"), gateway)
    assert len(info.table.rows) == 21 and gguf_hub.weight_bytes_sent() == 0


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("garbage.gguf", "not a GGUF file"),
        ("truncated.gguf", "truncated"),
        ("huge-array.gguf", "cannot fit"),
    ],
)
def test_hostile_files_give_one_line(gguf_hub, gguf_folder, name, says):
    with pytest.raises(MalformedHeader, match=says) as local:
        read_local_gguf(gguf_folder / name)
    assert "\n" not in str(local.value)
    with pytest.raises(MalformedHeader, match=says):
        open_gguf(GGUFTarget(ModelRef("hub", REPO), name), _hub_gateway(gguf_hub))
    # no header to measure against here: the refusal comes after a few KB at most
    assert sum(r.bytes_sent for r in gguf_hub.requests if r.path.endswith(name)) <= 4096


def test_target_from_the_command_line(gguf_folder):
    target = gguf_target(str(gguf_folder / "tiny-q.gguf"), None)
    assert target == GGUFTarget(ModelRef("local", str(gguf_folder.resolve())), "tiny-q.gguf")
    assert gguf_target("org/name", "x.Q4_K_M.gguf").ref == ModelRef("hub", "org/name")
    assert gguf_target("org/name", None) is None
    with pytest.raises(ModelNotFound, match=r"not a \.gguf"):
        gguf_target("org/name", "model.safetensors")


@pytest.mark.torch
def test_transformers_derives_the_config_from_a_hub_header(gguf_hub):
    info = open_gguf(GGUFTarget(ModelRef("hub", REPO), "tiny-q.gguf"), _hub_gateway(gguf_hub))
    derived = derive_with_transformers(info)
    assert not isinstance(derived, Exception), derived
    assert derived.config["model_type"] == "llama" and derived.config["num_hidden_layers"] == 2
    assert derived.config["architectures"] == ["LlamaForCausalLM"]
    assert derived.heads.recommended == "AutoModelForCausalLM"
    assert derived.source is not None and derived.source.class_name == "LlamaForCausalLM"
    assert {m.name for m in derived.source.methods} >= {"__init__", "forward"}


def test_the_double_counts_bytes_past_a_gguf_header(gguf_hub, gguf_folder):
    """The zero-weight-bytes assertions above can fail: one byte past the header counts."""
    from urllib.request import Request, urlopen

    def get(last: int) -> None:
        urlopen(Request(url, headers={"Range": f"bytes=0-{last}"}), timeout=10).read()

    info = read_local_gguf(gguf_folder / "tiny-q.gguf")
    url = f"{gguf_hub.url}/{REPO}/resolve/main/tiny-q.gguf"
    gguf_hub.clear_log()
    end = info.header_bytes - 1
    get(end)
    assert gguf_hub.weight_bytes_sent() == 0
    get(end + 1)
    assert gguf_hub.weight_bytes_sent() == 1
