"""``hfbrowse MODEL --run TEXT [--head H] --print|--json``: one console run, printed."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main

CASES = {
    "tiny-gpt2": ("Hello", "generation", "AutoModelForCausalLM"),
    "tiny-bert-mlm": ("the [MASK] sat", "fill-mask", "AutoModelForMaskedLM"),
    "tiny-bert-qa": ("Who? ||| Ada wrote notes.", "question-answering", None),
    "tiny-bert-ner": ("Ada lives in Rome", "token-classification", None),
    "tiny-distilbert-sst": ("great", "sequence-classification", None),
    "tiny-bert-base": ("a ||| b", "features", "AutoModel"),
    "tiny-t5": ("translate: hi", "generation", "AutoModelForSeq2SeqLM"),
}


def _json_run(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_json_for_every_head(name, fixtures, capsys):
    text, kind, head = CASES[name]
    argv = [str(fixtures[name]), "--run", text]
    if name == "tiny-gpt2":
        argv += ["--head", "causallm"]
    code, doc, _ = _json_run(capsys, *argv)
    assert code == 0
    result = doc["run"]
    assert result["output"]["kind"] == kind
    assert result["head"] == (head or doc["recommended_head"])
    assert result["input"] == text and result["device"] == "cpu"
    assert result["timing"]["run_s"] > 0 and result["snippet"].startswith("import torch")
    if kind == "features":
        assert -1 <= result["output"]["cosine"] <= 1
    if kind == "generation":
        assert result["timing"]["tokens_per_s"] > 0


def test_run_print_renders_the_result(fixtures, capsys):
    code = main([str(fixtures["tiny-distilbert-sst"]), "--run", "fine film", "--print"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Run of AutoModelForSequenceClassification" in out
    assert "NEGATIVE" in out and "POSITIVE" in out and "%" in out


def test_remote_code_run_is_refused(fixtures, capsys):
    code, doc, err = _json_run(capsys, str(fixtures["remote-code"]), "--run", "hi")
    assert code == 1
    assert "--trust-remote-code" in doc["run"]["error"] and "--trust-remote-code" in err


def test_bin_only_needs_yes(fixtures, capsys):
    folder = str(fixtures["bin-only"])
    code, doc, err = _json_run(capsys, folder, "--run", "a [MASK]")
    assert code == 1 and "--yes" in err and "pytorch_model.bin" in doc["run"]["error"]
    code, doc, _ = _json_run(capsys, folder, "--run", "a [MASK]", "--yes")
    assert code == 0 and doc["run"]["output"]["kind"] == "fill-mask"


def test_run_errors_are_one_line(fixtures, capsys):
    code, doc, err = _json_run(capsys, str(fixtures["tiny-bert-mlm"]), "--run", "no mask")
    assert code == 1 and "no mask" in doc["run"]["error"]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
