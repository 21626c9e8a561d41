"""``--print``/``--json`` of a GGUF file: a local file, a Hub repo's file by ``--gguf``."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.report.document import SCHEMA_VERSION
from tests.support.gguf_files import GGUF_REPO, VOCAB


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_local_file_json_and_print_agree(gguf_folder, capsys):
    code, out, err = run_cli(capsys, str(gguf_folder / "tiny-q.gguf"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] == SCHEMA_VERSION == "1.6"
    g = doc["gguf"]
    assert g["architecture"] == "llama" and g["kind"] == "local"
    tokens = next(m for m in g["metadata"] if m["key"] == "tokenizer.ggml.tokens")
    assert tokens["count"] == VOCAB and tokens["folded"] and len(tokens["value"]) == 8
    types = {t["type"]: t for t in g["tensors"]["totals"]}
    assert types["Q4_0"]["bits_per_weight"] == 4.5
    assert "gguf_derived" in doc  # a config, or one line saying why not
    (template,) = doc["chat_template"]["templates"]  # tokenizer.chat_template, rendered
    assert template["source"] == "tokenizer.chat_template (GGUF)"
    assert template["rendered"]["text"].endswith("<|assistant|>It turns text into token ids.</s>")
    assert template["rendered_with_generation_prompt"]["text"].endswith("</s><|assistant|>")
    code, text, _ = run_cli(capsys, str(gguf_folder / "tiny-q.gguf"), "--print")
    assert code == 0
    assert f"({VOCAB} items)" in text and "Q4_0" in text and "bits per weight" in text
    row = next(r for r in g["tensors"]["rows"] if r["name"] == "blk.0.attn_q.weight")
    assert "blk.0.attn_q.weight" in text and f"{row['parameters']:,}" in text


def test_hub_file_by_ranges(gguf_hub, capsys, monkeypatch):
    from hfbrowse.core.hub.gateway import HubGateway

    def to_double(cls, offline: bool = False) -> HubGateway:
        return cls(endpoint=gguf_hub.url, offline=offline)

    monkeypatch.setattr(HubGateway, "from_env", classmethod(to_double))
    gguf_hub.clear_log()
    code, out, err = run_cli(capsys, GGUF_REPO, "--gguf", "sparse-7b-Q4_K.gguf", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["gguf"]["tensors"]["parameters"] == 6_738_415_616
    assert doc["gguf"]["ranged_reads"] > 1
    assert gguf_hub.weight_bytes_sent() == 0


@pytest.mark.parametrize("name", ["garbage.gguf", "truncated.gguf", "huge-array.gguf"])
def test_hostile_file_one_line(gguf_folder, capsys, name):
    code, out, err = run_cli(capsys, str(gguf_folder / name), "--print")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and name in err


def test_gguf_needs_a_model(capsys):
    code, _, err = run_cli(capsys, "--gguf", "x.gguf", "--print")
    assert code == 2 and "--gguf FILE needs a MODEL" in err
