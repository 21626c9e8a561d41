"""Quantisation-aware parameter counts: what packed and auxiliary tensors stand for.

A safetensors header only says ``dtype`` and ``shape``; the product of the shape is not the number
of model parameters when a checkpoint is quantised. GPTQ and AWQ pack eight 4-bit values into one
``I32`` (``qweight``) and add ``qzeros``/``scales``/``g_idx``; MXFP4 packs two FP4 values into one
``U8`` (``*_blocks``) with one ``U8`` exponent per 32 values (``*_scales``); bitsandbytes 4-bit
stores a flat ``U8`` buffer plus ``absmax``/``quant_map``/``quant_state`` tensors. The format is
read from config.json's ``quantization_config``, never guessed from names alone, so an unquantised
checkpoint that happens to have a tensor called ``scales`` is counted as it is.

``quantized_counts`` gives, per tensor, the logical parameters it holds (0 for auxiliary tensors),
and totals to show beside the stored size. ``logical_name``/``logical_shape`` let head
compatibility compare a quantised checkpoint with the unquantised module tree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hfbrowse.core.checkpoint.safetensors import DTYPE_BYTES
from hfbrowse.core.checkpoint.tensors import TensorRow, TensorTable
from hfbrowse.core.formatting import count_of

ROLE_PLAIN = "plain"
ROLE_PACKED = "packed"
ROLE_AUX = "aux"

# Suffixes of auxiliary tensors, per format (the part after the module path).
_GPTQ_AUX = {"qzeros": "zeros", "scales": "scales", "g_idx": "g_idx"}
_BNB4_AUX = ("absmax", "quant_map", "nested_absmax", "nested_quant_map", "quant_state")
_BNB8_AUX = {"SCB": "scales", "weight_format": "format"}
_SCALE_AUX = {
    "weight_scale": "scales",
    "weight_scale_inv": "scales",
    "input_scale": "scales",
    "k_scale": "scales",
    "v_scale": "scales",
    "weight_zero_point": "zeros",
    "weight_global_scale": "scales",
    "input_global_scale": "scales",
    "weight_shape": "shape",
    "weight_g_idx": "g_idx",
}


@dataclass(frozen=True)
class QuantScheme:
    """The format as config.json declares it."""

    method: str  # gptq, awq, mxfp4, bitsandbytes, fp8, compressed-tensors, … (lower case)
    label: str  # "GPTQ 4-bit, group 128"
    bits: int | None
    understood: bool  # False: tensors are counted as stored (format not interpreted)


@dataclass(frozen=True)
class QuantTensor:
    """One checkpoint tensor and what it means for the format."""

    name: str
    role: str  # ROLE_PLAIN, ROLE_PACKED or ROLE_AUX
    kind: str  # "weight", "packed int4", "scales", "zeros", "g_idx", "absmax", …
    logical_name: str | None  # the model parameter it stands for (None for aux tensors)
    logical_shape: tuple[int, ...] | None  # None when the header cannot tell (bnb 4-bit)
    logical_parameters: int  # values it holds once unpacked; 0 for aux tensors
    pack_factor: int  # logical values per stored element (1 when not packed)
    stored_bytes: int


@dataclass(frozen=True)
class QuantizedCounts:
    scheme: QuantScheme | None
    tensors: tuple[QuantTensor, ...]
    logical_parameters: int  # what the model has once unpacked (aux excluded)
    header_parameters: int  # the plain product-of-shape count (what the Hub page shows)
    stored_bytes: int
    packed_tensors: int
    packed_parameters: int  # logical values held by packed tensors
    aux_tensors: int
    aux_bytes: int
    aux_kinds: tuple[str, ...]

    @property
    def quantized(self) -> bool:
        return self.scheme is not None and (self.packed_tensors > 0 or self.aux_tensors > 0)

    def summary(self) -> str:
        """``GPTQ 4-bit, group 128: 224 packed tensors (6.5B params) + 672 aux (scales, zeros)``"""
        if self.scheme is None:
            return "not quantised (no quantization_config)"
        if not self.scheme.understood:
            return f"{self.scheme.label}: format not interpreted, counted as stored"
        parts = [self.scheme.label + ":"]
        if self.packed_tensors:
            parts.append(count_of(self.packed_tensors, "packed tensor"))
        if self.aux_tensors:
            kinds = ", ".join(self.aux_kinds)
            parts.append(f"{'+ ' if self.packed_tensors else ''}{self.aux_tensors:,} aux ({kinds})")
        if not self.packed_tensors and not self.aux_tensors:
            parts.append("no quantised tensors found in the headers")
        return " ".join(parts)


def quant_scheme(config: dict[str, Any]) -> QuantScheme | None:
    """``quantization_config`` of config.json (or of its ``text_config``), as a scheme."""
    qc = config.get("quantization_config")
    if not isinstance(qc, dict) and isinstance(config.get("text_config"), dict):
        qc = config["text_config"].get("quantization_config")
    if not isinstance(qc, dict):
        return None
    method = str(qc.get("quant_method") or "").lower()
    if not method and (qc.get("load_in_4bit") or qc.get("load_in_8bit")):
        method = "bitsandbytes"
    if method in {"gptq", "awq"}:
        bits = _int(qc.get("bits") or qc.get("w_bit")) or 4
        group = _int(qc.get("group_size") or qc.get("q_group_size"))
        grouping = f", group {group}" if group and group > 0 else ""
        version = str(qc.get("version") or "").lower()
        extra = f" ({version})" if method == "awq" and version and version != "gemm" else ""
        return QuantScheme(method, f"{method.upper()} {bits}-bit{grouping}{extra}", bits, True)
    if method == "mxfp4":
        return QuantScheme(method, "MXFP4 (4-bit blocks of 32, U8 exponents)", 4, True)
    if method == "bitsandbytes":
        if qc.get("load_in_4bit") or qc.get("_load_in_4bit"):
            qtype = str(qc.get("bnb_4bit_quant_type") or "fp4").upper()
            return QuantScheme("bitsandbytes-4bit", f"bitsandbytes 4-bit {qtype}", 4, True)
        return QuantScheme("bitsandbytes-8bit", "bitsandbytes 8-bit (LLM.int8)", 8, True)
    if method == "fp8":
        return QuantScheme(method, "FP8 (per-block scales)", 8, True)
    if method == "compressed-tensors":
        bits = _compressed_bits(qc)
        label = f"compressed-tensors {bits}-bit" if bits else "compressed-tensors"
        return QuantScheme(method, label, bits, True)
    return QuantScheme(method or "unknown", method or "unknown quantisation", None, False)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _compressed_bits(qc: dict[str, Any]) -> int | None:
    groups = qc.get("config_groups")
    if isinstance(groups, dict):
        for group in groups.values():
            weights = group.get("weights") if isinstance(group, dict) else None
            if isinstance(weights, dict) and _int(weights.get("num_bits")):
                return weights["num_bits"]
    return None


def _split(name: str) -> tuple[str, str]:
    """``a.b.qweight`` → (``a.b``, ``qweight``)."""
    module, _, leaf = name.rpartition(".")
    return module, leaf


def _join(module: str, leaf: str) -> str:
    return f"{module}.{leaf}" if module else leaf


def _plain(row: TensorRow) -> QuantTensor:
    return QuantTensor(
        row.name, ROLE_PLAIN, "tensor", row.name, row.shape, row.parameters, 1, row.nbytes
    )


def _aux(row: TensorRow, kind: str) -> QuantTensor:
    return QuantTensor(row.name, ROLE_AUX, kind, None, None, 0, 1, row.nbytes)


def _packed(
    row: TensorRow, logical: str, shape: tuple[int, ...] | None, factor: int, kind: str
) -> QuantTensor:
    count = math.prod(shape) if shape is not None else row.parameters * factor
    return QuantTensor(row.name, ROLE_PACKED, kind, logical, shape, count, factor, row.nbytes)


def _classify(row: TensorRow, scheme: QuantScheme) -> QuantTensor:
    module, leaf = _split(row.name)
    method = scheme.method
    if method in {"gptq", "awq"}:
        bits = scheme.bits or 4
        if leaf == "qweight" and len(row.shape) == 2:
            rows_, cols = row.shape
            stored_bits = 8 * int(DTYPE_BYTES.get(row.dtype, 4))

            def unpack(n: int) -> int:  # 3-bit packs 32 values into three I32: exact arithmetic
                return n * stored_bits // bits

            if method == "gptq":  # packed along in_features: (in / f, out) → weight (out, in)
                shape = (cols, unpack(rows_))
            elif "gemv" in scheme.label.lower():  # (out, in / f)
                shape = (rows_, unpack(cols))
            else:  # AWQ GEMM packs along out_features: (in, out / f) → weight (out, in)
                shape = (unpack(cols), rows_)
            factor = max(1, stored_bits // bits)
            return _packed(row, _join(module, "weight"), shape, factor, f"packed int{bits}")
        if leaf in _GPTQ_AUX:
            return _aux(row, _GPTQ_AUX[leaf])
        return _plain(row)
    if method == "mxfp4":
        if leaf.endswith("_blocks") and row.dtype == "U8":
            # (…, n_blocks, 16 bytes) → (…, n_blocks * 32) FP4 values; orientation as stored.
            shape = (
                (*row.shape[:-2], row.shape[-2] * row.shape[-1] * 2)
                if len(row.shape) >= 2
                else None
            )
            return _packed(row, _join(module, leaf.removesuffix("_blocks")), shape, 2, "packed fp4")
        if leaf.endswith("_scales") and row.dtype == "U8":
            return _aux(row, "scales")
        return _plain(row)
    if method == "bitsandbytes-4bit":
        if any(part in _BNB4_AUX for part in row.name.split(".")) or ".quant_state." in row.name:
            kind = (
                "quant state"
                if "quant_state" in row.name
                else "absmax"
                if "absmax" in leaf
                else leaf
            )
            return _aux(row, kind)
        if leaf == "weight" and row.dtype == "U8":
            # The original shape is inside the quant_state blob (weight bytes): count only.
            return _packed(row, row.name, None, 2, "packed 4-bit")
        return _plain(row)
    if method == "bitsandbytes-8bit":
        if leaf in _BNB8_AUX:
            return _aux(row, _BNB8_AUX[leaf])
        return _plain(row)
    if method in {"fp8", "compressed-tensors"}:
        if leaf in _SCALE_AUX:
            return _aux(row, _SCALE_AUX[leaf])
        if leaf == "weight_packed" and row.dtype in {"I32", "U32"} and scheme.bits:
            factor = 32 // scheme.bits
            shape = (*row.shape[:-1], row.shape[-1] * factor) if row.shape else None
            return _packed(row, _join(module, "weight"), shape, factor, f"packed int{scheme.bits}")
        return _plain(row)
    return _plain(row)


def quantized_counts(table: TensorTable, config: dict[str, Any]) -> QuantizedCounts:
    """Every tensor of ``table`` classified by the config's quantisation format."""
    scheme = quant_scheme(config)
    if scheme is None or not scheme.understood:
        tensors = tuple(_plain(r) for r in table.rows)
    else:
        tensors = tuple(_classify(r, scheme) for r in table.rows)
    packed = [t for t in tensors if t.role == ROLE_PACKED]
    aux = [t for t in tensors if t.role == ROLE_AUX]
    kinds = tuple(dict.fromkeys(t.kind for t in aux))
    return QuantizedCounts(
        scheme=scheme,
        tensors=tensors,
        logical_parameters=sum(t.logical_parameters for t in tensors),
        header_parameters=table.parameters,
        stored_bytes=table.nbytes,
        packed_tensors=len(packed),
        packed_parameters=sum(t.logical_parameters for t in packed),
        aux_tensors=len(aux),
        aux_bytes=sum(t.stored_bytes for t in aux),
        aux_kinds=kinds,
    )
