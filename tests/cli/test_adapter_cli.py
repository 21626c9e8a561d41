"""--json/--print for a PEFT adapter: the adapter section, agreeing with the screen's lines;
a malformed adapter_config.json is one line and a non-zero status."""

from __future__ import annotations

import json
from pathlib import Path

from hfbrowse.cli.entry import main
from tests.support.adapters import lora_parameters, write_lora


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_adapter_json_and_print(tmp_path, fixtures, capsys):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    code, out, err = run_cli(capsys, str(folder), "--json")
    assert code == 0, err
    doc = json.loads(out)
    adapter = doc["adapter"]
    assert (adapter["method"], adapter["rank"], adapter["lora_alpha"]) == ("LORA", 4, 8.0)
    assert adapter["target_modules"] == ["c_attn"]
    assert adapter["added_parameters"] == lora_parameters() == doc["tensors"]["parameters"]
    assert adapter["base_parameters_source"] == "safetensors headers"
    assert [m["module"] for m in adapter["touched_modules"]] == [
        "transformer.h.0.attn.c_attn",
        "transformer.h.1.attn.c_attn",
    ]
    assert adapter["unmatched_modules"] == [] and adapter["base_error"] is None
    init = adapter["touched_modules"][0]["init_line"]
    assert (init["class"], init["file"], init["exact"]) == (
        "GPT2Attention",
        "modeling_gpt2.py",
        True,
    )
    assert init["text"].startswith("self.c_attn = Conv1D(")
    assert doc["header_line"].startswith("LORA adapter · 1.02K params added")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### The `--json` document") :]
    assert [key for key in doc if f"`{key}`" not in table] == []
    code, text, _ = run_cli(capsys, str(folder), "--print")
    assert code == 0
    assert "Adapter (PEFT):" in text
    for line in adapter["lines"]:
        assert f"  {line}" in text


def test_a_model_has_a_null_adapter(fixtures, capsys):
    code, out, _ = run_cli(capsys, str(fixtures["tiny-gpt2"]), "--json")
    assert code == 0 and json.loads(out)["adapter"] is None


def test_malformed_adapter_config_is_one_line(tmp_path, fixtures, capsys):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    (folder / "adapter_config.json").write_text('{"peft_type": "LORA", "r": [4]}')
    code, out, err = run_cli(capsys, str(folder), "--json")
    assert code == 1 and out == ""
    assert err == "hfbrowse: adapter_config.json: r is [4], not a number.\n"


def test_run_note_says_when_peft_is_missing(tmp_path, fixtures, capsys, monkeypatch):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    monkeypatch.setattr("hfbrowse.core.adapters.peft_installed", lambda: False)
    _, out, _ = run_cli(capsys, str(folder), "--json")
    assert json.loads(out)["adapter"]["run"].startswith(
        "running base + adapter needs peft, which is not installed (pip install 'hfbrowse[peft]')"
    )
    monkeypatch.setattr("hfbrowse.core.adapters.peft_installed", lambda: True)
    _, text, _ = run_cli(capsys, str(folder), "--print")
    assert "  the console runs base + adapter (peft): type in it (:)" in text
