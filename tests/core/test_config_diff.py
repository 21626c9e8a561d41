"""Config diffs of two raw config.json files (hfbrowse.core.config.diff)."""

from __future__ import annotations

import json

from hfbrowse.core.config.diff import diff_configs, render_diff_lines, same_value


def test_changed_added_removed_and_nested():
    left = {"model_type": "llama", "hidden_size": 64, "rope_scaling": {"factor": 8.0, "t": "a"},
            "only_left": True, "eps": 1e-5}  # fmt: skip
    right = {"model_type": "mistral", "hidden_size": 64, "rope_scaling": {"factor": 2, "t": "a"},
             "sliding_window": 4096, "eps": 0.00001}  # fmt: skip
    diff = diff_configs(left, right, "a", "b")
    by_path = {n.path: n for n in diff.flat()}
    assert by_path["model_type"].change == "changed"
    assert (by_path["model_type"].left, by_path["model_type"].right) == ('"llama"', '"mistral"')
    assert by_path["hidden_size"].change == "same"
    assert by_path["eps"].change == "same"  # 1e-5 == 0.00001
    assert by_path["rope_scaling"].change == "changed"
    assert by_path["rope_scaling.factor"].change == "changed"
    assert by_path["rope_scaling.t"].change == "same"
    assert by_path["only_left"].change == "removed" and by_path["only_left"].right is None
    assert by_path["sliding_window"].change == "added" and by_path["sliding_window"].left is None
    assert [n.key for n in diff.nodes][-1] == "sliding_window"  # right-only keys come last
    assert (diff.count("changed"), diff.count("added"), diff.count("removed")) == (2, 1, 1)
    assert not diff.identical
    assert render_diff_lines(diff) == [
        '~ model_type: "llama" → "mistral"',
        "~ rope_scaling:",
        "~   factor: 8.0 → 2",
        "- only_left: true",
        "+ sliding_window: 4096",
    ]


def test_identical_and_value_rules(fixtures):
    cfg = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    assert diff_configs(cfg, dict(cfg), "a", "b").identical
    assert same_value(1, 1.0) and not same_value(True, 1) and not same_value([1], [1, 2])
    assert not same_value({"a": 1}, {"a": 1, "b": 2}) and not same_value("1", 1)


def test_fixture_models_differ_where_expected(fixtures):
    gpt2 = json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())
    bert = json.loads((fixtures["tiny-bert-mlm"] / "config.json").read_text())
    diff = diff_configs(gpt2, bert, "gpt2", "bert")
    by_path = {n.path: n for n in diff.flat()}
    assert by_path["n_embd"].change == "removed"
    assert by_path["hidden_size"].change == "added"
    assert by_path["model_type"].change == "changed"
    assert by_path["architectures"].change == "changed"
