"""Head compatibility: which Auto heads a checkpoint can serve, from config + headers alone.

For each supported head, the concrete class is built on torch's meta device and the checkpoint's
tensor headers are fed, as empty meta tensors of the right shape and dtype, through transformers'
own loading code: ``convert_and_load_state_dict_in_model`` (key renaming, base-model prefix
added or stripped, MoE experts fused by the conversion mapping, shape checks), then the same
finishing steps ``from_pretrained`` runs (``tie_weights`` with the missing keys, then
``_adjust_missing_and_unexpected_keys`` for ``_keys_to_ignore_on_load_*``). The answer is therefore
what ``from_pretrained(..., output_loading_info=True)`` would say, without reading a weight byte.

Quantised checkpoints are compared through their logical view (``quantization.py``): packed
tensors stand for the weight they unpack to and auxiliary tensors are set aside, because
transformers would swap in quantised layers at load time, which needs the quantisation library.

Everything here imports torch and transformers: call it from a worker thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from hfbrowse.core.checkpoint.quantization import (
    ROLE_AUX,
    ROLE_PACKED,
    QuantizedCounts,
    quantized_counts,
)
from hfbrowse.core.checkpoint.tensors import SOURCE_HEADERS, TensorTable
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.formatting import count_of
from hfbrowse.core.heads.compat_results import (
    STATUS_CLEAN,
    STATUS_ERROR,
    STATUS_MISMATCH,
    STATUS_NEW,
    STATUS_UNUSED,
    CompatReport,
    HeadCompat,
    Mismatch,
    Renamed,
)
from hfbrowse.core.heads.registry import HEAD_NAMES
from hfbrowse.core.heads.resolve import HeadReport
from hfbrowse.core.torch_check import require_torch

_TORCH_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
}


def checkpoint_view(
    table: TensorTable, config: dict[str, Any]
) -> tuple[list[tuple[str, tuple[int, ...], str, int]], str, QuantizedCounts]:
    """(name, shape, dtype, pack tolerance) per tensor the heads are compared with, and a label.

    Unquantised: the header rows as they are. Quantised: packed tensors under their logical name
    and shape (tolerance: values per stored element, for shapes the header cannot tell), with
    auxiliary tensors (scales, zeros, …) left out.
    """
    counts = quantized_counts(table, config)
    if not counts.quantized:
        rows = [(r.name, r.shape, r.dtype, 0) for r in table.rows]
        return rows, table.source, counts
    rows = []
    for t, row in zip(counts.tensors, table.rows, strict=True):
        if t.role == ROLE_AUX:
            continue
        if t.role == ROLE_PACKED:
            shape = t.logical_shape or (t.logical_parameters,)
            rows.append((t.logical_name or t.name, shape, "F16", t.pack_factor))
        else:
            rows.append((row.name, row.shape, row.dtype, 0))
    assert counts.scheme is not None
    basis = (
        f"logical view of a {counts.scheme.label} checkpoint:"
        f" {count_of(counts.packed_tensors, 'packed tensor')} unpacked,"
        f" {count_of(counts.aux_tensors, 'quantisation tensor')} set aside"
    )
    return rows, basis, counts


def build_meta_head(config_obj: Any, class_name: str) -> Any:
    """``class_name(config)`` on the meta device, as ``from_pretrained`` would instantiate it."""
    import torch

    from hfbrowse.core.heads.meta_model import (
        build_budget,
        build_error,
        import_transformers_class,
        skip_init_mode,
    )

    cls = import_transformers_class(class_name)
    if cls is None:
        raise HFBrowseError(f"transformers has no class {class_name}.")
    try:
        with build_budget(class_name), torch.device("meta"), skip_init_mode():
            return cls(config_obj)
    except Exception as exc:
        raise build_error(exc, class_name) from None


def _meta_state_dict(rows, torch) -> tuple[dict[str, Any], list[str]]:
    """Meta tensors for ``rows``, and the names of those torch cannot even describe (a flagged
    header entry whose shape needs over 2^63 bytes): those count as unusable by any head."""
    state, too_large = {}, []
    for name, shape, dtype, _ in rows:
        torch_dtype = getattr(torch, _TORCH_DTYPES.get(dtype, "uint8"))
        size = torch_dtype.itemsize
        for dim in shape:
            size *= dim
        if size >= 2**63:
            too_large.append(name)
            continue
        state[name] = torch.empty(shape, dtype=torch_dtype, device="meta")
    return state, too_large


def _renames(
    model: Any, keys: list[str], mapping: list, expected: dict[str, Any]
) -> tuple[dict[str, str], set[str], list[Renamed]]:
    """checkpoint key → model key as transformers' ``rename_source_key`` decides, the keys a
    WeightConverter claims (fused/split at load), and a summary of what changes."""
    from transformers.core_model_loading import WeightConverter, WeightRenaming, rename_source_key

    renamings = [m for m in mapping if isinstance(m, WeightRenaming)]
    converters = [m for m in mapping if isinstance(m, WeightConverter)]
    prefix = model.base_model_prefix
    out: dict[str, str] = {}
    converted: set[str] = set()
    kinds: dict[str, list[tuple[str, str]]] = {}
    for key in keys:
        renamed, pattern = rename_source_key(key, renamings, converters, prefix, expected)
        if renamed not in expected and key in expected:  # the same fallback as transformers
            renamed, pattern = rename_source_key(key, [], [], prefix, expected)
        out[key] = renamed
        if pattern is not None:
            converted.add(key)
        if renamed == key:
            continue
        if pattern is not None:
            kind = "fused/split"
        elif prefix and renamed == f"{prefix}.{key}":
            kind = "prefix added"
        elif prefix and key == f"{prefix}.{renamed}":
            kind = "prefix stripped"
        else:
            kind = "renamed"
        kinds.setdefault(kind, []).append((key, renamed))
    summary = [Renamed(k, len(v), v[0][0], v[0][1]) for k, v in kinds.items()]
    return out, converted, summary


def _fit_packed_shapes(rows, renamed: dict[str, str], expected: dict[str, Any]):
    """Quantised logical rows whose size matches the head take the head's shape (orientation and
    padding of packed formats are not in the header); others keep their derived shape."""
    fitted = []
    for name, shape, dtype, tolerance in rows:
        target = expected.get(renamed.get(name, name))
        if tolerance and target is not None:
            want = tuple(target.shape)
            have = 1
            for d in shape:
                have *= d
            need = 1
            for d in want:
                need *= d
            if 0 <= have - need < max(tolerance, 1):
                shape = want
        fitted.append((name, shape, dtype, tolerance))
    return fitted


def head_compat(config_obj: Any, auto_class: str, class_name: str, rows) -> HeadCompat:
    """Run transformers' loading logic for one head against the checkpoint ``rows``.

    Keys that transformers' renaming maps 1:1 onto a parameter of the head are compared here
    (same key, same shape: what ``set_param_for_module`` checks); every other key — fused or
    split by a WeightConverter, or unknown to the head — goes through
    ``convert_and_load_state_dict_in_model`` itself. That function builds one compiled regex
    per key, which for a 723-tensor checkpoint costs more than everything else together.
    """
    import torch
    from transformers.conversion_mapping import get_model_conversion_mapping
    from transformers.core_model_loading import convert_and_load_state_dict_in_model
    from transformers.modeling_utils import LoadStateDictConfig

    model = build_meta_head(config_obj, class_name)
    params = {id(p): p.numel() for p in model.parameters()}
    # state_dict() costs ~25 ms on a 70B-shaped model: take it once (keep_vars keeps identities,
    # so tied parameters, which share one tensor, are counted once in what is new).
    expected_sd = model.state_dict(keep_vars=True)
    tensor_of = {k: (id(v), v.numel()) for k, v in expected_sd.items()}
    mapping = get_model_conversion_mapping(model, None, None)
    keys = [r[0] for r in rows]
    renamed, converted, rename_summary = _renames(model, keys, mapping, expected_sd)
    rows = _fit_packed_shapes(rows, renamed, expected_sd)
    direct = {
        name: (renamed[name], shape)
        for name, shape, _, _ in rows
        if name not in converted and renamed[name] in expected_sd
    }
    if len(set(t for t, _ in direct.values())) != len(direct):  # two keys → one parameter
        direct = {}
    # A key no converter claims and whose renamed form the head lacks is unexpected under that
    # renamed form: what transformers records for it, decided here without handing it over (for
    # a 200,000-tensor checkpoint, feeding those through the loader cost most of the time).
    unknown = {
        name
        for name, _, _, _ in rows
        if name not in direct and name not in converted and renamed[name] not in expected_sd
    }
    loadable = [r for r in rows if r[0] not in direct and r[0] not in unknown]
    state, too_large = _meta_state_dict(loadable, torch)
    load_config = LoadStateDictConfig(device_map={"": "meta"}, weight_mapping=mapping)
    info, _ = convert_and_load_state_dict_in_model(model, state, load_config)
    info.unexpected_keys.update(too_large)
    info.unexpected_keys.update(renamed[name] for name in unknown)
    for target, shape in direct.values():
        info.missing_keys.discard(target)
        want = tuple(expected_sd[target].shape)
        if tuple(shape) != want:
            info.mismatched_keys.add((target, tuple(shape), want))
    # The finishing steps of from_pretrained (_finalize_model_loading) that decide the report.
    model.mark_tied_weights_as_initialized(info)
    before_tie = set(info.missing_keys)
    model.tie_weights(missing_keys=info.missing_keys, recompute_mapping=False)
    tied = before_tie - set(info.missing_keys)
    counts_before = len(info.missing_keys) + len(info.unexpected_keys)
    model._adjust_missing_and_unexpected_keys(info)
    ignored = counts_before - len(info.missing_keys) - len(info.unexpected_keys)

    missing = tuple(sorted(info.missing_keys))
    unexpected = tuple(sorted(info.unexpected_keys))
    mismatched = tuple(
        Mismatch(name, tuple(ckpt), tuple(want))
        for name, ckpt, want in sorted(info.mismatched_keys, key=lambda m: m[0])
    )
    errors = tuple(f"{k}: {v}" for k, v in sorted((info.conversion_errors or {}).items()))
    if mismatched:
        status = STATUS_MISMATCH
    elif missing:
        status = STATUS_NEW
    elif unexpected:
        status = STATUS_UNUSED
    else:
        status = STATUS_CLEAN
    return HeadCompat(
        auto_class=auto_class,
        class_name=class_name,
        status=status,
        expected=len(expected_sd),
        loaded=len(expected_sd) - len(missing) - len(tied),
        missing=missing,
        unexpected=unexpected,
        mismatched=mismatched,
        tied=tuple(sorted(tied)),
        ignored=ignored,
        renamed=tuple(rename_summary),
        head_parameters=sum(params.values()),
        new_parameters=sum(dict(tensor_of[k] for k in missing if k in tensor_of).values()),
        conversion_errors=errors,
    )


def _failed(auto_class: str, class_name: str, error: str) -> HeadCompat:
    return HeadCompat(
        auto_class, class_name, STATUS_ERROR, 0, 0, (), (), (), (), 0, (), 0, 0, (), error
    )


def head_order(heads: HeadReport, first: str | None) -> list[tuple[str, str]]:
    """(auto class, class) of every supported head, ``first`` (or the recommended) first."""
    options = sorted(heads.supported, key=lambda o: HEAD_NAMES.index(o.auto_class))
    first = first or heads.recommended
    options.sort(key=lambda o: o.auto_class != first)
    return [(o.auto_class, o.class_name) for o in options]


def iter_compat(
    config: dict[str, Any],
    heads: HeadReport,
    table: TensorTable,
    first: str | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[HeadCompat]:
    """Each supported head's result as soon as it is known (``first`` head first)."""
    from hfbrowse.core.heads.meta_model import config_object, import_transformers

    if heads.remote_code and not heads.supported:
        raise HFBrowseError("custom code (auto_map): heads are not built without running it.")
    if table.source != SOURCE_HEADERS:
        raise HFBrowseError(
            "compatibility needs the checkpoint's safetensors headers; this table was built"
            " from config.json."
        )
    require_torch("head compatibility")
    import_transformers()
    rows, _, _ = checkpoint_view(table, config)
    config_obj = config_object(config)
    for auto_class, class_name in head_order(heads, first):
        if cancelled():
            return
        try:
            with _quiet():
                yield head_compat(config_obj, auto_class, class_name, rows)
        except HFBrowseError as exc:
            yield _failed(auto_class, class_name, str(exc))
        except Exception as exc:  # a config this class cannot be built from, a library surprise
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            yield _failed(auto_class, class_name, f"{type(exc).__name__}: {first_line}"[:300])


class _ThisThread(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Drop what transformers logs while we only simulate a load (e.g. "this checkpoint seems
    corrupted" for a head that would tie two absent tensors): the result says it instead. Only
    this thread's records are dropped; a model the console loads meanwhile still reports."""
    quiet = _ThisThread()
    handlers = [*logging.getLogger("transformers").handlers, logging.lastResort]
    for handler in handlers:
        if handler is not None:
            handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            if handler is not None:
                handler.removeFilter(quiet)


def describe_basis(table: TensorTable, config: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """What stood for the checkpoint in the comparison, and the caveats that go with it."""
    _, basis, counts = checkpoint_view(table, config)
    notes = []
    if counts.quantized:
        notes.append(
            "transformers swaps in quantised layers at load time (needs the quantisation"
            " library); names and sizes are compared on the logical view."
        )
    return basis, tuple(notes)


def compat_report(
    config: dict[str, Any], heads: HeadReport, table: TensorTable, first: str | None = None
) -> CompatReport:
    """All supported heads at once (the CLI and the tests)."""
    results = list(iter_compat(config, heads, table, first))
    basis, notes = describe_basis(table, config)
    order = {name: i for i, name in enumerate(HEAD_NAMES)}
    results.sort(key=lambda h: order.get(h.auto_class, len(order)))
    return CompatReport(tuple(results), basis, notes)
