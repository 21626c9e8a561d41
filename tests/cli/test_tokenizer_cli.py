"""The tokenizer and chat_template sections of --print/--json."""

from __future__ import annotations

import json

from hfbrowse.cli.entry import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_tokenizer_section_json_and_text(fixtures, capsys):
    folder = str(fixtures["tiny-bert-mlm"])
    code, out, err = run_cli(capsys, folder, "--json", "--tokenize", "hello world")
    assert code == 0, err
    tok = json.loads(out)["tokenizer"]
    assert tok["model"] == "WordPiece" and tok["vocab_size"] == 1000
    assert tok["padding_side"] == "right" and tok["model_max_length"] == 128
    sample = tok["sample"]
    assert sample["text"] == "hello world" and sample["count"] == len(sample["tokens"])
    assert sample["tokens"][0] == {"id": 2, "token": "[CLS]", "piece": "", "special": True}
    code, text, _ = run_cli(capsys, folder, "--print", "--tokenize", "hello world")
    assert f"→ {sample['count']} tokens" in text and "⟨[CLS]⟩|" in text
    assert f"ids: {[t['id'] for t in sample['tokens']]}" in text


def test_chat_template_section(chat_models, capsys):
    code, out, err = run_cli(capsys, str(chat_models["chat-named"]), "--json")
    assert code == 0, err
    chat = json.loads(out)["chat_template"]
    assert [t["name"] for t in chat["templates"]] == ["default", "tool_use"]
    default = chat["templates"][0]
    assert default["rendered"]["text"].count("<|endoftext|>") == 3
    assert default["rendered_with_generation_prompt"]["text"].endswith("<|im_start|>assistant\n")
    assert [m["role"] for m in chat["sample_conversation"]] == ["system", "user", "assistant"]
    code, text, _ = run_cli(capsys, str(chat_models["chat-named"]), "--print")
    assert "Chat template 'tool_use'" in text and "→ with add_generation_prompt:" in text


def test_no_template_and_hostile_template(fixtures, chat_models, capsys):
    _, out, _ = run_cli(capsys, str(fixtures["tiny-bert-mlm"]), "--json")
    assert json.loads(out)["chat_template"] is None
    code, out, _ = run_cli(capsys, str(chat_models["chat-loops"]), "--json")
    assert code == 0  # a section's own failure, not the document's
    rendered = json.loads(out)["chat_template"]["templates"][0]["rendered"]
    assert rendered["text"] is None and "ran over 2 s" in rendered["error"]


def test_tokenize_only_with_print(fixtures, capsys):
    code, _, err = run_cli(capsys, str(fixtures["tiny-bert-mlm"]), "--tokenize", "x")
    assert code == 2 and "--tokenize: only with --print or --json" in err
