"""Head compatibility from headers, checked against what from_pretrained itself reports."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from hfbrowse.core.checkpoint.tensors import local_tensor_table
from hfbrowse.core.heads.compat import compat_report
from hfbrowse.core.heads.compat_results import (
    STATUS_CLEAN,
    STATUS_MISMATCH,
    STATUS_NEW,
    key_patterns,
)
from hfbrowse.core.heads.resolve import resolve_heads


def report_for(folder: Path):
    config = json.loads((folder / "config.json").read_text())
    return compat_report(config, resolve_heads(config), local_tensor_table(folder))


def oracle(folder: Path, auto_class: str, **kwargs) -> dict:
    """What from_pretrained says when it really loads the weights."""
    import transformers

    _, info = getattr(transformers, auto_class).from_pretrained(
        str(folder), output_loading_info=True, **kwargs
    )
    return info


def assert_matches_oracle(folder: Path, heads=None, **kwargs) -> None:
    report = report_for(folder)
    assert report.heads
    for head in report.heads:
        if heads and head.auto_class not in heads:
            continue
        assert head.error is None, head.error
        info = oracle(folder, head.auto_class, **kwargs)
        assert set(head.missing) == set(info["missing_keys"]), head.auto_class
        assert set(head.unexpected) == set(info["unexpected_keys"]), head.auto_class
        want = {(n, tuple(a), tuple(b)) for n, a, b in info["mismatched_keys"]}
        got = {(m.name, m.checkpoint_shape, m.expected_shape) for m in head.mismatched}
        assert got == want, head.auto_class


@pytest.mark.parametrize("name", ["tiny-bert-mlm", "tiny-bert-base", "tiny-gpt2", "tiny-bart"])
def test_every_head_matches_from_pretrained(fixtures, name):
    assert_matches_oracle(fixtures[name])


def test_masked_lm_checkpoint_as_sequence_classification(fixtures):
    head = report_for(fixtures["tiny-bert-mlm"]).head("AutoModelForSequenceClassification")
    assert head.status == STATUS_NEW
    assert {"classifier.weight", "classifier.bias"} <= set(head.missing)
    assert all(k.startswith("cls.predictions.") for k in head.unexpected)
    summary = head.summary()
    assert "would be newly initialised" in summary and "classifier.*" in summary
    assert "checkpoint tensors unused (e.g. cls.predictions.*)" in summary
    masked = report_for(fixtures["tiny-bert-mlm"]).head("AutoModelForMaskedLM")
    assert masked.status == STATUS_CLEAN and masked.summary() == "loads cleanly"


def test_base_model_under_lm_heads(fixtures):
    report = report_for(fixtures["tiny-bert-base"])
    for auto_class in ("AutoModelForMaskedLM", "AutoModelForCausalLM"):
        head = report.head(auto_class)
        assert head.status == STATUS_NEW
        assert any(k.startswith("cls.predictions.") for k in head.missing)
        assert any(
            r.kind == "prefix added" and r.example_to.startswith("bert.") for r in head.renamed
        )
    assert report.head("AutoModel").status == STATUS_CLEAN


def test_checkpoint_saved_without_the_heads_prefix(fixtures, tmp_path):
    """BertModel weights saved alone (no ``bert.`` prefix), opened as BertForMaskedLM."""
    import transformers

    model = transformers.BertForMaskedLM.from_pretrained(str(fixtures["tiny-bert-mlm"]))
    model.bert.save_pretrained(tmp_path)
    assert_matches_oracle(tmp_path, heads={"AutoModelForMaskedLM", "AutoModel"})
    head = report_for(tmp_path).head("AutoModelForMaskedLM")
    assert any(r.kind == "prefix added" for r in head.renamed)


def test_checkpoint_with_a_foreign_prefix(fixtures, tmp_path):
    """Every key under a prefix no class knows: nothing loads, everything is unused."""
    from safetensors.torch import load_file, save_file

    src = fixtures["tiny-gpt2"]
    tensors = load_file(src / "model.safetensors")
    save_file({f"decoder.{k}": v for k, v in tensors.items()}, tmp_path / "model.safetensors")
    shutil.copyfile(src / "config.json", tmp_path / "config.json")
    assert_matches_oracle(tmp_path, heads={"AutoModelForCausalLM", "AutoModel"})
    head = report_for(tmp_path).head("AutoModelForCausalLM")
    assert len(head.unexpected) + head.ignored == len(tensors)  # GPT-2 ignores r"attn.bias"
    assert head.loaded == 0
    assert head.new_parameters == head.head_parameters  # lm_head tied to wte: counted once


def test_shape_mismatch(fixtures, tmp_path):
    src = fixtures["tiny-gpt2"]
    config = json.loads((src / "config.json").read_text())
    config["n_positions"] = config["n_positions"] * 2
    (tmp_path / "config.json").write_text(json.dumps(config))
    shutil.copyfile(src / "model.safetensors", tmp_path / "model.safetensors")
    assert_matches_oracle(tmp_path, heads={"AutoModelForCausalLM"}, ignore_mismatched_sizes=True)
    head = report_for(tmp_path).head("AutoModelForCausalLM")
    assert head.status == STATUS_MISMATCH
    assert "transformer.wpe.weight" in head.summary()


def test_moe_experts_fused_at_load_are_not_mismatches(tmp_path):
    """Mixtral checkpoints hold experts.N.w1/w2/w3; transformers 5 fuses them when loading."""
    import transformers

    config = transformers.MixtralConfig(
        vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, num_local_experts=4,
        num_experts_per_tok=2, max_position_embeddings=32,
    )  # fmt: skip
    transformers.MixtralForCausalLM(config).save_pretrained(tmp_path)
    table = local_tensor_table(tmp_path)
    assert any(".experts.0.w1.weight" in r.name for r in table.rows)
    assert_matches_oracle(tmp_path, heads={"AutoModelForCausalLM"})
    head = report_for(tmp_path).head("AutoModelForCausalLM")
    assert head.status == STATUS_CLEAN
    fused = [r for r in head.renamed if r.kind == "fused/split"]
    assert fused and fused[0].count == 2 * 4 * 3  # layers × experts × (w1, w2, w3)


def _write_header(path: Path, tensors: dict[str, tuple[str, tuple[int, ...]]]) -> None:
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I32": 4, "U8": 1}
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + offset)


def _gptq_llama(folder: Path, bad_layer: bool = False) -> None:
    hidden, inter, vocab, layers, group = 64, 128, 100, 2, 32
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
        "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": 4,
        "num_key_value_heads": 4, "vocab_size": vocab, "max_position_embeddings": 64,
        "tie_word_embeddings": False,
        "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": group},
    }  # fmt: skip
    (folder / "config.json").write_text(json.dumps(config))
    tensors: dict[str, tuple[str, tuple[int, ...]]] = {
        "model.embed_tokens.weight": ("F16", (vocab, hidden)),
        "model.norm.weight": ("F16", (hidden,)),
        "lm_head.weight": ("F16", (vocab, hidden)),
    }
    linears = {
        "self_attn.q_proj": (hidden, hidden), "self_attn.k_proj": (hidden, hidden),
        "self_attn.v_proj": (hidden, hidden), "self_attn.o_proj": (hidden, hidden),
        "mlp.gate_proj": (hidden, inter), "mlp.up_proj": (hidden, inter),
        "mlp.down_proj": (inter, hidden),
    }  # fmt: skip
    for i in range(layers):
        p = f"model.layers.{i}."
        tensors[p + "input_layernorm.weight"] = ("F16", (hidden,))
        tensors[p + "post_attention_layernorm.weight"] = ("F16", (hidden,))
        for name, (n_in, n_out) in linears.items():
            rows = n_in // 8 + (1 if bad_layer and i == 1 and name == "mlp.down_proj" else 0)
            tensors[p + name + ".qweight"] = ("I32", (rows, n_out))
            tensors[p + name + ".qzeros"] = ("I32", (n_in // group, n_out // 8))
            tensors[p + name + ".scales"] = ("F16", (n_in // group, n_out))
            tensors[p + name + ".g_idx"] = ("I32", (n_in,))
    _write_header(folder / "model.safetensors", tensors)


def test_gptq_checkpoint_is_compared_through_its_logical_view(tmp_path):
    _gptq_llama(tmp_path)
    report = report_for(tmp_path)
    assert "logical view" in report.basis and "GPTQ 4-bit" in report.basis
    head = report.head("AutoModelForCausalLM")
    assert head.status == STATUS_CLEAN, head.summary()
    assert report.notes


def test_gptq_wrong_packed_size_is_a_mismatch(tmp_path):
    _gptq_llama(tmp_path, bad_layer=True)
    head = report_for(tmp_path).head("AutoModelForCausalLM")
    assert head.status == STATUS_MISMATCH
    assert [m.name for m in head.mismatched] == ["model.layers.1.mlp.down_proj.weight"]


def test_key_patterns():
    keys = ["cls.predictions.bias", "cls.predictions.transform.dense.weight"]
    assert key_patterns(keys) == ["cls.predictions.*"]
    assert key_patterns(["classifier.weight"]) == ["classifier.weight"]
    layered = [f"model.layers.{i}.mlp.{p}.weight" for i in range(3) for p in ("up", "down")]
    assert key_patterns(layered) == ["model.layers.*.mlp.down.*", "model.layers.*.mlp.up.*"]
    assert key_patterns(layered, limit=1) == ["model.layers.*.mlp.*"]
    many = [f"m{i}.weight" for i in range(6)]
    assert key_patterns(many, limit=3) == ["m0.weight", "m1.weight", "m2.weight", "…"]


def test_meta_table_is_refused(fixtures):
    from hfbrowse.core.errors import HFBrowseError
    from hfbrowse.core.heads.compat import iter_compat
    from hfbrowse.core.heads.meta_model import meta_tensor_table

    config = json.loads((fixtures["config-only"] / "config.json").read_text())
    table = meta_tensor_table(config, "AutoModelForCausalLM")
    with pytest.raises(HFBrowseError, match="safetensors headers"):
        list(iter_compat(config, resolve_heads(config), table))
