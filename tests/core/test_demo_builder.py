"""Tests for hfbrowse.demo.builder: tiny offline models with real tokenizers, and odd fixtures."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hfbrowse.demo.builder import (
    DEMO_MODELS,
    MARKER_FILE,
    DemoSpec,
    build_demo_models,
)
from hfbrowse.demo.fixtures import build_test_fixtures

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

DEMO_NAMES = [s.name for s in DEMO_MODELS]
SPEC = {s.name: s for s in DEMO_MODELS}
FIXTURE_NAMES = [
    "sharded-gpt2",
    "config-only",
    "bin-only",
    "malformed-header",
    "truncated-header",
    "huge-header-claim",
    "malformed-config",
    "no-config",
    "sparse-70b",
    "remote-code",
]
BIG = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_test_fixtures(tmp_path_factory.mktemp("demo"))


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _digest(path: Path) -> str:
    """sha256 of the file; for the huge sparse shards, of the first MiB plus the size."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        data = f.read(1024 * 1024 if size > BIG else -1)
    return f"{size}:{hashlib.sha256(data).hexdigest()}"


def _load(folder: Path, head: str):
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    model = getattr(transformers, head).from_pretrained(folder)
    return tok, model.eval()


def _header(path: Path) -> tuple[int, dict]:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return n, json.loads(f.read(n))


# --- API -------------------------------------------------------------------------------------


def test_specs() -> None:
    assert DEMO_NAMES == [
        "tiny-gpt2", "tiny-bert-mlm", "tiny-bert-qa", "tiny-bert-ner", "tiny-distilbert-sst",
        "tiny-bert-base", "tiny-t5", "tiny-bart",
    ]  # fmt: skip
    assert SPEC["tiny-bert-base"].head == "AutoModel"
    assert all(isinstance(s, DemoSpec) and s.description for s in DEMO_MODELS)
    with pytest.raises(AttributeError):
        DEMO_MODELS[0].name = "x"  # type: ignore[misc]


def test_returns_every_folder(built: dict[str, Path]) -> None:
    assert set(built) == set(DEMO_NAMES) | set(FIXTURE_NAMES)
    for name, folder in built.items():
        assert folder.name == name and (folder / MARKER_FILE).is_file()
    leftovers = [p.name for p in next(iter(built.values())).parent.iterdir() if p.name[0] == "."]
    assert leftovers == []  # no temporary build folders left behind


def test_module_import_is_light() -> None:
    code = (
        "import sys, hfbrowse.demo.builder; "
        "print(sorted(m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- demo models -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_model_files_and_config(built: dict[str, Path], name: str) -> None:
    folder = built[name]
    files = set(_files(folder))
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= files
    assert not any(f.endswith(".bin") for f in files)
    cfg = json.loads((folder / "config.json").read_text())
    tok_cfg = json.loads((folder / "tokenizer_config.json").read_text())
    assert tok_cfg["model_max_length"] == 128
    assert cfg["vocab_size"] <= 1000
    positions = cfg.get("n_positions", cfg.get("max_position_embeddings"))
    assert positions == 128
    card = (folder / "README.md").read_text()
    assert card.startswith("---\npipeline_tag: ")
    assert "library_name: transformers" in card and "tags: [hfbrowse-demo]" in card
    assert "random-weight" in card


EXPECTED_ARCH = {
    "tiny-gpt2": "GPT2LMHeadModel",
    "tiny-bert-mlm": "BertForMaskedLM",
    "tiny-bert-qa": "BertForQuestionAnswering",
    "tiny-bert-ner": "BertForTokenClassification",
    "tiny-distilbert-sst": "DistilBertForSequenceClassification",
    "tiny-bert-base": "BertModel",
    "tiny-t5": "T5ForConditionalGeneration",
    "tiny-bart": "BartForConditionalGeneration",
}


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_demo_model_loads_and_runs(built: dict[str, Path], name: str) -> None:
    head = SPEC[name].head
    tok, model = _load(built[name], head)
    assert type(model).__name__ == EXPECTED_ARCH[name]
    assert model.config.architectures == [EXPECTED_ARCH[name]]
    assert tok.model_max_length == 128
    for attr in ("bos_token_id", "eos_token_id", "pad_token_id"):
        if getattr(tok, attr) is not None:
            assert getattr(model.config, attr) == getattr(tok, attr), attr
    assert max(tok.get_vocab().values()) < model.config.vocab_size
    enc = tok("Return the value of the given attribute.", return_tensors="pt")
    n = enc["input_ids"].shape[1]
    # Longer than the positions: truncation keeps it runnable.
    long = tok("word " * 500, return_tensors="pt", truncation=True)
    assert long["input_ids"].shape[1] == 128
    with torch.no_grad():
        if head == "AutoModelForSeq2SeqLM":
            start = torch.tensor([[model.config.decoder_start_token_id]])
            out = model(**enc, decoder_input_ids=start)
            assert out.logits.shape == (1, 1, model.config.vocab_size)
            gen = model.generate(**enc, max_new_tokens=5, do_sample=False)
            assert gen.shape[0] == 1 and 1 < gen.shape[1] <= 7
            assert gen[0, 0].item() == model.config.decoder_start_token_id
            assert isinstance(tok.decode(gen[0], skip_special_tokens=True), str)
            model(**long, decoder_input_ids=start)
            return
        out = model(**enc)
        model(**long)
    if head in ("AutoModelForCausalLM", "AutoModelForMaskedLM"):
        assert out.logits.shape == (1, n, model.config.vocab_size)
    elif head == "AutoModelForQuestionAnswering":
        assert out.start_logits.shape == out.end_logits.shape == (1, n)
    elif head == "AutoModelForTokenClassification":
        assert out.logits.shape == (1, n, 7)
        labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
        assert [model.config.id2label[i] for i in range(7)] == labels
    elif head == "AutoModelForSequenceClassification":
        assert model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}
        probs = out.logits.softmax(-1)
        assert probs.shape == (1, 2) and abs(probs.sum().item() - 1) < 1e-5
    else:
        assert out.last_hidden_state.shape == (1, n, model.config.hidden_size)


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_tokenizer_round_trip(built: dict[str, Path], name: str) -> None:
    tok = transformers.AutoTokenizer.from_pretrained(built[name])
    text = "return the value of the given attribute if it exists"
    ids = tok(text)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == text
    if name in ("tiny-gpt2", "tiny-bart", "tiny-t5"):  # case-preserving tokenizers
        mixed = "Return the value of the given Attribute (default: None)."
        assert tok.decode(tok(mixed)["input_ids"], skip_special_tokens=True) == mixed


def test_special_token_conventions(built: dict[str, Path]) -> None:
    t5 = json.loads((built["tiny-t5"] / "config.json").read_text())
    assert t5["decoder_start_token_id"] == t5["pad_token_id"] == 0 and t5["eos_token_id"] == 1
    bart = json.loads((built["tiny-bart"] / "config.json").read_text())
    assert bart["decoder_start_token_id"] == bart["forced_eos_token_id"] == bart["eos_token_id"]
    bart_tok = transformers.AutoTokenizer.from_pretrained(built["tiny-bart"])
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    assert bart_tok.convert_tokens_to_ids(specials) == [0, 1, 2, 3, 4]
    bert_tok = transformers.AutoTokenizer.from_pretrained(built["tiny-bert-mlm"])
    bert_specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert bert_tok.convert_tokens_to_ids(bert_specials) == [0, 1, 2, 3, 4]
    assert (built["tiny-gpt2"] / "generation_config.json").is_file()


def test_gpt2_generates(built: dict[str, Path]) -> None:
    tok, model = _load(built["tiny-gpt2"], "AutoModelForCausalLM")
    enc = tok("The default value is", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=8, min_new_tokens=8, do_sample=False)
    assert out.shape == (1, enc["input_ids"].shape[1] + 8)
    assert torch.equal(out[0, : enc["input_ids"].shape[1]], enc["input_ids"][0])
    assert isinstance(tok.decode(out[0]), str)


def test_mlm_fill_mask(built: dict[str, Path]) -> None:
    tok, model = _load(built["tiny-bert-mlm"], "AutoModelForMaskedLM")
    enc = tok(f"return the {tok.mask_token} of the attribute", return_tensors="pt")
    pos = (enc["input_ids"][0] == tok.mask_token_id).nonzero().item()
    with torch.no_grad():
        probs = model(**enc).logits[0, pos].softmax(-1)
    assert abs(probs.sum().item() - 1) < 1e-4


# --- build behaviour -------------------------------------------------------------------------


def test_deterministic_across_processes(built: dict[str, Path], tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from hfbrowse.demo.fixtures import build_test_fixtures
        build_test_fixtures(Path(sys.argv[1]))
        """
    )
    other = tmp_path / "other"
    subprocess.run([sys.executable, "-c", code, str(other)], check=True, timeout=240)
    for name, folder in built.items():
        mine = {rel: _digest(p) for rel, p in _files(folder).items()}
        theirs = {rel: _digest(p) for rel, p in _files(other / name).items()}
        assert mine == theirs, name


def test_idempotent(built: dict[str, Path]) -> None:
    before = {p: p.stat().st_mtime_ns for f in built.values() for p in _files(f).values()}
    again = build_test_fixtures(next(iter(built.values())).parent)
    assert again == built
    after = {p: p.stat().st_mtime_ns for f in built.values() for p in _files(f).values()}
    assert after == before


def test_incomplete_folder_is_rebuilt(tmp_path: Path) -> None:
    stale = tmp_path / "tiny-bert-base"
    stale.mkdir()
    (stale / "config.json").write_text("{half")  # crashed build: no marker
    out = build_demo_models(tmp_path, only=["tiny-bert-base"])
    assert json.loads((out["tiny-bert-base"] / "config.json").read_text())["model_type"] == "bert"
    assert (stale / MARKER_FILE).is_file()


def test_only(tmp_path: Path) -> None:
    out = build_demo_models(tmp_path, only=["tiny-bert-base", "tiny-t5"])
    assert set(out) == {"tiny-bert-base", "tiny-t5"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-bert-base", "tiny-t5"]
    with pytest.raises(KeyError, match="nope"):
        build_demo_models(tmp_path, only=["nope"])


# --- odd fixtures ----------------------------------------------------------------------------


def test_sparse_70b(built: dict[str, Path]) -> None:
    folder = built["sparse-70b"]
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["hidden_size"] == 8192 and cfg["num_hidden_layers"] == 80
    assert cfg["torch_dtype"] == "bfloat16" and cfg["architectures"] == ["LlamaForCausalLM"]
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    shards = sorted(folder.glob("model-*.safetensors"))
    assert len(shards) == 30 and set(index["weight_map"].values()) == {p.name for p in shards}
    assert len(index["weight_map"]) == 80 * 9 + 3
    params, data = 0, 0
    for shard in shards:
        st = shard.stat()
        assert st.st_blocks * 512 < 64 * 1024 < st.st_size // 1000  # sparse
        n, header = _header(shard)
        header.pop("__metadata__")
        spans = sorted(tuple(v["data_offsets"]) for v in header.values())
        assert spans[0][0] == 0 and all(a[1] == b[0] for a, b in itertools.pairwise(spans))
        assert st.st_size == 8 + n + spans[-1][1]
        for name, info in header.items():
            assert info["dtype"] == "BF16" and index["weight_map"][name] == shard.name
            count = 1
            for dim in info["shape"]:
                count *= dim
            assert info["data_offsets"][1] - info["data_offsets"][0] == 2 * count
            params += count
        data += spans[-1][1]
    assert data == index["metadata"]["total_size"]
    assert 70.0e9 < params < 71.0e9
    _, first = _header(shards[0])
    assert first["model.embed_tokens.weight"]["shape"] == [128256, 8192]
    _, last = _header(shards[-1])
    assert last["lm_head.weight"]["shape"] == [128256, 8192]
    assert index["weight_map"]["model.layers.79.self_attn.k_proj.weight"]


def test_sharded_gpt2_matches_single_file(built: dict[str, Path]) -> None:
    folder = built["sharded-gpt2"]
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) >= 3
    assert not (folder / "model.safetensors").exists()
    _, sharded = _load(folder, "AutoModelForCausalLM")
    _, single = _load(built["tiny-gpt2"], "AutoModelForCausalLM")
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        assert torch.equal(sharded(ids).logits, single(ids).logits)


def test_bin_only(built: dict[str, Path]) -> None:
    folder = built["bin-only"]
    assert (folder / "pytorch_model.bin").is_file() and (folder / "tokenizer.json").is_file()
    assert not list(folder.glob("*.safetensors"))
    tok, model = _load(folder, "AutoModelForMaskedLM")
    _, reference = _load(built["tiny-bert-mlm"], "AutoModelForMaskedLM")
    enc = tok("the value of the attribute", return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(model(**enc).logits, reference(**enc).logits)


def test_config_only(built: dict[str, Path]) -> None:
    folder = built["config-only"]
    assert sorted(_files(folder)) == [MARKER_FILE, "config.json"]
    cfg = transformers.AutoConfig.from_pretrained(folder)
    assert cfg.architectures == ["LlamaForCausalLM"] and cfg.hidden_size == 64
    assert cfg.num_hidden_layers == 2


def test_broken_headers(built: dict[str, Path]) -> None:
    for name in ("malformed-header", "truncated-header", "huge-header-claim"):
        assert json.loads((built[name] / "config.json").read_text())["model_type"] == "gpt2"
    raw = (built["malformed-header"] / "model.safetensors").read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw)
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw[8 : 8 + n])
    raw = (built["truncated-header"] / "model.safetensors").read_bytes()
    assert struct.unpack("<Q", raw[:8])[0] > len(raw)
    raw = (built["huge-header-claim"] / "model.safetensors").read_bytes()
    assert struct.unpack("<Q", raw[:8])[0] == 2**60 and len(raw) < 100


def test_malformed_and_missing_config(built: dict[str, Path]) -> None:
    folder = built["malformed-config"]
    assert sorted(_files(folder)) == [MARKER_FILE, "config.json"]
    with pytest.raises(json.JSONDecodeError):
        json.loads((folder / "config.json").read_text())
    folder = built["no-config"]
    assert sorted(_files(folder)) == [MARKER_FILE, "model.safetensors"]
    _, header = _header(folder / "model.safetensors")
    assert "embeddings.word_embeddings.weight" in header


def test_remote_code_is_never_executed(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = built["remote-code"]
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["model_type"] == "custom-tiny"
    assert cfg["auto_map"]["AutoModelForCausalLM"] == "modeling_custom.CustomForCausalLM"
    _, header = _header(folder / "model.safetensors")
    assert header["lm_head.weight"]["shape"] == [64, 32]
    marker = tmp_path / "executed"
    monkeypatch.setenv("HFBROWSE_REMOTE_CODE_MARKER", str(marker))
    with pytest.raises(ValueError, match="trust_remote_code"):
        transformers.AutoConfig.from_pretrained(folder, trust_remote_code=False)
    assert not marker.exists()
    assert not (folder / "REMOTE_CODE_WAS_EXECUTED").exists()
    # The marker mechanism works: running a copy of each file (with a stub transformers) writes it.
    stub = (
        "import runpy, sys, types; t = types.ModuleType('transformers'); "
        "t.PretrainedConfig = t.PreTrainedModel = object; sys.modules['transformers'] = t; "
        "runpy.run_path(sys.argv[1])"
    )
    env = {**os.environ, "HFBROWSE_REMOTE_CODE_MARKER": str(marker)}
    for module in ("configuration_custom", "modeling_custom"):
        copy = tmp_path / f"{module}.py"
        copy.write_text((folder / f"{module}.py").read_text())
        subprocess.run([sys.executable, "-c", stub, str(copy)], env=env, check=True, timeout=60)
        assert marker.read_text() == f"{module}.py was executed\n"
    assert (tmp_path / "REMOTE_CODE_WAS_EXECUTED").is_file()
