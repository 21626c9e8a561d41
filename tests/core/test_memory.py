"""Memory arithmetic on known configs; every figure below is worked out by hand in a comment."""

from __future__ import annotations

import subprocess
import sys

from hfbrowse.core.memory import (
    DeviceMemory,
    MachineMemory,
    default_context,
    estimate_memory,
    kv_shape,
)

KiB, MiB, GiB = 1024, 1024**2, 1024**3

LLAMA3_8B = {
    "model_type": "llama", "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "hidden_size": 4096, "head_dim": 128,
    "max_position_embeddings": 131072,
}  # fmt: skip


def test_llama3_8b_kv_per_token():
    kv, note = kv_shape(LLAMA3_8B)
    # 2 (K, V) × 32 layers × 8 kv heads × 128 dims × 2 bytes = 131,072 B = 128 KiB
    assert kv.bytes_per_token(2) == 128 * KiB
    assert "grouped-query" in note
    # 8,192 tokens × 128 KiB = 1 GiB; batch 4 → 4 GiB; at fp32 values twice that
    assert kv.cache_bytes(8192, 1, 2) == 1 * GiB
    assert kv.cache_bytes(8192, 4, 2) == 4 * GiB
    assert kv.cache_bytes(8192, 1, 4) == 2 * GiB


def test_head_dim_derived_when_absent():
    config = {k: v for k, v in LLAMA3_8B.items() if k != "head_dim"}
    kv, _ = kv_shape(config)
    assert kv.k_head_dim == 4096 // 32 == 128


def test_gpt2_names():
    kv, note = kv_shape({"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024})
    # 2 × 12 layers × 12 heads × 64 dims × 2 bytes = 36,864 B = 36 KiB per token
    assert kv.bytes_per_token(2) == 36 * KiB
    assert "n_layer" in note
    assert default_context({"n_positions": 1024}) == 1024


def test_multi_query():
    config = {
        "model_type": "gpt_bigcode",
        "n_layer": 40,
        "n_head": 48,
        "n_embd": 6144,
        "multi_query": True,
    }
    kv, note = kv_shape(config)
    # 2 × 40 layers × 1 kv head × 128 dims × 2 bytes = 20,480 B
    assert kv.kv_heads == 1 and kv.bytes_per_token(2) == 20480
    assert "multi_query" in note


def test_falcon_old_architecture_ignores_num_kv_heads():
    config = {
        "num_hidden_layers": 32, "num_attention_heads": 71, "hidden_size": 4544,
        "multi_query": True, "new_decoder_architecture": False, "num_kv_heads": 71,
    }  # fmt: skip
    assert kv_shape(config)[0].kv_heads == 1


def test_mistral_sliding_window_caps_the_cache():
    config = {
        "model_type": "mistral", "num_hidden_layers": 32, "num_attention_heads": 32,
        "num_key_value_heads": 8, "hidden_size": 4096, "sliding_window": 4096,
    }  # fmt: skip
    kv, note = kv_shape(config)
    assert kv.sliding_layers == 32 and "every layer" in note
    # past the window every layer holds 4,096 tokens: 4,096 × 128 KiB = 512 MiB
    assert kv.cache_bytes(32768, 1, 2) == 512 * MiB
    assert kv.cache_bytes(1024, 1, 2) == 128 * MiB


def test_layer_types_mix_sliding_and_full():
    config = {
        "model_type": "gemma3_text", "num_hidden_layers": 4, "num_attention_heads": 8,
        "num_key_value_heads": 4, "head_dim": 256, "hidden_size": 1024, "sliding_window": 512,
        "layer_types": ["sliding_attention"] * 3 + ["full_attention"],
    }  # fmt: skip
    kv, _ = kv_shape(config)
    # per layer per token: 4 × (256 + 256) × 2 B = 4,096 B; 1 full layer × 2,048 + 3 × 512
    assert kv.sliding_layers == 3
    assert kv.cache_bytes(2048, 1, 2) == 4096 * (2048 + 3 * 512)


def test_unknown_sliding_pattern_is_an_upper_bound():
    config = {"model_type": "gemma2", **{k: v for k, v in LLAMA3_8B.items() if k != "model_type"}}
    config["sliding_window"] = 4096
    kv, note = kv_shape(config)
    assert kv.sliding_layers == 0 and "upper bound" in note


def test_mla_caches_full_heads():
    config = {
        "num_hidden_layers": 2, "num_attention_heads": 16, "num_key_value_heads": 16,
        "hidden_size": 2048, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64, "v_head_dim": 128,
    }  # fmt: skip
    kv, note = kv_shape(config)
    assert (kv.k_head_dim, kv.v_head_dim) == (192, 128)
    assert kv.bytes_per_token(2) == 2 * 16 * (192 + 128) * 2
    assert "MLA" in note


def test_multimodal_text_config():
    kv, _ = kv_shape({"model_type": "llava", "text_config": LLAMA3_8B})
    assert kv.bytes_per_token(2) == 128 * KiB


def test_no_attention():
    kv, note = kv_shape({"model_type": "mamba", "hidden_size": 768, "num_hidden_layers": 24})
    assert kv is None and "no attention" in note


def test_estimate_weights_and_fit():
    machine = MachineMemory((DeviceMemory("RAM", 20 * GiB, 32 * GiB),), "no GPU seen")
    est = estimate_memory(
        LLAMA3_8B, 8_030_261_248, "headers", causal_lm=True, context=8192, machine=machine
    )
    rows = {r.precision: r for r in est.rows}
    assert rows["fp32"].weights == 8_030_261_248 * 4
    assert rows["bf16"].weights == rows["fp16"].weights == 8_030_261_248 * 2
    assert rows["int8"].weights == 8_030_261_248
    assert rows["int4"].weights == 8_030_261_248 // 2
    assert rows["bf16"].kv_cache == 1 * GiB and rows["fp32"].kv_cache == 2 * GiB
    # bf16: 14.96 GiB + 1 GiB fits 20 GiB free; fp32: 29.9 GiB + 2 GiB does not
    assert rows["bf16"].fits == (True,) and rows["fp32"].fits == (False,)
    assert default_context(LLAMA3_8B) == 8192 == est.context


def test_no_kv_for_other_heads():
    est = estimate_memory(LLAMA3_8B, 1000, "x", causal_lm=False)
    assert est.kv is None and all(r.kv_cache is None for r in est.rows)


def test_machine_memory_does_not_import_torch():
    code = (
        "import sys; from hfbrowse.core.memory import machine_memory; m = machine_memory();"
        "assert 'torch' not in sys.modules; print(m.devices[0].name, m.gpu_note)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("RAM ") and "no GPU seen" in out.stdout
