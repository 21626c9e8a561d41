"""One order for tensor rows: by name with layer numbers as numbers, whatever the shard layout;
largest first on request. The TUI and --json both follow it."""

from __future__ import annotations

import json
import re

from hfbrowse.cli.entry import main
from hfbrowse.core.checkpoint.tensors import (
    ORDER_SIZE,
    TensorRow,
    local_tensor_table,
    make_table,
    natural_key,
    shard_label,
)


def _layers(names: list[str]) -> list[int]:
    """Layer numbers in the order the names come, each once."""
    out: list[int] = []
    for name in names:
        found = re.search(r"\.layers\.(\d+)\.", name)
        if found and (not out or out[-1] != int(found[1])):
            out.append(int(found[1]))
    return out


def test_natural_key_compares_numbers_as_numbers():
    names = ["h.10.w", "h.9.w", "h.2.w", "h.1.w", "emb", "h.1.b"]
    assert sorted(names, key=natural_key) == ["emb", "h.1.b", "h.1.w", "h.2.w", "h.9.w", "h.10.w"]


def test_natural_key_takes_any_name():
    """A hostile header: a 5,000-digit run (``int()`` refuses over 4,300 digits) and digits
    that are not ASCII (``"²".isdigit()`` is true, ``int("²")`` raises) sort like the rest."""
    big = "9" * 5000
    names = [f"h.{big}.w", "h.²", "h.10.w", "h.0010.x", "h.٣.w", "h.2.w"]
    ordered = sorted(names, key=natural_key)
    assert ordered == ["h.2.w", "h.10.w", "h.0010.x", f"h.{big}.w", "h.²", "h.٣.w"]
    rows = [TensorRow(n, (1,), "F32", 1, 4, "f") for n in names]
    assert [r.name for r in make_table(rows, "test", ["f"]).rows] == ordered


def test_sharded_checkpoint_rows_follow_the_layers_not_the_files(fixtures):
    table = local_tensor_table(fixtures["sparse-70b"])
    layers = _layers([r.name for r in table.rows])
    assert layers == list(range(80))  # file order put layer 9 after 19 and so on
    assert table.sharded and len({r.file for r in table.rows}) > 1
    assert shard_label("model-00003-of-00030.safetensors") == "3/30"
    assert shard_label("model.safetensors") == "model.safetensors"


def test_size_order_is_largest_first_ties_by_name():
    rows = [
        TensorRow("b.2.w", (4,), "F32", 4, 16, "f"),
        TensorRow("b.10.w", (8,), "F32", 8, 32, "f"),
        TensorRow("a.w", (4,), "F32", 4, 16, "f"),
    ]
    table = make_table(rows, "test", ["f"])
    assert [r.name for r in table.rows] == ["a.w", "b.2.w", "b.10.w"]
    assert [r.name for r in table.filtered("", ORDER_SIZE)] == ["b.10.w", "a.w", "b.2.w"]
    assert [r.name for r in table.filtered("b.", ORDER_SIZE)] == ["b.10.w", "b.2.w"]


def test_json_rows_use_the_same_order(fixtures, capsys):
    assert main([str(fixtures["sparse-70b"]), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["tensors"]["rows"]
    names = [r["name"] for r in rows]
    assert names == sorted(names, key=natural_key)
    assert _layers(names) == list(range(80))
