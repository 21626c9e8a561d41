"""Heads from config (and Hub hints) and method source located by ast, checked against inspect."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hfbrowse.core.heads.registry import HEAD_NAMES
from hfbrowse.core.heads.resolve import auto_class_for_table, resolve_heads
from hfbrowse.core.source.auto_tables import config_tables, model_tables
from hfbrowse.core.source.classes import class_source, source_via_inspect


@pytest.mark.parametrize(
    ("config", "recommended"),
    [
        ({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, "AutoModelForCausalLM"),
        (
            {"model_type": "bart", "architectures": ["BartForConditionalGeneration"]},
            "AutoModelForSeq2SeqLM",
        ),
        ({"model_type": "bert", "architectures": ["BertForPreTraining"]}, "AutoModelForMaskedLM"),
        ({"model_type": "bert", "architectures": ["BertModel"]}, "AutoModel"),
        (
            {"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]},
            "AutoModelForSeq2SeqLM",
        ),
        ({"model_type": "llama"}, "AutoModelForCausalLM"),
        ({"model_type": "bert"}, "AutoModelForCausalLM"),
    ],
)
def test_recommended_from_architectures(config, recommended):
    assert resolve_heads(config).recommended == recommended


def test_hub_hints_apply_only_without_a_known_architecture():
    bert = {"model_type": "bert"}
    assert resolve_heads(bert, hub_auto_model="AutoModelForMaskedLM").recommended == (
        "AutoModelForMaskedLM"
    )
    assert resolve_heads(bert, hub_pipeline_tag="token-classification").recommended == (
        "AutoModelForTokenClassification"
    )
    gpt2 = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}
    assert resolve_heads(gpt2, hub_pipeline_tag="text-classification").recommended == (
        "AutoModelForCausalLM"
    )


def test_multimodal_is_named_not_mislabelled():
    report = resolve_heads(
        {"model_type": "llava", "architectures": ["LlavaForConditionalGeneration"]}
    )
    assert report.recommended is None
    assert "AutoModelForImageTextToText" in report.other_auto_classes
    assert "none of the seven" in report.reason


def test_unknown_and_remote_code():
    report = resolve_heads({"model_type": "custom-tiny", "auto_map": {"AutoConfig": "x.Y"}})
    assert report.supported == () and report.remote_code and "custom code" in report.reason
    assert resolve_heads({}).reason == "config.json has no model_type"


def test_cycle_heads_wraps():
    report = resolve_heads({"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]})
    names = [o.auto_class for o in report.supported]
    seen = [report.recommended]
    for _ in names:
        seen.append(report.next_head(seen[-1]))
    assert seen[-1] == report.recommended and set(seen) == set(names)
    assert set(names) <= set(HEAD_NAMES)


def test_table_names():
    assert auto_class_for_table("MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES") == (
        "AutoModelForImageTextToText"
    )
    assert auto_class_for_table("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES") == "AutoModelForCausalLM"


def test_ast_tables_equal_the_imported_ones():
    from transformers.models.auto import configuration_auto, modeling_auto

    for name, table in model_tables().items():
        real = getattr(modeling_auto, name)
        assert table == {k: (v[0] if isinstance(v, tuple | list) else v) for k, v in real.items()}
    configs, special = config_tables()
    assert configs == dict(configuration_auto.CONFIG_MAPPING_NAMES)
    assert special == dict(configuration_auto.SPECIAL_MODEL_TYPE_TO_MODULE_NAME)


FAMILIES = ["gpt2", "bert", "distilbert", "t5", "bart", "llama", "mistral", "qwen2", "roberta"]


@pytest.mark.parametrize("model_type", FAMILIES)
def test_ast_source_equals_inspect_for_every_head(model_type):
    import transformers

    for head in resolve_heads({"model_type": model_type}).supported:
        found = class_source(head.class_name, model_type)
        oracle = source_via_inspect(getattr(transformers, head.class_name))
        assert found.file == oracle.file and found.line == oracle.line, head.class_name
        assert [
            (m.name, m.defining_class, m.file, m.start_line, m.end_line, m.text)
            for m in found.methods
        ] == [
            (m.name, m.defining_class, m.file, m.start_line, m.end_line, m.text)
            for m in oracle.methods
        ], head.class_name


def test_inherited_method_names_its_defining_class():
    found = class_source("LlamaForSequenceClassification", "llama")
    assert {m.defining_class for m in found.methods} == {"GenericForSequenceClassification"}
    assert all(m.file.endswith("modeling_layers.py") for m in found.methods)


def test_heads_and_source_without_torch():
    code = (
        "import sys\n"
        "from hfbrowse.core.heads.resolve import resolve_heads\n"
        "from hfbrowse.core.source.classes import class_source\n"
        "r = resolve_heads({'model_type': 'gpt2', 'architectures': ['GPT2LMHeadModel']})\n"
        "s = class_source(r.option(r.recommended).class_name, 'gpt2')\n"
        "assert len(s.methods) == 2\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
