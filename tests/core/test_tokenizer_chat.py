"""The tokenizer's facts and tokens, chat templates found and rendered, hostile templates
stopped in one line — all without torch."""

from __future__ import annotations

import time

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.tokenizer.chat_template import (
    TemplateError,
    chat_templates,
    render,
    render_samples,
    special_token_values,
)
from hfbrowse.core.tokenizer.files import tokenizer_files
from hfbrowse.core.tokenizer.tokens import load_tokenizer, tokenize, tokenizer_info
from tests.support.models import hub_id

OFFLINE = HubGateway(offline=True)


def _files(folder):
    return tokenizer_files(ModelRef("local", str(folder)), OFFLINE)


def test_bert_tokens_marks_specials_and_matches_transformers(fixtures):
    files = _files(fixtures["tiny-bert-mlm"])
    tok = load_tokenizer(files)
    info = tokenizer_info(files, tok)
    assert info.model == "WordPiece" and info.vocab_size == 1000
    assert ("cls_token", "[CLS]") in info.special_tokens and info.padding_side == "right"
    assert info.model_max_length == 128
    result = tokenize(tok, "hello world")
    assert result.tokens[0].token == "[CLS]" and result.tokens[0].special
    assert result.tokens[-1].token == "[SEP]" and not any(t.special for t in result.tokens[1:-1])
    from transformers import AutoTokenizer  # the same ids as transformers' own tokenizer

    reference = AutoTokenizer.from_pretrained(fixtures["tiny-bert-mlm"])
    assert [t.id for t in result.tokens] == reference("hello world")["input_ids"]
    assert "".join(t.piece for t in result.tokens) == "helloworld"


def test_added_special_token_in_text_is_marked(fixtures):
    files = _files(fixtures["tiny-gpt2"])
    tok = load_tokenizer(files)
    result = tokenize(tok, "hi <|endoftext|> there")
    marked = [t for t in result.tokens if t.special]
    assert [t.token for t in marked] == ["<|endoftext|>"] and marked[0].id == 0


def test_hub_tokenizer_files_are_small_files_only(hub, gateway):
    ref = ModelRef("hub", hub_id("tiny-gpt2"))
    files = tokenizer_files(ref, gateway, ("config.json", "tokenizer.json"))
    assert files.found == ("tokenizer.json",)
    assert hub.weight_bytes_sent() == 0
    assert not [r for r in hub.requests if r.path.endswith(".safetensors")]


def test_templates_from_jinja_and_named(chat_models):
    jinja = _files(chat_models["chat-jinja"])
    (only,) = chat_templates(jinja)
    assert only.name == "default" and only.source == "chat_template.jinja"
    plain, prompt = render_samples(only, special_token_values(jinja))
    assert plain.text.count("<|endoftext|>") == 3 and "<|im_start|>system" in plain.text
    assert prompt.text.endswith("<|im_start|>assistant\n") and "helpful" in prompt.text
    assert "assistant\nIt turns" in plain.text and "It turns" not in prompt.text
    named = chat_templates(_files(chat_models["chat-named"]))
    assert [t.name for t in named] == ["default", "tool_use"]
    assert render(named[1].template, [{"role": "user", "content": "x"}], bos_token="<s>") == (
        "<s>TOOLS[user] x"
    )


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{% for i in range(10**9) %}x{% endfor %}", "range of"),
        ("{{ raise_exception('no system role') }}", "the template raised: no system role"),
        ("{% for %}", "TemplateSyntaxError"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursed"),
        ("{{ 'a' * 10**9 }}", "repeats a sequence"),
        ("{{ ''.__class__.__mro__ }}", "SecurityError"),
        ("{% for i in range(9999) %}{{ 'x' * 99 }}{% endfor %}" * 3, "over 200,000"),
    ],
)
def test_hostile_templates_one_line(template, says):
    with pytest.raises(TemplateError, match=says) as err:
        render(template, [{"role": "user", "content": "x"}])
    assert "\n" not in str(err.value)


def test_a_silent_endless_loop_is_stopped_by_the_deadline(chat_models):
    files = _files(chat_models["chat-loops"])
    (template,) = chat_templates(files)
    started = time.monotonic()
    plain, prompt = render_samples(template, {})
    assert "ran over 2 s" in plain.error and "ran over 2 s" in prompt.error
    assert time.monotonic() - started < 6
