"""``--run TEXT --json/--print`` of a GGUF file (``FILE.gguf``, ``MODEL --gguf FILE``) and of a
PEFT adapter: the console's run in the document, the same text as the core run, greedy."""

from __future__ import annotations

import json

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.core.console.runner import RunRequest, run
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.model import load_checkpoint
from tests.support.adapters import write_peft_lora
from tests.support.console import OFFLINE, local_facts
from tests.support.gguf_files import RUN_GGUF

pytestmark = pytest.mark.torch
PROMPT = "def main():"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gguf_run_json_and_print(run_gguf_folder, capsys):
    path = str(run_gguf_folder / RUN_GGUF)
    code, out, err = run_cli(capsys, path, "--run", PROMPT, "--json")
    assert code == 0, err
    doc = json.loads(out)
    result = doc["run"]
    assert result["gguf_file"] == RUN_GGUF and result["adapter"] is None
    assert result["model"] == str(run_gguf_folder) and result["dtype"] == "float32"
    assert result["model_class"] == "LlamaForCausalLM"
    assert doc["gguf"]["file"] == RUN_GGUF  # the GGUF document, with its run
    code, again, _ = run_cli(
        capsys, str(run_gguf_folder), "--gguf", RUN_GGUF, "--run", PROMPT, "--json"
    )
    assert code == 0 and json.loads(again)["run"]["output"]["text"] == result["output"]["text"]
    code, text, _ = run_cli(capsys, path, "--run", PROMPT, "--print")
    assert code == 0
    assert "Run of AutoModelForCausalLM (LlamaForCausalLM) on 'def main():':" in text
    assert "dequantised to float32 by transformers" in text


def test_gguf_run_in_another_dtype(gguf_folder, capsys):
    """A Q4_0/Q8_0 file dequantised to --dtype float16 (its tokenizer is a made-up vocabulary:
    the text is tok… pieces)."""
    code, out, err = run_cli(
        capsys, str(gguf_folder / "tiny-q.gguf"), "--run", PROMPT, "--json", "--dtype", "f16"
    )
    assert code == 0, err
    result = json.loads(out)["run"]
    assert result["gguf_file"] == "tiny-q.gguf" and result["dtype"] == "float16"
    assert "GGUF (Q4_0, Q8_0, F16, F32) dequantised to float16" in result["notices"][-1]


def test_adapter_run_json_equals_the_core_run(fixtures, tmp_path, capsys):
    base = fixtures["tiny-gpt2"]
    lora = write_peft_lora(tmp_path / "lora", base, str(base))
    code, out, err = run_cli(capsys, str(lora), "--run", PROMPT, "--json")
    assert code == 0, err
    doc = json.loads(out)
    result = doc["run"]
    assert result["adapter"] == str(lora) and result["model"] == str(base)
    assert result["model_class"] == "PeftModelForCausalLM"
    assert doc["adapter"]["run"] == "the console runs base + adapter (peft): type in it (:)"
    facts = local_facts(lora)
    table = load_checkpoint(facts, OFFLINE, None).table
    core = run(RunRequest("AutoModelForCausalLM", PROMPT), facts, ModelSession(), OFFLINE, table)
    assert result["output"]["text"] == core.output.text
    assert "from peft import PeftModel" in result["snippet"]
