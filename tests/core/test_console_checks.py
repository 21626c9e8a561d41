"""What a run says before and around loading: no tokenizer (said before anything loads), a head
whose weights are partly random (one notice), the phases it goes through, and a library log
record summed up in one line."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.preflight import require_tokenizer
from hfbrowse.core.console.runner import (
    PHASE_CHECKING,
    PHASE_LOADING,
    PHASE_RUNNING,
    RunHooks,
)
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.log_capture import summarise_log
from hfbrowse.core.model_ref import ModelRef
from tests.support.console import run_local

LOAD_REPORT = (
    "\x1b[1mGPT2ForQuestionAnswering LOAD REPORT\x1b[0m from: /models/tiny-gpt2\n"
    "Key               | Status  | \n"
    "------------------+---------+-\n"
    "qa_outputs.weight | MISSING | \n"
    "qa_outputs.bias   | MISSING | \n"
    "\n"
    "Notes:\n"
    "- MISSING:\tthose params were newly initialized because missing from the checkpoint.\n"
)


@pytest.fixture(scope="module")
def session():
    s = ModelSession()
    yield s
    s.unload()


def test_a_folder_without_tokenizer_is_refused_before_anything_loads(
    session, fixtures, tmp_path, monkeypatch
):
    folder = tmp_path / "weights-only"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(fixtures["tiny-gpt2"] / name, folder / name)

    def must_not_load(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(ModelSession, "load", must_not_load)
    phases: list[str] = []
    hooks = RunHooks(progress=lambda label, done, total: phases.append(label))
    with pytest.raises(RunError, match="no tokenizer in this folder"):
        run_local(session, folder, "Hello", hooks=hooks)
    assert phases == [PHASE_CHECKING]  # not importing torch, not loading


def test_a_hub_repo_without_tokenizer_files_is_refused_too():
    facts = SimpleNamespace(ref=ModelRef("hub", "org/weights-only"))
    with pytest.raises(RunError, match="no tokenizer in org/weights-only"):
        require_tokenizer(facts, ["config.json", "model.safetensors", "README.md"])
    require_tokenizer(facts, ["config.json", "model.safetensors", "spiece.model"])
    require_tokenizer(facts, [])  # files unknown: nothing said


@pytest.mark.torch
def test_a_partly_random_head_says_so_in_one_notice(session, fixtures):
    qa = run_local(
        session, fixtures["tiny-gpt2"], "Who? ||| Ada wrote it.", "AutoModelForQuestionAnswering"
    )
    random = [n for n in qa.notices if "newly initialised" in n]
    assert random == [
        "2 tensors newly initialised (random): qa_outputs.* — outputs are not meaningful"
        " (this checkpoint was not trained for this head)"
    ]
    again = run_local(
        session, fixtures["tiny-gpt2"], "Who? ||| Ada wrote it.", "AutoModelForQuestionAnswering"
    )
    assert again.timing.load_s is None and random[0] in again.notices  # every run says it
    plain = run_local(session, fixtures["tiny-gpt2"], "Hello", overrides={"max_new_tokens": 2})
    assert not [n for n in plain.notices if "newly initialised" in n]


@pytest.mark.torch
def test_a_random_pooler_is_not_reported_for_features(session, fixtures):
    """BertModel from a BertForMaskedLM checkpoint: the pooler is new, the features are not."""
    result = run_local(session, fixtures["tiny-bert-mlm"], "a cat", "AutoModel")
    assert session.loaded.random_tensors  # the pooler really is random …
    assert all("pooler" in n for n in session.loaded.random_tensors)
    assert not [n for n in result.notices if "newly initialised" in n]  # … and not shown


@pytest.mark.torch
def test_phases_are_reported_in_order(fixtures):
    session = ModelSession()
    labels: list[str] = []
    hooks = RunHooks(progress=lambda label, done, total: labels.append(label))
    run_local(session, fixtures["tiny-t5"], "translate: hi", hooks=hooks)
    phases = [label.split(" ")[0] for label in labels]
    expected = [PHASE_CHECKING.split()[0], PHASE_LOADING, PHASE_RUNNING]
    assert [p for p in phases if p in expected] == expected
    assert labels[-1].startswith("running AutoModelForSeq2SeqLM: beam search, 4 beams")
    labels.clear()
    run_local(session, fixtures["tiny-t5"], "translate: hi", hooks=hooks)
    assert [label.split(" ")[0] for label in labels] == [PHASE_RUNNING]  # loaded already
    session.unload()


def test_library_log_records_become_one_useful_line():
    assert summarise_log(LOAD_REPORT) == (
        "GPT2ForQuestionAnswering load report: 2 MISSING (newly initialised)"
        " — Library log (ctrl+p) for the keys"
    )
    assert summarise_log("one line") == "one line"
    assert summarise_log("\n  first\nsecond\nthird\n") == "first (+2 lines: Library log)"
