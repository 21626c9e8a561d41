"""The console's core: every head on the tiny fixtures, streaming, cancel, safety, snippets."""

from __future__ import annotations

import ast
import re
import sys
import threading
import time
import weakref
from types import SimpleNamespace

import pytest

from hfbrowse.core.console import preflight
from hfbrowse.core.console.errors import RunError, RunRefused, SettingsError
from hfbrowse.core.console.heads import HeadCall, fill_mask
from hfbrowse.core.console.heads.token_classes import TokenLabel, merge_entities
from hfbrowse.core.console.runner import NeedsConfirmation, RunHooks, RunRequest, run
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.console.settings import (
    GenerationSettings,
    apply_overrides,
    defaults_for,
    parse_assignment,
)
from tests.support.console import OFFLINE, local_facts, run_local, run_snippets

QA_TEXT = "Who lives in Paris? ||| Marie Curie lives in Paris with her cat and her books."


@pytest.fixture(scope="module")
def session():
    s = ModelSession()
    yield s
    s.unload()


# -- generation ------------------------------------------------------------------------------
def test_streamed_text_equals_plain_greedy_generate(session, fixtures):
    import torch

    chunks: list[str] = []
    result = run_local(
        session,
        fixtures["tiny-gpt2"],
        "Hello world, the",
        hooks=RunHooks(on_text=chunks.append),
        overrides={"max_new_tokens": 24},
    )
    out = result.output
    assert out.kind == "generation" and out.streamed and not out.stopped
    assert chunks and chunks[-1] == out.text
    assert all(chunks[-1].startswith(c) for c in chunks[:-1])  # text only grows
    loaded = session.loaded
    tok = loaded.tokenizer
    inputs = tok("Hello world, the", return_tensors="pt")
    with torch.inference_mode():
        direct = loaded.model.generate(**inputs, max_new_tokens=24, do_sample=False)
    expected = tok.decode(direct[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    assert out.text == expected
    assert out.new_tokens == direct.shape[1] - inputs["input_ids"].shape[1]
    assert result.timing.new_tokens == out.new_tokens and result.timing.tokens_per_s > 0


def test_second_run_reuses_the_loaded_model(session, fixtures):
    first = run_local(session, fixtures["tiny-gpt2"], "abc", overrides={"max_new_tokens": 3})
    second = run_local(session, fixtures["tiny-gpt2"], "abc", overrides={"max_new_tokens": 3})
    assert second.timing.load_s is None
    assert first.output.text == second.output.text
    gpt2 = weakref.ref(session.loaded.model)
    run_local(session, fixtures["tiny-bert-base"], "other model")
    assert session.loaded.key.model == str(fixtures["tiny-bert-base"])
    assert gpt2() is None  # freed, not merely dropped: one model at a time


def test_cancel_stops_generation_and_keeps_the_text(session, fixtures):
    cancel = threading.Event()
    stopped_at: list[float] = []

    def on_text(text: str) -> None:
        if not cancel.is_set():
            cancel.set()
            stopped_at.append(time.perf_counter())

    result = run_local(
        session,
        fixtures["tiny-gpt2"],
        "Once upon a time",
        hooks=RunHooks(cancel=cancel, on_text=on_text),
        overrides={"max_new_tokens": 60},
    )
    elapsed = time.perf_counter() - stopped_at[0]
    out = result.output
    assert out.stopped and 1 <= out.new_tokens <= 3
    assert elapsed < 0.5
    assert out.text  # what was generated before the stop is kept


def test_seq2seq_beam_search_by_default_and_streams_when_greedy(session, fixtures):
    chunks: list[str] = []
    beam = run_local(
        session, fixtures["tiny-t5"], "translate: hello", hooks=RunHooks(on_text=chunks.append)
    )
    assert beam.output.settings["num_beams"] == 4 and not beam.output.streamed and not chunks
    greedy = run_local(
        session,
        fixtures["tiny-bart"],
        "summarize this please",
        hooks=RunHooks(on_text=chunks.append),
        overrides={"num_beams": 1, "max_new_tokens": 12},
    )
    assert greedy.output.streamed and chunks[-1] == greedy.output.text
    assert 1 <= greedy.output.new_tokens <= 12


def test_settings_defaults_come_from_generation_config():
    gen = {"max_new_tokens": 77, "do_sample": True, "temperature": 0.6, "top_p": 0.9}
    s = defaults_for("AutoModelForCausalLM", gen)
    assert (s.max_new_tokens, s.do_sample, s.temperature, s.top_p) == (77, True, 0.6, 0.9)
    assert defaults_for("AutoModelForSeq2SeqLM", {}).num_beams == 4
    assert defaults_for("AutoModelForSeq2SeqLM", {"num_beams": 6}).num_beams == 6
    assert defaults_for("AutoModelForCausalLM", {"temperature": "hot"}).temperature == 1.0
    assert apply_overrides(s, {"temperature": 1.3}).temperature == 1.3
    assert parse_assignment("do_sample=yes") == ("do_sample", True)
    assert parse_assignment("max_new_tokens=12") == ("max_new_tokens", 12)
    for bad in ("max_new_tokens=0", "top_p=2", "nope=1", "temperature", "num_beams=x"):
        with pytest.raises(SettingsError):
            parse_assignment(bad)


def test_sampling_is_reproducible_with_the_seed(session, fixtures):
    over = {"do_sample": True, "temperature": 1.5, "max_new_tokens": 10, "seed": 7}
    a = run_local(session, fixtures["tiny-gpt2"], "The", overrides=over)
    b = run_local(session, fixtures["tiny-gpt2"], "The", overrides=over)
    assert a.output.text == b.output.text
    assert "torch.manual_seed(7)" in a.snippet


# -- encoders --------------------------------------------------------------------------------
def test_fill_mask_accepts_both_spellings(session, fixtures):
    a = run_local(session, fixtures["tiny-bert-mlm"], "the cat sat on the [MASK] today.")
    b = run_local(session, fixtures["tiny-bert-mlm"], "the cat sat on the <mask> today.")
    assert a.output == b.output
    out = a.output
    assert out.mask_token == "[MASK]" and len(out.masks) == 1
    probs = [c.probability for c in out.masks[0].candidates]
    assert len(probs) == 5 and probs == sorted(probs, reverse=True) and 0 < probs[0] <= 1
    assert "[MASK]" not in out.filled
    two = run_local(session, fixtures["tiny-bert-mlm"], "[MASK] and [mask] again")
    assert len(two.output.masks) == 2


def test_fill_mask_errors(session, fixtures):
    with pytest.raises(RunError, match="no mask"):
        run_local(session, fixtures["tiny-bert-mlm"], "no mask here")
    with pytest.raises(RunError, match="empty input"):
        run_local(session, fixtures["tiny-bert-mlm"], "   ")
    from transformers import AutoTokenizer

    gpt2_tok = AutoTokenizer.from_pretrained(str(fixtures["tiny-gpt2"]))
    fake = SimpleNamespace(model=None, tokenizer=gpt2_tok, model_class="GPT2LMHeadModel")
    with pytest.raises(RunError, match="no mask token"):
        fill_mask.run(fake, "a [MASK]", HeadCall())


def test_too_long_input_is_truncated_with_a_notice(session, fixtures):
    text = "[MASK] " + "word " * 400
    result = run_local(session, fixtures["tiny-bert-mlm"], text)
    assert any("truncated to 128" in n for n in result.notices)
    long_prompt = run_local(
        session, fixtures["tiny-gpt2"], "go " * 300, overrides={"max_new_tokens": 8}
    )
    assert any("truncated" in n for n in long_prompt.notices)
    assert long_prompt.output.new_tokens == 8


def test_qa_span_lies_inside_the_context(session, fixtures):
    result = run_local(session, fixtures["tiny-bert-qa"], QA_TEXT)
    out = result.output
    assert out.kind == "question-answering"
    assert out.context.startswith("Marie Curie")
    assert 0 <= out.start < out.end <= len(out.context)
    assert out.answer == out.context[out.start : out.end]
    assert out.start_token <= out.end_token < out.start_token + 30
    assert 0 < out.score <= 1
    with pytest.raises(RunError, match=r"\|\|\|"):
        run_local(session, fixtures["tiny-bert-qa"], "just a question?")


def test_token_labels_come_from_id2label(session, fixtures):
    facts = local_facts(fixtures["tiny-bert-ner"])
    labels = set(facts.config["id2label"].values())
    text = "John Smith lives in New York with Mary."
    out = run_local(session, fixtures["tiny-bert-ner"], text).output
    assert out.tokens and {t.label for t in out.tokens} <= labels
    assert all(text[t.start : t.end] for t in out.tokens)
    for entity in out.entities:
        assert entity.text == text[entity.start : entity.end]
        assert entity.type in {"PER", "LOC", "ORG"}


def test_entities_merge_b_and_i_tags():
    text = "Ada Lovelace met Bob in Rome"
    t = [
        TokenLabel("ada", "B-PER", 0.9, 0, 3),
        TokenLabel("love", "I-PER", 0.8, 4, 8),
        TokenLabel("##lace", "B-PER", 0.7, 8, 12),  # same word: continues the entity
        TokenLabel("met", "O", 0.9, 13, 16),
        TokenLabel("bob", "B-PER", 0.9, 17, 20),
        TokenLabel("in", "O", 0.9, 21, 23),
        TokenLabel("rome", "B-LOC", 0.6, 24, 28),
    ]
    entities = merge_entities(text, t, [0, 1, 1, 2, 3, 4, 5])
    assert [(e.type, e.text) for e in entities] == [
        ("PER", "Ada Lovelace"),
        ("PER", "Bob"),
        ("LOC", "Rome"),
    ]
    assert entities[0].probability == pytest.approx(0.8)


def test_sequence_labels_and_probabilities(session, fixtures):
    facts = local_facts(fixtures["tiny-distilbert-sst"])
    out = run_local(session, fixtures["tiny-distilbert-sst"], "What a lovely film.").output
    assert {s.label for s in out.labels} == set(facts.config["id2label"].values())
    assert sum(s.probability for s in out.labels) == pytest.approx(1.0, abs=1e-5)
    assert [s.probability for s in out.labels] == sorted(
        (s.probability for s in out.labels), reverse=True
    )


def test_features_shape_pooling_and_cosine(session, fixtures):
    one = run_local(session, fixtures["tiny-bert-base"], "a short sentence").output
    assert one.shape[0] == 1 and one.shape[2] == 32 and one.cosine is None
    emb = one.embeddings[0]
    assert emb.dim == 32 and emb.norm > 0 and len(emb.first) == 6
    same = run_local(session, fixtures["tiny-bert-base"], "same text ||| same text").output
    assert same.cosine == pytest.approx(1.0, abs=1e-5)
    t5 = run_local(session, fixtures["tiny-t5"], "hello there", head="AutoModel").output
    assert t5.shape[0] == 1 and t5.embeddings[0].dim == t5.shape[2]


# -- safety ----------------------------------------------------------------------------------
def test_remote_code_is_refused_and_never_imported(session, fixtures, tmp_path, monkeypatch):
    from hfbrowse.demo.fixtures import REMOTE_CODE_MARKER, REMOTE_CODE_MARKER_ENV

    marker = tmp_path / "marker"
    monkeypatch.setenv(REMOTE_CODE_MARKER_ENV, str(marker))
    folder = fixtures["remote-code"]
    facts = local_facts(folder)
    with pytest.raises(RunRefused) as info:
        run(RunRequest("AutoModelForCausalLM", "hi"), facts, session, OFFLINE)
    message = str(info.value)
    assert "--trust-remote-code" in message and "modeling_custom.py" in message
    assert not marker.exists() and not (folder / REMOTE_CODE_MARKER).exists()
    assert not [m for m in sys.modules if m.endswith(("modeling_custom", "configuration_custom"))]


def test_bin_only_needs_confirmation_then_loads_weights_only(session, fixtures):
    folder = fixtures["bin-only"]
    with pytest.raises(NeedsConfirmation) as info:
        run_local(session, folder, "a [MASK] b")
    assert [a.key for a in info.value.asks] == ["bin"]
    assert "pytorch_model.bin" in info.value.asks[0].question
    result = run_local(session, folder, "a [MASK] b", confirmed=frozenset({"bin"}))
    assert result.output.kind == "fill-mask"
    assert "use_safetensors=False, weights_only=True" in result.snippet


def test_memory_confirmation_with_a_low_limit(session, fixtures, monkeypatch):
    monkeypatch.setattr(preflight, "free_memory", lambda device: (1000, "available RAM"))
    session.unload()
    with pytest.raises(NeedsConfirmation) as info:
        run_local(session, fixtures["tiny-distilbert-sst"], "fine")
    ask = info.value.asks[0]
    assert ask.key == "memory" and "available RAM is 1000 B" in ask.question
    assert session.loaded is None  # nothing was loaded before the answer
    ok = run_local(
        session, fixtures["tiny-distilbert-sst"], "fine", confirmed=frozenset({"memory"})
    )
    assert ok.output.kind == "sequence-classification"


def test_estimate_follows_the_requested_dtype(fixtures):
    from hfbrowse.core.checkpoint.tensors import local_tensor_table

    table = local_tensor_table(fixtures["tiny-gpt2"])
    as_stored = preflight.estimate_bytes(table, None, overhead=1.0)
    assert as_stored == table.nbytes
    assert preflight.estimate_bytes(table, "float16", overhead=1.0) == table.nbytes // 2


def test_unknown_dtype_and_device_are_messages(session, fixtures):
    with pytest.raises(RunError, match="unknown dtype"):
        run_local(session, fixtures["tiny-gpt2"], "x", dtype="float13")
    with pytest.raises(RunError, match="device"):
        run_local(session, fixtures["tiny-gpt2"], "x", device="tpu")


# -- snippets --------------------------------------------------------------------------------
def _floats(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", line)]


def test_snippets_execute_and_reproduce_every_head(session, fixtures):
    runs = {
        "gen": run_local(
            session, fixtures["tiny-gpt2"], "Hello there", overrides={"max_new_tokens": 12}
        ),
        "sample": run_local(
            session,
            fixtures["tiny-gpt2"],
            "Hi",
            overrides={"max_new_tokens": 8, "do_sample": True, "seed": 3, "top_p": 0.9},
        ),
        "t5": run_local(
            session, fixtures["tiny-t5"], "translate: a cat", overrides={"max_new_tokens": 6}
        ),
        "mlm": run_local(session, fixtures["tiny-bert-mlm"], "the [MASK] is red"),
        "qa": run_local(session, fixtures["tiny-bert-qa"], QA_TEXT),
        "ner": run_local(session, fixtures["tiny-bert-ner"], "Ada lives in Rome."),
        "sst": run_local(session, fixtures["tiny-distilbert-sst"], "good ||| bad"),
        "feat": run_local(session, fixtures["tiny-bert-base"], "a cat ||| a dog"),
    }
    for result in runs.values():
        ast.parse(result.snippet)
        assert "torch_dtype" not in result.snippet and "pipeline(" not in result.snippet
        assert "dtype='auto'" in result.snippet and "use_safetensors=True" in result.snippet
    outs = dict(zip(runs, run_snippets([r.snippet for r in runs.values()]), strict=True))
    for name in ("gen", "sample", "t5"):
        assert outs[name] == runs[name].output.text + "\n"
    mlm = runs["mlm"].output.masks[0]
    lines = outs["mlm"].splitlines()
    assert [ln.split()[1] for ln in lines] == [c.token for c in mlm.candidates]
    assert _floats(outs["mlm"]) == pytest.approx([c.probability for c in mlm.candidates], abs=1e-4)
    qa = runs["qa"].output
    assert outs["qa"].strip() == f"{qa.answer!r} {qa.start} {qa.end} {qa.score:.4f}"
    ner = [ln.split()[:2] for ln in outs["ner"].splitlines()]
    assert ner == [[t.token, t.label] for t in runs["ner"].output.tokens]
    sst = [ln.split() for ln in outs["sst"].splitlines()]
    assert sst == [[s.label, f"{s.probability:.4f}"] for s in runs["sst"].output.labels]
    feat = runs["feat"].output
    assert f"cosine {feat.cosine:.4f}" in outs["feat"]
    assert f"{feat.embeddings[1].norm:.4f}" in outs["feat"]


def test_generation_settings_round_trip_to_generate_kwargs():
    s = GenerationSettings(max_new_tokens=5, do_sample=True, temperature=0.5)
    kwargs = s.generate_kwargs()
    assert "seed" not in kwargs and kwargs["temperature"] == 0.5 and kwargs["max_new_tokens"] == 5


def test_console_modules_import_neither_torch_nor_transformers():
    import subprocess

    code = (
        "import sys, hfbrowse.ui.panes.console, hfbrowse.core.console.runner, hfbrowse.report.run\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
