"""Quantisation-aware counts on hand-written safetensors headers (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

from hfbrowse.core.checkpoint.quantization import (
    ROLE_AUX,
    ROLE_PACKED,
    ROLE_PLAIN,
    quant_scheme,
    quantized_counts,
)
from hfbrowse.core.checkpoint.tensors import local_tensor_table
from tests.support.checkpoints import GPTQ, write_checkpoint


def counts_of(folder: Path):
    config = json.loads((folder / "config.json").read_text())
    return quantized_counts(local_tensor_table(folder), config)


def test_gptq_int4_packed_in_i32(tmp_path):
    counts = counts_of(
        write_checkpoint(tmp_path, GPTQ, {"quant_method": "gptq", "bits": 4, "group_size": 32})
    )
    assert counts.scheme.label == "GPTQ 4-bit, group 32"
    by_name = {t.name: t for t in counts.tensors}
    q = by_name["layer.qweight"]
    assert q.role == ROLE_PACKED and q.logical_name == "layer.weight"
    assert q.logical_shape == (128, 64) and q.logical_parameters == 64 * 128
    assert {by_name[n].role for n in ("layer.qzeros", "layer.scales", "layer.g_idx")} == {ROLE_AUX}
    assert by_name["layer.bias"].role == ROLE_PLAIN
    assert counts.logical_parameters == 64 * 128 + 128 + 640
    # The header's plain product: 8*128 + 2*16 + 2*128 + 64 + 128 + 640
    assert counts.header_parameters == 1024 + 32 + 256 + 64 + 128 + 640
    # Kinds in the rows' order, which is name order: g_idx, qzeros, scales.
    assert counts.aux_tensors == 3 and counts.aux_kinds == ("g_idx", "zeros", "scales")
    assert (
        counts.stored_bytes == 8 * 128 * 4 + 2 * 16 * 4 + 2 * 128 * 2 + 64 * 4 + 128 * 2 + 640 * 2
    )
    assert "1 packed tensor + 3 aux" in counts.summary()  # one tensor, not "1 tensors"


def test_gptq_3bit_exact_unpacking(tmp_path):
    tensors = {"layer.qweight": ("I32", (64 * 3 // 32, 128))}
    counts = counts_of(write_checkpoint(tmp_path, tensors, {"quant_method": "gptq", "bits": 3}))
    assert counts.tensors[0].logical_shape == (128, 64)


def test_awq_packs_along_out_features(tmp_path):
    tensors = {
        "layer.qweight": ("I32", (64, 128 // 8)),
        "layer.qzeros": ("I32", (64 // 128 or 1, 128 // 8)),
        "layer.scales": ("F16", (1, 128)),
    }
    counts = counts_of(
        write_checkpoint(tmp_path, tensors, {"quant_method": "awq", "bits": 4, "group_size": 128})
    )
    packed = counts.tensors[0]
    assert packed.logical_shape == (128, 64) and packed.logical_parameters == 8192
    assert counts.logical_parameters == 8192 and counts.aux_tensors == 2


def test_mxfp4_blocks_and_scales_in_u8(tmp_path):
    experts, out, n_in = 2, 8, 64
    tensors = {
        "mlp.experts.down_proj_blocks": ("U8", (experts, out, n_in // 32, 16)),
        "mlp.experts.down_proj_scales": ("U8", (experts, out, n_in // 32)),
        "mlp.experts.down_proj_bias": ("BF16", (experts, out)),
    }
    counts = counts_of(write_checkpoint(tmp_path, tensors, {"quant_method": "mxfp4"}))
    by_name = {t.name: t for t in counts.tensors}
    blocks = by_name["mlp.experts.down_proj_blocks"]
    assert blocks.role == ROLE_PACKED and blocks.logical_name == "mlp.experts.down_proj"
    assert blocks.logical_parameters == experts * out * n_in  # two FP4 values per byte
    assert blocks.logical_shape == (experts, out, n_in)
    scales = by_name["mlp.experts.down_proj_scales"]
    assert scales.role == ROLE_AUX and scales.kind == "scales"
    assert counts.logical_parameters == experts * out * n_in + experts * out


def test_bitsandbytes_4bit(tmp_path):
    tensors = {
        "proj.weight": ("U8", (4096, 1)),
        "proj.weight.absmax": ("F32", (128,)),
        "proj.weight.quant_map": ("F32", (16,)),
        "proj.weight.quant_state.bitsandbytes__nf4": ("U8", (90,)),
        "norm.weight": ("F16", (64,)),
    }
    qc = {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4"}
    counts = counts_of(write_checkpoint(tmp_path, tensors, qc))
    assert counts.scheme.label == "bitsandbytes 4-bit NF4"
    weight = next(t for t in counts.tensors if t.name == "proj.weight")
    assert weight.role == ROLE_PACKED and weight.logical_parameters == 8192
    assert weight.logical_shape is None  # the shape is inside the quant_state bytes
    assert counts.aux_tensors == 3
    assert counts.logical_parameters == 8192 + 64


def test_no_quantization_config_counts_as_stored(tmp_path):
    counts = counts_of(write_checkpoint(tmp_path, GPTQ, None))
    assert counts.scheme is None and not counts.quantized
    assert counts.logical_parameters == counts.header_parameters
    assert all(t.role == ROLE_PLAIN for t in counts.tensors)


def test_unknown_method_is_not_interpreted(tmp_path):
    counts = counts_of(write_checkpoint(tmp_path, GPTQ, {"quant_method": "hqq"}))
    assert counts.scheme is not None and not counts.scheme.understood
    assert counts.logical_parameters == counts.header_parameters
    assert "not interpreted" in counts.summary()


def test_scheme_from_text_config():
    config = {"text_config": {"quantization_config": {"quant_method": "fp8"}}}
    assert quant_scheme(config).method == "fp8"
    assert (
        quant_scheme({"quantization_config": {"load_in_8bit": True}}).method == "bitsandbytes-8bit"
    )
