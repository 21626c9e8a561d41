"""--print / --json carry quantisation, head compatibility, memory, module tree, __init__ lines."""

from __future__ import annotations

import json

from hfbrowse.cli.entry import main


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_sections(fixtures, capsys):
    doc = run_json(capsys, str(fixtures["tiny-bert-mlm"]), "--head", "sequenceclassification")
    heads = {h["auto_class"]: h for h in doc["compatibility"]["heads"]}
    seq = heads["AutoModelForSequenceClassification"]
    assert seq["status"] == "newly initialised tensors"
    assert "classifier.weight" in seq["missing"]
    assert heads["AutoModelForMaskedLM"]["summary"] == "loads cleanly"
    mem = doc["memory"]
    assert mem["parameters"] == seq["head_parameters"]
    assert mem["kv_cache"] is None  # not a causal LM head
    assert [p["precision"] for p in mem["precisions"]] == ["fp32", "bf16", "fp16", "int8", "int4"]
    assert doc["quantization"]["method"] is None
    assert doc["modules"]["parameters"] == doc["tensors"]["parameters"]
    lines = {i["module"]: i for i in doc["init_lines"]}
    assert lines["bert.embeddings.word_embeddings"]["exact"]
    assert lines["bert.embeddings.word_embeddings"]["text"].startswith("self.word_embeddings =")


def test_kv_cache_for_a_70b_causal_lm(fixtures, capsys):
    doc = run_json(capsys, str(fixtures["sparse-70b"]), "--context", "4096", "--batch", "2")
    mem = doc["memory"]
    # 2 × 80 layers × 8 kv heads × 128 dims × 2 bytes = 327,680 B = 320 KiB per token
    assert mem["kv_cache"]["bytes_per_token_16bit"] == 320 * 1024
    bf16 = next(p for p in mem["precisions"] if p["precision"] == "bf16")
    assert bf16["kv_cache_bytes"] == 320 * 1024 * 4096 * 2
    assert mem["parameters"] == 70_553_706_496
    assert bf16["weights_bytes"] == 2 * 70_553_706_496
    causal = next(
        h for h in doc["compatibility"]["heads"] if h["auto_class"] == "AutoModelForCausalLM"
    )
    assert causal["summary"] == "loads cleanly"


def test_text_output(fixtures, capsys):
    assert main([str(fixtures["tiny-bert-base"]), "--head", "maskedlm", "--print"]) == 0
    out = capsys.readouterr().out
    assert "Head compatibility (safetensors headers" in out
    assert (
        "* AutoModelForMaskedLM" in out
        and "would be newly initialised (e.g. cls.predictions.*)" in out
    )
    assert "prefix added" in out
    assert "Memory of AutoModelForMaskedLM" in out and "int4" in out
    assert "Modules (grouped from tensor names" in out
    assert "BertEmbeddings.__init__ modeling_bert.py:" in out


def test_no_checkpoint_says_why(fixtures, capsys):
    doc = run_json(capsys, str(fixtures["config-only"]))
    assert "error" in doc["compatibility"]
    assert doc["memory"]["parameters"] > 0  # from the meta table


def test_remote_code_is_never_built(fixtures, capsys):
    import sys

    doc = run_json(capsys, str(fixtures["remote-code"]))
    assert "error" in doc["compatibility"]
    assert not [m for m in sys.modules if m.endswith(("modeling_custom", "configuration_custom"))]
