"""--print/--json: --diff-head, --diff-model, --diff-config, --explain-config, remote code."""

from __future__ import annotations

import json
import sys

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.demo.fixtures import REMOTE_CODE_MARKER


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_diff_head_json_and_text(fixtures, capsys):
    folder = str(fixtures["tiny-bert-mlm"])
    code, out, _ = run(capsys, folder, "--json", "--diff-head", "seq-classification")
    assert code == 2  # not a head name: refused before anything is read
    code, out, err = run(capsys, folder, "--json", "--diff-head", "sequenceclassification")
    assert code == 0, err
    diff = json.loads(out)["head_diff"]
    assert diff["left"]["class"] == "BertForMaskedLM"
    assert diff["right"]["class"] == "BertForSequenceClassification"
    init = diff["methods"][0]
    lines = [ln for h in init["hunks"] for ln in h["lines"]]
    added = [ln["text"].strip() for ln in lines if ln["kind"] == "added"]
    assert "self.classifier = nn.Linear(config.hidden_size, config.num_labels)" in added
    assert diff["unified"].startswith("--- tiny-bert-mlm: AutoModelForMaskedLM → BertForMaskedLM")
    code, out, _ = run(capsys, folder, "--print", "--diff-head", "sequenceclassification")
    assert code == 0
    assert "Head diff (+" in out and "+        self.num_labels = config.num_labels" in out


def test_diff_model_and_config(fixtures, capsys):
    gpt2, bert = str(fixtures["tiny-gpt2"]), str(fixtures["tiny-bert-mlm"])
    code, out, err = run(capsys, gpt2, "--json", "--diff-model", bert, "--diff-config", bert)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["head_diff"]["right"]["model"] == "tiny-bert-mlm"
    assert doc["head_diff"]["right"]["head"] == "AutoModelForCausalLM"  # the same head
    cfg = doc["config_diff"]
    assert (cfg["changed"], cfg["added"], cfg["removed"]) == (4, 12, 18)
    assert {"path": "n_embd", "change": "removed", "left": "32", "right": None} in cfg["changes"]
    code, out, _ = run(capsys, gpt2, "--print", "--diff-config", bert)
    assert "Config diff: - tiny-gpt2  + tiny-bert-mlm" in out and "+ hidden_size: 32" in out


def test_bad_other_model_is_one_line_and_nonzero(fixtures, capsys):
    code, out, err = run(capsys, str(fixtures["tiny-gpt2"]), "--print", "--diff-model", "/nope/x")
    assert code == 1
    assert err.strip().splitlines()[-1] == "hfbrowse: No such folder: /nope/x"
    assert "Head diff: No such folder: /nope/x" in out


def test_explain_config(fixtures, capsys):
    code, out, _ = run(capsys, str(fixtures["tiny-t5"]), "--json", "--explain-config")
    assert code == 0
    e = json.loads(out)["config_explained"]
    keys = {k["key"]: k for k in e["keys"]}
    assert e["config_class"] == "T5Config"
    assert keys["d_model"]["description"] == "Size of the encoder layers and the pooler layer."
    assert (keys["d_model"]["type"], keys["d_model"]["default"]) == ("int", "512")
    assert keys["d_model"]["differs"] is True and "n_positions" in e["unknown"]
    code, out, _ = run(capsys, str(fixtures["tiny-t5"]), "--print", "--explain-config")
    assert "  d_model: 32  [int, default 512, ≠ default]" in out
    assert "  n_positions: 128  [unknown]" in out
    code, _, err = run(capsys, str(fixtures["tiny-t5"]), "--explain-config")
    assert code == 2 and "only with --print or --json" in err


def test_remote_code_section_never_runs_it(fixtures, capsys, monkeypatch, tmp_path):
    marker = tmp_path / "ran.txt"
    monkeypatch.setenv("HFBROWSE_REMOTE_CODE_MARKER", str(marker))
    folder = fixtures["remote-code"]
    code, out, err = run(capsys, str(folder), "--json", "--explain-config")
    assert code == 0, err
    doc = json.loads(out)
    remote = doc["remote_code"]
    assert remote["banner"] == "REMOTE CODE — shown as text, not run"
    assert [f["name"] for f in remote["files"]] == ["configuration_custom.py", "modeling_custom.py"]
    assert {c["class"]: c["line"] for c in remote["classes"]} == {
        "CustomConfig": 13,
        "CustomForCausalLM": 13,
    }
    assert doc["config_explained"]["config_class"] == "CustomConfig"
    assert doc["config_explained"]["remote"] is True
    code, out, _ = run(capsys, str(folder), "--print")
    assert "*** REMOTE CODE — shown as text, not run ***" in out
    assert "   13  class CustomForCausalLM(PreTrainedModel):" in out
    assert not marker.exists() and not (folder / REMOTE_CODE_MARKER).exists()
    assert "modeling_custom" not in sys.modules


@pytest.mark.parametrize("flag", ["--diff-head", "--diff-model", "--diff-config"])
def test_flags_need_print_or_json(fixtures, capsys, flag):
    code, _, err = run(capsys, str(fixtures["tiny-gpt2"]), flag, "x")
    assert code == 2 and "only with --print or --json" in err
