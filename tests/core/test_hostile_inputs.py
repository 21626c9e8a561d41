"""What a model folder or a server supplies is data: checked before it becomes a path, parsed
with bounds, shown as text. Each case is one that used to write outside HF_HOME, read outside
the folder, block, crash or take minutes."""

from __future__ import annotations

import json
import os
import struct
import threading
import time
from pathlib import Path

import pytest

from hfbrowse.core.checkpoint.module_tree import MAX_DEPTH, module_tree
from hfbrowse.core.checkpoint.safetensors import MAX_U64, read_local_header
from hfbrowse.core.checkpoint.tensors import (
    TensorRow,
    index_shards,
    local_tensor_table,
    make_table,
)
from hfbrowse.core.config.tree import read_config
from hfbrowse.core.errors import (
    MalformedConfig,
    MalformedHeader,
    ModelNotFound,
    UnsafeInput,
)
from hfbrowse.core.formatting import grouped, human_bytes, human_count
from hfbrowse.core.heads.compat_results import key_patterns
from hfbrowse.core.heads.meta_model import check_buildable
from hfbrowse.core.memory import estimate_memory, kv_shape
from hfbrowse.core.model_ref import ModelRef, parse_model_arg
from hfbrowse.core.safe_paths import check_commit_sha, check_revision, open_in_folder
from hfbrowse.core.untrusted import load_json, printable
from tests.support.checkpoints import write_checkpoint

LOADED_MACHINE_S = 10.0  # the time bound of every hostile case on this shared machine


def _header_file(path: Path, header: dict | str, data: int = 0) -> Path:
    raw = (header if isinstance(header, str) else json.dumps(header)).encode()
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + data)
    return path


def _within(seconds: float, work):
    """Run ``work`` in a thread; fail (instead of hanging the suite) if it takes longer."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], time.monotonic() - started


# -- text from a model is text ---------------------------------------------------------------------
def test_printable_escapes_controls_and_keeps_unicode():
    hostile = "\x1b]0;TITLE\x07x\x1b[2J\x9b\x00\x7f\u202e é 中 🙂 [reverse]"
    shown = printable(hostile)
    assert shown == "\\x1b]0;TITLE\\x07x\\x1b[2J\\x9b\\x00\\x7f\\u202e é 中 🙂 [reverse]"
    assert printable(shown) == shown  # idempotent: escaping twice changes nothing
    assert printable("a\nb\tc") == "a\\nb\\tc"  # one line: a name cannot forge another line
    assert printable("a\nb\tc\x1b", keep_lines=True) == "a\nb\tc\\x1b"
    assert printable("\ud800") == "\\ud800"  # a lone surrogate (JSON "\ud800") is printable
    assert printable(42) == "42"


# -- untrusted JSON --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{" + '"a": ' + "9" * 5000 + "}", "4,300 digits"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ('{"a": ' + "[" * 100 + "]" * 100 + "}", "nested over 64 levels"),
        (b"\xff{}", "not UTF-8"),
        ("{", "not valid JSON"),
    ],
)
def test_load_json_bounds_are_one_typed_line(text, words):
    with pytest.raises(MalformedConfig, match=words) as caught:
        load_json(text, "config.json", max_depth=64, error=MalformedConfig)
    assert "\n" not in str(caught.value)


# -- revisions and commit shas become file names: checked ------------------------------------------
@pytest.mark.parametrize("good", ["main", "v1.0", "refs/pr/1", "a" * 40, "release-2024_01"])
def test_revisions_git_accepts_pass(good):
    assert check_revision(good) == good
    assert ModelRef("hub", "org/name", revision=good).revision == good


@pytest.mark.parametrize(
    "bad", ["../../x", "..", "/etc", "a//b", "a/./b", "x.lock", "a b", "a\x1bb", "a~1", "", "x/"]
)
def test_revisions_that_could_be_paths_are_refused(bad):
    with pytest.raises(UnsafeInput, match="not a branch, tag or commit"):
        check_revision(bad)
    with pytest.raises(UnsafeInput):
        ModelRef("hub", "org/name", revision=bad)  # one check, wherever a ref is made
    with pytest.raises(UnsafeInput):
        parse_model_arg("org/name", revision=bad)


def test_commit_sha_is_forty_hex_digits():
    assert check_commit_sha("0123456789abcdef" * 2 + "01234567", "x")
    for bad in ("../../../x", "ABC", "0" * 39, "0" * 41, None, 5):
        with pytest.raises(UnsafeInput, match="commit sha"):
            check_commit_sha(bad, "the Hub's answer")


def test_a_three_hundred_character_id_is_a_message():
    with pytest.raises(ModelNotFound, match="valid Hub model id"):
        parse_model_arg("a" * 300)
    with pytest.raises(ModelNotFound):
        parse_model_arg("org/" + "a" * 300)


# -- files a folder claims -------------------------------------------------------------------------
def _gpt2_folder(fixtures, tmp_path: Path, name: str = "m") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_bytes((fixtures["tiny-gpt2"] / "config.json").read_bytes())
    return folder


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("/etc/passwd", "absolute path"),
        ("../x.safetensors", "plain relative name"),
        ("a/../../x.safetensors", "plain relative name"),
        (1, "not a file name but int"),
        ("a\\b.safetensors", "backslash"),
        ("x\x1b.safetensors", "control character"),
    ],
)
def test_weight_map_names_outside_the_folder_are_refused(tmp_path, value, words):
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": value, "b": "ok.safetensors"}})
    )
    with pytest.raises(MalformedHeader, match=words) as caught:
        local_tensor_table(tmp_path)
    assert "claims" not in str(caught.value)  # nothing of /etc/passwd is read, nor quoted
    with pytest.raises(MalformedHeader, match=words):
        index_shards((tmp_path / "model.safetensors.index.json").read_bytes())


def test_a_symlinked_shard_outside_the_folder_is_not_read(fixtures, tmp_path):
    folder = _gpt2_folder(fixtures, tmp_path)
    (folder / "model-1.safetensors").symlink_to(fixtures["tiny-gpt2"] / "model.safetensors")
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": "model-1.safetensors"}})
    )
    with pytest.raises(UnsafeInput, match="points outside"):
        local_tensor_table(folder)


def test_hf_cache_snapshots_may_point_into_their_blobs(fixtures, tmp_path):
    """The HF cache's own layout: snapshot files are symlinks to ../../blobs/<hash>."""
    repo = tmp_path / "models--org--name"
    (repo / "blobs").mkdir(parents=True)
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        blob = repo / "blobs" / f"blob-{name}"
        blob.write_bytes((fixtures["tiny-gpt2"] / name).read_bytes())
        (snapshot / name).symlink_to(Path("../../blobs") / blob.name)
    assert local_tensor_table(snapshot).rows
    assert read_config(snapshot / "config.json")["model_type"] == "gpt2"


def test_fifos_answer_at_once(fixtures, tmp_path):
    folder = _gpt2_folder(fixtures, tmp_path)
    os.mkfifo(folder / "model.safetensors")
    with pytest.raises(UnsafeInput, match="FIFO"):
        _within(LOADED_MACHINE_S, lambda: local_tensor_table(folder))
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")
    with pytest.raises(UnsafeInput, match="FIFO"):
        _within(LOADED_MACHINE_S, lambda: read_config(folder / "config.json"))


def test_an_unreadable_config_is_a_message(fixtures, tmp_path, monkeypatch):
    folder = _gpt2_folder(fixtures, tmp_path)

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("hfbrowse.core.safe_paths.os.open", denied)  # root ignores chmod 000
    with pytest.raises(MalformedConfig, match=r"Cannot read config\.json: Permission denied"):
        read_config(folder / "config.json")


def test_open_in_folder_refuses_names_and_places(tmp_path):
    (tmp_path / "f").write_bytes(b"x")
    fh, size = open_in_folder(tmp_path, "f")
    with fh:
        assert size == 1 and fh.read() == b"x"
    for name in ("../f", "/etc/passwd", ""):
        with pytest.raises(UnsafeInput):
            open_in_folder(tmp_path, name)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(UnsafeInput):
        open_in_folder(tmp_path, "loop")


# -- safetensors headers ---------------------------------------------------------------------------
def test_shapes_that_disagree_with_their_bytes_and_overlaps_are_flagged(tmp_path):
    path = _header_file(
        tmp_path / "m.safetensors",
        {
            "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
            "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]},
            "c": {"dtype": "F32", "shape": [2**31, 2**31], "data_offsets": [24, 40]},
        },
        data=40,
    )
    header = read_local_header(path)
    problems = {t.name: t.problem for t in header.tensors}
    assert problems["a"] is None
    assert "overlap" in problems["b"] and "'a'" in problems["b"]
    assert "needs 18,446,744,073,709,551,616 bytes" in problems["c"] and "holds 16" in problems["c"]
    table = local_tensor_table(tmp_path)
    assert [r.name for r in table.flagged] == ["b", "c"]
    assert "2 tensors' header entries do not add up" in (table.flag_note() or "")
    assert human_count(table.parameters)  # 4.6e18 parameters: shown, never an OverflowError


def _entry(shape: str, offsets: str = "[0, 4]") -> str:
    return '{"a": {"dtype": "F32", "shape": ' + shape + ', "data_offsets": ' + offsets + "}}"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (_entry(f"[{'9' * 5000}]"), "4,300 digits"),
        (_entry(f"[{10**300}]"), r"dimension over 2\^64"),
        (_entry(f"[{MAX_U64}, 2]"), r"more than 2\^64 elements"),
        (_entry("[1]", f"[0, {2**64}]"), "invalid data_offsets"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ],
    ids=["5000-digit dimension", "10^300 dimension", "product over 2^64", "offset 2^64", "deep"],
)
def test_header_numbers_beyond_64_bits_are_one_line(tmp_path, header, words):
    path = _header_file(tmp_path / "m.safetensors", header, data=4)
    with pytest.raises(MalformedHeader, match=words) as caught:
        read_local_header(path)
    assert len(str(caught.value)) < 300


def test_header_metadata_is_text(tmp_path):
    header = {
        "__metadata__": {"format": "pt", "deep": [[[1]]], "n": 5},
        "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
    }
    parsed = read_local_header(_header_file(tmp_path / "m.safetensors", header, data=4))
    assert parsed.metadata == {"format": "pt", "deep": "<JSON list of 1 items>", "n": "5"}


# -- numbers from a config or a header -------------------------------------------------------------
def test_formatting_takes_any_number():
    for n in (10**400, -(10**400), 2**64, MAX_U64 * 200_000):
        assert human_count(n) and human_bytes(n) and grouped(n)
    assert human_count(10**400) == "1.0e+400" and human_bytes(10**400) == "1.0e+400 B"
    assert human_bytes(1.5e300) == "1.5e+300 B"
    assert human_count(124_439_808) == "124.4M" and grouped(1234) == "1,234"


def test_memory_estimate_with_absurd_config_sizes():
    config = {"n_layer": 10**300, "n_head": 12, "n_embd": 768}
    shape, note = kv_shape(config)
    assert shape is None and "no real size" in note
    est = estimate_memory(config, MAX_U64 * 200_000, "headers", causal_lm=True)
    assert est.rows[0].weights == MAX_U64 * 200_000 * 4  # integers all the way: exact


# -- building a model from config.json -------------------------------------------------------------
@pytest.mark.parametrize(
    ("update", "words"),
    [
        ({"hidden_size": "abc"}, 'hidden_size is "abc", not a whole number'),
        ({"n_embd": float("nan")}, "n_embd is NaN"),
        ({"vocab_size": 1.5}, "vocab_size is 1.5"),
        ({"n_embd": -1}, "n_embd is -1"),
        ({"id2label": "x"}, 'id2label is "x", not an object'),
        ({"quantization_config": "x"}, "quantization_config"),
        ({"n_layer": 10**9}, "n_layer is 1,000,000,000: no real model has over 2,000 layers"),
        ({"num_experts": 10**6}, "over 10,000 experts"),
        ({"text_config": {"num_hidden_layers": True}}, "text_config.num_hidden_layers"),
    ],
)
def test_configs_no_model_can_be_built_from_are_named(update, words):
    with pytest.raises(MalformedConfig, match=words):
        check_buildable({"model_type": "gpt2", **update})
    check_buildable({"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "id2label": None})


@pytest.mark.torch
def test_a_billion_layers_is_refused_at_once(fixtures):
    from hfbrowse.core.heads.meta_model import meta_tensor_table

    config = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    config["n_layer"] = 10**9
    with pytest.raises(MalformedConfig, match="n_layer"):
        _within(LOADED_MACHINE_S, lambda: meta_tensor_table(config, "AutoModelForCausalLM"))


@pytest.mark.torch
def test_a_build_past_its_budget_is_stopped(fixtures, monkeypatch):
    """Keys the checks do not know (here: many layers, under the layer cap) still cannot make a
    build go on for ever: past its registrations (or seconds) it stops with a message."""
    from hfbrowse.core.heads import meta_model

    config = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    config["n_layer"] = 1_500
    monkeypatch.setattr(meta_model, "MAX_REGISTRATIONS", 500)
    with pytest.raises(MalformedConfig, match="larger than any real model"):
        _within(LOADED_MACHINE_S, lambda: meta_model.meta_tensor_table(config, "AutoModel"))
    config["n_layer"] = 2
    assert meta_model.meta_tensor_table(config, "AutoModel").rows  # the budget is per build


@pytest.mark.torch
def test_transformers_complaints_are_config_lines(fixtures):
    from hfbrowse.core.heads.meta_model import meta_tensor_table

    config = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    config["n_embd"] = 10**15  # a whole number, but no tensor can have it
    with pytest.raises(MalformedConfig, match=r"config\.json gives sizes") as caught:
        meta_tensor_table(config, "AutoModelForCausalLM")
    assert "\n" not in str(caught.value)


# -- linear analyses -------------------------------------------------------------------------------
def _rows(n: int) -> list[TensorRow]:
    return [
        TensorRow(f"blk_{i}.proj_{i % 97}.weight", (4, 4), "F32", 16, 64, "f") for i in range(n)
    ]


def test_init_lines_of_ten_thousand_unknown_modules_are_linear():
    """Names the architecture does not have: each used to re-walk the modeling files (~4 ms
    each, 39 s at 10,000); now each is a few dictionary lookups."""
    from hfbrowse.report.analysis import init_lines_doc

    table = make_table(_rows(10_000), "safetensors headers", ["f"])
    lines, took = _within(60, lambda: init_lines_doc(table, "GPT2LMHeadModel", "gpt2"))
    assert len(lines) == 10_000 and not any(item["found"] for item in lines)
    assert took < LOADED_MACHINE_S, took


def test_key_patterns_of_many_keys_are_linear():
    keys = [row.name for row in _rows(100_000)]
    patterns, took = _within(60, lambda: key_patterns(keys))
    assert len(patterns) == 4 and patterns[-1] == "…"
    assert took < LOADED_MACHINE_S, took


def test_module_tree_of_a_name_with_ten_thousand_dots():
    row = TensorRow("a." * 10_000 + "weight", (1,), "F32", 1, 4, "f")
    root = module_tree([row])
    depth, node = 0, root
    while node.children:
        node, depth = node.children[0], depth + 1
    assert depth == MAX_DEPTH and node.leaves == (row,)


# -- the one line ----------------------------------------------------------------------------------
def test_a_quantisation_config_of_the_wrong_kind_counts_as_stored(tmp_path):
    from hfbrowse.core.heads.resolve import resolve_heads
    from hfbrowse.core.model import ModelFacts, load_checkpoint

    folder = write_checkpoint(tmp_path / "q", {"w.weight": ("F16", (2, 2))}, None)
    for qc in ("x", 5, [1], {"quant_method": 5, "bits": "x"}, {"config_groups": "x"}):
        config = {"model_type": "llama", "quantization_config": qc}
        facts = ModelFacts(
            ModelRef("local", str(folder)), config, "", resolve_heads(config), None, False
        )
        checkpoint = load_checkpoint(facts, None, None)  # type: ignore[arg-type]
        assert checkpoint.table is not None and checkpoint.parameters == 4
