"""Header and config parsing: fixed cases plus property-based fuzzing of untrusted bytes."""

from __future__ import annotations

import json
import struct
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfbrowse.core.checkpoint.safetensors import MAX_HEADER_BYTES, read_local_header
from hfbrowse.core.checkpoint.tensors import local_tensor_table
from hfbrowse.core.config.tree import LIST_FOLD, build_tree, parse_config_text, read_config
from hfbrowse.core.errors import MalformedConfig, MalformedHeader

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write_file(path: Path, header: bytes, declared: int | None = None, data: bytes = b"") -> Path:
    length = len(header) if declared is None else declared
    path.write_bytes(struct.pack("<Q", length) + header + data)
    return path


def test_header_reads_names_shapes_and_offsets(tmp_path):
    header = {
        "b": {"dtype": "F16", "shape": [2, 3], "data_offsets": [16, 28]},
        "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "__metadata__": {"format": "pt"},
    }
    path = write_file(tmp_path / "m.safetensors", json.dumps(header).encode(), data=b"\0" * 28)
    parsed = read_local_header(path)
    assert [t.name for t in parsed.tensors] == ["a", "b"]  # file order (by offset)
    assert parsed.tensors[1].shape == (2, 3) and parsed.metadata == {"format": "pt"}
    table = local_tensor_table(tmp_path)
    assert table.parameters == 10 and table.nbytes == 28
    assert {t.dtype: t.parameters for t in table.totals} == {"F16": 6, "F32": 4}
    assert [r.name for r in table.filtered("B")] == ["b"]


@pytest.mark.parametrize(
    ("header", "declared", "data", "message"),
    [
        (b"{", None, b"", "not valid JSON"),
        (b"[]", None, b"", "not a JSON object"),
        (b"{}", 4096, b"", "truncated"),
        (b"", 2**60, b"", "limit"),
        (b'{"x": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}}', None, b"\0", "dtype"),
        (
            b'{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}',
            None,
            b"\0" * 4,
            "shape",
        ),
        (b'{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}', None, b"", "offsets"),
        (
            b'{"x": {"dtype": "F32", "shape": [9], "data_offsets": [0, 36]}}',
            None,
            b"",
            "past the end",
        ),
    ],
)
def test_bad_headers(tmp_path, header, declared, data, message):
    path = write_file(tmp_path / "m.safetensors", header, declared, data)
    with pytest.raises(MalformedHeader, match=message):
        read_local_header(path)


def test_short_file(tmp_path):
    (tmp_path / "m.safetensors").write_bytes(b"\x01\x02")
    with pytest.raises(MalformedHeader, match="too short"):
        read_local_header(tmp_path / "m.safetensors")


@FUZZ
@given(blob=st.binary(max_size=300), declared=st.one_of(st.none(), st.integers(0, 2**64 - 1)))
def test_fuzz_arbitrary_bytes_never_crash_nor_allocate_the_claim(tmp_path_factory, blob, declared):
    path = tmp_path_factory.mktemp("fuzz") / "m.safetensors"
    write_file(path, blob, declared)
    tracemalloc.start()
    try:
        read_local_header(path)
    except MalformedHeader:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 1_000_000  # a header claiming gigabytes is never allocated


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)
entries = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from(["F32", "F16", "BF16", "I8", "NOPE", 3]),
        "shape": st.lists(st.integers(-2, 50), max_size=3) | json_values,
        "data_offsets": st.lists(st.integers(-5, 10_000), min_size=0, max_size=3) | json_values,
    }
)


@FUZZ
@given(doc=st.dictionaries(st.text(max_size=10), entries | json_values, max_size=6))
def test_fuzz_header_json(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzzj") / "m.safetensors"
    write_file(path, json.dumps(doc).encode(), data=b"\0" * 64)
    try:
        parsed = read_local_header(path)
    except MalformedHeader as exc:
        assert str(exc).startswith("m.safetensors")
    else:
        for tensor in parsed.tensors:
            assert all(d >= 0 for d in tensor.shape)
            assert 0 <= tensor.data_offsets[0] <= tensor.data_offsets[1] <= 64


@FUZZ
@given(doc=json_values)
def test_fuzz_config_json(doc):
    text = json.dumps(doc)
    try:
        parsed = parse_config_text(text)
    except MalformedConfig:
        assert not isinstance(doc, dict)
        return
    nodes = build_tree(parsed)
    assert [n.key for n in nodes] == [str(k) for k in parsed]


def test_config_tree_keeps_order_types_and_folds_long_lists(tmp_path):
    doc = {"z": 1, "a": {"x": [1, 2]}, "ids": list(range(1000)), "t": True, "n": None, "s": "v"}
    (tmp_path / "config.json").write_text(json.dumps(doc))
    nodes = build_tree(read_config(tmp_path / "config.json"))
    assert [n.key for n in nodes] == ["z", "a", "ids", "t", "n", "s"]
    assert [n.kind for n in nodes] == ["number", "object", "list", "bool", "null", "string"]
    ids = nodes[2]
    assert ids.value == "[1,000 items]"
    assert len(ids.children) == LIST_FOLD + 1 and ids.children[-1].value == "980 more"
    assert nodes[1].children[0].path == "a.x"


def test_deeply_nested_and_huge_configs(tmp_path):
    with pytest.raises(MalformedConfig):
        parse_config_text("[" * 100_000 + "]" * 100_000)
    deep: dict = {}
    cur = deep
    for _ in range(200):
        cur["k"] = {}
        cur = cur["k"]
    assert build_tree(deep)  # summarised past max depth, no RecursionError
    assert MAX_HEADER_BYTES == 100_000_000


def test_config_not_utf8(tmp_path):
    (tmp_path / "config.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(MalformedConfig, match="Cannot read"):
        read_config(tmp_path / "config.json")
