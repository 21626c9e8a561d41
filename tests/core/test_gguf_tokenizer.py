"""The tokenizer a GGUF file carries (``tokenizer.ggml.*``): rebuilt as transformers rebuilds
it, without torch, and the same ids as ``AutoTokenizer.from_pretrained(…, gguf_file=…)``; a
tokenizer transformers cannot build is one line, with its facts from the metadata; the GGUF
document's ``tokenizer`` section (``--json``/``--print``) and the views' ``T``/``C`` keys."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hfbrowse.cli.entry import main
from hfbrowse.core.checkpoint.gguf_file import read_local_gguf
from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.tokenizer.gguf_tokenizer import gguf_tokenizer
from hfbrowse.core.tokenizer.tokens import tokenize
from hfbrowse.ui.screens.chat_template import ChatTemplateScreen
from hfbrowse.ui.screens.gguf import GGUFScreen
from hfbrowse.ui.screens.tokenizer import TokenizerScreen
from tests.support.gguf_files import RUN_GGUF, VOCAB, write_llama_gguf
from tests.support.ui import new_app, settle, text_of, wait_until

TEXT = "def main(): return x  # hfbrowse"


@pytest.mark.torch
def test_same_ids_as_transformers_gguf_tokenizer(run_gguf_folder):
    from transformers import AutoTokenizer

    found = gguf_tokenizer(read_local_gguf(run_gguf_folder / RUN_GGUF))
    assert found.error is None and found.info.vocab_size == 1000
    assert found.info.special_tokens == (
        ("bos_token", "<|endoftext|>"),
        ("eos_token", "<|endoftext|>"),
    )
    ours = [t.id for t in tokenize(found.tokenizer, TEXT).tokens]
    theirs = AutoTokenizer.from_pretrained(str(run_gguf_folder), gguf_file=RUN_GGUF)(TEXT)
    assert ours == theirs["input_ids"] and len(ours) > 5


def test_built_without_torch(run_gguf_folder):
    """transformers' converter needs no torch (its GGUF reader does: not used here)."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from pathlib import Path\n"
        "from hfbrowse.core.checkpoint.gguf_file import read_local_gguf\n"
        "from hfbrowse.core.tokenizer.gguf_tokenizer import gguf_tokenizer\n"
        f"g = gguf_tokenizer(read_local_gguf(Path({str(run_gguf_folder / RUN_GGUF)!r})))\n"
        "print(g.error, g.tokenizer.encode('def main').ids)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("None [456, 70, 303, 502]")


def test_a_tokenizer_transformers_cannot_build_is_one_line(tmp_path):
    path = write_llama_gguf(tmp_path / "rwkv-tok.gguf", tokenizer_model="rwkv")
    found = gguf_tokenizer(read_local_gguf(path))
    assert found.tokenizer is None
    assert found.error.startswith("transformers cannot build this tokenizer: ")
    assert "'rwkv'" in found.error
    assert found.info.vocab_size == VOCAB  # from the metadata
    assert ("bos_token", "<s>") in found.info.special_tokens
    assert [a.content for a in found.info.added_tokens] == ["<s>", "</s>"]  # control tokens


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gguf_document_has_the_tokenizer(run_gguf_folder, tmp_path, capsys):
    path = str(run_gguf_folder / RUN_GGUF)
    code, out, err = run_cli(capsys, path, "--json", "--tokenize", TEXT)
    assert code == 0, err
    doc = json.loads(out)
    tok = doc["tokenizer"]
    assert tok["vocab_size"] == 1000 and tok["model"] == "BPE" and "error" not in tok
    assert tok["tokenizer_class"] == "GGUF tokenizer.ggml.model=gpt2"
    assert tok["sample"]["text"] == TEXT and tok["sample"]["tokens"][0]["id"] == 456
    assert doc["chat_template"]["templates"][0]["rendered"]["text"].startswith("<|im_start|>")
    code, text, _ = run_cli(capsys, path, "--print", "--tokenize", TEXT)
    assert code == 0
    assert "Tokenizer: BPE (GGUF tokenizer.ggml.model=gpt2) · vocab 1,000" in text
    assert f"ids: {[t['id'] for t in tok['sample']['tokens']]}" in text
    bad = write_llama_gguf(tmp_path / "rwkv-tok.gguf", tokenizer_model="rwkv")
    code, out, _ = run_cli(capsys, str(bad), "--json")
    tok = json.loads(out)["tokenizer"]
    assert code == 0 and tok["sample"] is None and tok["vocab_size"] == VOCAB
    assert tok["error"].startswith("transformers cannot build this tokenizer")
    code, text, _ = run_cli(capsys, str(bad), "--print")
    assert "  transformers cannot build this tokenizer: " in text


async def test_tokenizer_and_chat_template_keys_in_the_gguf_view(run_gguf_folder):
    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await wait_until(pilot, lambda: app.screen.info is not None)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, TokenizerScreen))
        await wait_until(pilot, lambda: app.screen.tokenization is not None)
        assert "vocab 1,000 · tiny-llama-run.gguf (tokenizer.ggml.*)" in text_of(app, "#tok-status")
        assert "GGUF tokenizer.ggml.model=gpt2" in text_of(app, "#tok-info")
        app.screen.query_one("#tok-input").value = "def main"
        await settle(pilot)
        assert "456 70 303 502" in text_of(app, "#tok-tokens")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatTemplateScreen))
        await wait_until(pilot, lambda: bool(app.screen.rendered))
        assert "from tokenizer.chat_template (GGUF)" in text_of(app, "#chat-status")
        assert "<|im_start|>user" in text_of(app, "#chat-content")


async def test_gguf_tokenizer_view_says_when_it_cannot_build(tmp_path):
    write_llama_gguf(tmp_path / "rwkv-tok.gguf", tokenizer_model="rwkv")
    target = GGUFTarget(ModelRef("local", str(tmp_path)), "rwkv-tok.gguf")
    app = new_app(gateway=HubGateway(offline=True), gguf=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, GGUFScreen))
        await wait_until(pilot, lambda: app.screen.info is not None)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, TokenizerScreen))
        await wait_until(pilot, lambda: app.screen.info is not None)
        await settle(pilot)
        status = text_of(app, "#tok-status")
        assert status.startswith("transformers cannot build this tokenizer")
        assert f"vocab {VOCAB:,} (from the metadata)" in status
        assert not app.screen.query_one("#tok-input").display
