"""Head diffs: two heads of one model, and one head of two families (core.source.head_diff)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_facts
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.classes import MethodSource
from hfbrowse.core.source.head_diff import (
    FULL,
    compare,
    default_partner,
    diff_methods,
    head_for_other,
)

OFFLINE = HubGateway(offline=True)


def _facts(folder: Path):
    return load_facts(ModelRef("local", str(folder)), OFFLINE)


@pytest.fixture(scope="module")
def gpt2(fixtures):
    return _facts(fixtures["tiny-gpt2"])


def test_what_sequence_classification_adds_over_causal_lm(gpt2):
    diff = compare(
        gpt2, "AutoModelForCausalLM", gpt2, "AutoModelForSequenceClassification", OFFLINE
    )
    assert diff.left.class_name == "GPT2LMHeadModel"
    assert diff.right.class_name == "GPT2ForSequenceClassification"
    assert diff.left.file == "models/gpt2/modeling_gpt2.py"
    init = diff.methods[0]
    assert init.name == "__init__"
    removed = [ln.text.strip() for h in init.hunks for ln in h.lines if ln.kind == "removed"]
    added = [ln.text.strip() for h in init.hunks for ln in h.lines if ln.kind == "added"]
    assert any(t.startswith("self.lm_head = nn.Linear(") for t in removed)
    assert any(t.startswith("self.score = nn.Linear(") for t in added)
    assert "self.num_labels = config.num_labels" in added
    assert diff.added > 0 and diff.removed > 0
    # every line number points at that very line of the real file
    left_lines = Path(init.left.file).read_text().splitlines()
    right_lines = Path(init.right.file).read_text().splitlines()
    for hunk in init.hunks:
        for ln in hunk.lines:
            if ln.left_no is not None:
                assert left_lines[ln.left_no - 1] == ln.text
            if ln.right_no is not None:
                assert right_lines[ln.right_no - 1] == ln.text


def test_unified_lines_match_difflib_and_rows_rebuild_both_sides(gpt2):
    diff = compare(gpt2, "AutoModel", gpt2, "AutoModelForCausalLM", OFFLINE, context=3)
    forward = diff.methods[1]
    a, b = forward.left.text.splitlines(), forward.right.text.splitlines()
    expected = [
        ln
        for ln in difflib.unified_diff(a, b, n=3, lineterm="")
        if not ln.startswith(("---", "+++", "@@"))
    ]
    ours = [f"{ln.marker}{ln.text}" for h in forward.hunks for ln in h.lines]
    assert ours == expected
    full = compare(gpt2, "AutoModel", gpt2, "AutoModelForCausalLM", OFFLINE, context=FULL)
    rows = [r for h in full.methods[1].hunks for r in h.rows]
    assert [r.left for r in rows if r.left is not None] == a
    assert [r.right for r in rows if r.right is not None] == b
    assert "--- tiny-gpt2: AutoModel → GPT2Model" in diff.unified_text()


def test_identical_and_missing_methods():
    m = MethodSource("forward", "A", "/x.py", 10, 11, "def forward(self):\n    return 1")
    same = diff_methods("forward", m, m)
    assert same.identical and same.shared_definition and same.added == same.removed == 0
    assert len(same.hunks) == 1 and all(ln.kind == "same" for ln in same.hunks[0].lines)
    assert diff_methods("forward", m, m, context=3).hunks == ()
    only_left = diff_methods("forward", m, None)
    assert only_left.removed == 2 and only_left.added == 0 and not only_left.identical


def test_default_partner(gpt2, fixtures):
    heads = gpt2.heads
    assert heads.recommended == "AutoModelForCausalLM"
    assert default_partner(heads, "AutoModelForCausalLM") == "AutoModel"
    assert default_partner(heads, "AutoModelForSequenceClassification") == "AutoModelForCausalLM"
    base = _facts(fixtures["tiny-bert-base"]).heads
    assert base.recommended == "AutoModel"
    partner = default_partner(base, "AutoModel")
    assert partner not in (None, "AutoModel") and base.option(partner)


def test_llama_vs_mistral_from_config_only_folders(fixtures, tmp_path):
    mistral = tmp_path / "tiny-mistral"
    mistral.mkdir()
    cfg = json.loads((fixtures["config-only"] / "config.json").read_text())
    cfg.update(model_type="mistral", architectures=["MistralForCausalLM"], sliding_window=64)
    (mistral / "config.json").write_text(json.dumps(cfg))
    llama_facts, mistral_facts = _facts(fixtures["config-only"]), _facts(mistral)
    head = head_for_other(mistral_facts, "AutoModelForCausalLM")
    assert head == "AutoModelForCausalLM"
    diff = compare(llama_facts, "AutoModelForCausalLM", mistral_facts, head, OFFLINE)
    assert diff.left.label == "config-only: AutoModelForCausalLM → LlamaForCausalLM"
    assert diff.right.label == "tiny-mistral: AutoModelForCausalLM → MistralForCausalLM"
    assert diff.right.file == "models/mistral/modeling_mistral.py"
    text = diff.unified_text()
    assert "+        self.model = MistralModel(config)" in text
    assert "-        self.model = LlamaModel(config)" in text


def test_remote_code_side_is_read_not_run(fixtures, gpt2):
    remote = _facts(fixtures["remote-code"])
    diff = compare(gpt2, "AutoModelForCausalLM", remote, "AutoModelForCausalLM", OFFLINE)
    assert diff.right.remote and diff.right.class_name == "CustomForCausalLM"
    assert diff.right.file == "modeling_custom.py"
    assert not (fixtures["remote-code"] / "REMOTE_CODE_WAS_EXECUTED").exists()


def test_other_model_from_the_hub_fetches_its_config_only(gpt2, gateway, hub):
    other = load_facts(ModelRef("hub", "hfbrowse-test/tiny-bert-mlm"), gateway)
    head = head_for_other(other, "AutoModelForCausalLM")
    diff = compare(gpt2, "AutoModelForCausalLM", other, head, gateway)
    assert diff.right.label == "hfbrowse-test/tiny-bert-mlm: AutoModelForCausalLM → BertLMHeadModel"
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub.requests if "/resolve/" in r.path}
    assert fetched == {"config.json"}
    assert hub.weight_bytes_sent() == 0
