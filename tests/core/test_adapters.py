"""PEFT adapters browsed without peft: config, tensors from headers, modules touched, base."""

from __future__ import annotations

import json

import pytest

from hfbrowse.core.adapter_report import adapter_lines, inspect_adapter
from hfbrowse.core.adapters import adapter_module, parse_adapter_config
from hfbrowse.core.errors import HFBrowseError, MalformedConfig
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_checkpoint, load_facts
from hfbrowse.core.model_ref import ModelRef
from tests.support.adapters import lora_parameters, write_lora
from tests.support.hub_server import FakeHub, RepoSpec
from tests.support.models import hub_id

OFFLINE = HubGateway(offline=True)


def _open(folder, gateway=OFFLINE):
    facts = load_facts(ModelRef("local", str(folder)), gateway)
    return facts, load_checkpoint(facts, gateway, None)


def test_adapter_module_paths():
    name = "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"
    assert adapter_module(name) == "transformer.h.0.attn.c_attn"
    assert adapter_module("base_model.model.model.embed_tokens.lora_embedding_A") == (
        "model.embed_tokens"
    )
    assert adapter_module("base_model.model.score.weight") == "score"


def test_local_adapter_against_local_base(tmp_path, fixtures):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    facts, checkpoint = _open(folder)
    assert facts.adapter is not None and facts.adapter.rank == 4
    assert checkpoint.table is not None and checkpoint.parameters == lora_parameters()
    report = inspect_adapter(facts, checkpoint.table, OFFLINE)
    assert report.base_error is None
    assert [t.module for t in report.match.touched] == [
        "transformer.h.0.attn.c_attn",
        "transformer.h.1.attn.c_attn",
    ]
    assert report.match.unmatched == ()
    base_params = load_checkpoint(load_facts(report.base_ref, OFFLINE), OFFLINE, None).parameters
    assert report.base_parameters == base_params
    assert report.added_percent == pytest.approx(100 * lora_parameters() / base_params)
    lines = adapter_lines(report)
    assert "method: LORA  task: CAUSAL_LM" in lines
    # each touched module with the base's __init__ line that creates it (the module tree's)
    found = report.init_lines["transformer.h.1.attn.c_attn"]
    assert found.class_name == "GPT2Attention" and found.exact
    assert found.text.startswith("self.c_attn = Conv1D(")
    at = lines.index("  transformer.h.0.attn.c_attn  (2 tensors, 512 params)")
    assert lines[at + 1] == f"    GPT2Attention.__init__ L{found.line}: {found.text}"
    assert any(line.startswith("rank r=4  lora_alpha=8  scaling alpha/r=2") for line in lines)


def test_base_checkpoint_without_wrapper_prefix_still_matches(tmp_path, fixtures):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]), module="h.{i}.attn.c_attn")
    facts, checkpoint = _open(folder)
    report = inspect_adapter(facts, checkpoint.table, OFFLINE)
    assert report.match.touched[0].module == "transformer.h.0.attn.c_attn"


def test_tensors_naming_no_base_module(tmp_path, fixtures):
    folder = write_lora(
        tmp_path / "lora", str(fixtures["tiny-gpt2"]), module="vision.blocks.{i}.qkv"
    )
    facts, checkpoint = _open(folder)
    report = inspect_adapter(facts, checkpoint.table, OFFLINE)
    assert report.match.touched == ()
    assert report.match.unmatched == ("vision.blocks.0.qkv", "vision.blocks.1.qkv")
    warning = [line for line in adapter_lines(report) if line.startswith("warning:")]
    assert warning == [
        "warning: 2 adapter module path(s) name no module of the base:"
        " vision.blocks.0.qkv, vision.blocks.1.qkv"
    ]


def test_base_that_cannot_be_read_is_said(tmp_path):
    folder = write_lora(tmp_path / "lora", "some-org/never-cached")
    facts, checkpoint = _open(folder)
    report = inspect_adapter(facts, checkpoint.table, OFFLINE)
    assert report.match is None and report.base_parameters is None
    assert report.base_error.startswith("base model some-org/never-cached cannot be read")
    assert report.added_parameters == lora_parameters()


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ("[1, 2]", "adapter_config.json must hold a JSON object, not list."),
        ("{not json", "adapter_config.json is not valid JSON"),
        ('{"r": 4}', "adapter_config.json has no peft_type: is it a PEFT adapter?"),
        ('{"peft_type": "LORA", "r": "four"}', "adapter_config.json: r is 'four', not a number."),
        (
            '{"peft_type": "LORA", "target_modules": 3}',
            "adapter_config.json: target_modules is neither a name nor a list of names.",
        ),
    ],
)
def test_malformed_adapter_config_is_one_message(tmp_path, fixtures, doc, says):
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    (folder / "adapter_config.json").write_text(doc)
    with pytest.raises(MalformedConfig) as err:
        load_facts(ModelRef("local", str(folder)), OFFLINE)
    assert str(err.value).startswith(says)
    assert "\n" not in str(err.value)


def test_parse_keeps_raw_and_regex_targets():
    config = parse_adapter_config({"peft_type": "IA3", "target_modules": ".*attn.*"})
    assert config.target_modules == (".*attn.*",) and config.rank is None


def test_hub_adapter_reads_no_weight_bytes(tmp_path, fixtures, clean_cache):
    folder = write_lora(tmp_path / "lora", hub_id("tiny-gpt2"))
    specs = [
        RepoSpec(hub_id("tiny-gpt2"), fixtures["tiny-gpt2"]),
        RepoSpec(hub_id("tiny-gpt2-lora"), folder),
    ]
    with FakeHub(specs) as hub:
        gateway = HubGateway(endpoint=hub.url)
        facts = load_facts(ModelRef("hub", hub_id("tiny-gpt2-lora")), gateway)
        checkpoint = load_checkpoint(facts, gateway, None)
        report = inspect_adapter(facts, checkpoint.table, gateway)
        assert facts.adapter is not None and facts.config == json.loads(
            (folder / "adapter_config.json").read_text()
        )
        assert checkpoint.table.files == ("adapter_model.safetensors",)
        assert len(report.match.touched) == 2 and report.base_error is None
        assert hub.weight_bytes_sent() == 0


def test_adapter_config_outside_the_folder_is_refused(tmp_path, fixtures):
    """A symlink out of the folder is not followed (as for config.json): one line, nothing of
    the file it points to in it."""
    folder = write_lora(tmp_path / "lora", str(fixtures["tiny-gpt2"]))
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"peft_type": "LORA", "r": 8, "secret": "do-not-show"}')
    (folder / "adapter_config.json").unlink()
    (folder / "adapter_config.json").symlink_to(outside)
    with pytest.raises(HFBrowseError) as err:
        load_facts(ModelRef("local", str(folder)), OFFLINE)
    assert "outside" in str(err.value) or "refused" in str(err.value), str(err.value)
    assert "do-not-show" not in str(err.value) and "\n" not in str(err.value)
