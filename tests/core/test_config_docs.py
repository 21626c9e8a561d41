"""Config keys explained (hfbrowse.core.config.keys), checked against transformers itself."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import warnings

import pytest

from hfbrowse.core.config.class_docs import parse_param_docs
from hfbrowse.core.config.keys import class_docs, explain_config

FAMILIES = [("gpt2", "GPT2Config"), ("bert", "BertConfig"), ("t5", "T5Config"),
            ("llama", "LlamaConfig")]  # fmt: skip


def _norm(text: str | None) -> str:
    text = re.sub(r"\[`~?(?:[\w.]+\.)?(\w+)`\]", r"\1", text or "")
    return re.sub(r"\s+", " ", text).strip()


def test_known_descriptions_types_and_defaults():
    gpt2 = explain_config({"model_type": "gpt2", "n_embd": 32, "activation_function": "gelu_new"})
    n_embd = gpt2.key("n_embd")
    assert n_embd.status == "field"
    assert n_embd.description == "Dimensionality of the embeddings and hidden states."
    assert (n_embd.field.type, n_embd.field.default) == ("int", "768")
    assert n_embd.differs is True
    assert gpt2.key("activation_function").differs is False
    assert gpt2.config_class == "GPT2Config"
    assert gpt2.file == "transformers/models/gpt2/configuration_gpt2.py"

    bert = explain_config({"model_type": "bert", "hidden_size": 768}).key("hidden_size")
    assert bert.description == "Dimension of the hidden representations."
    assert bert.differs is False

    t5 = explain_config({"model_type": "t5", "relative_attention_num_buckets": 8})
    buckets = t5.key("relative_attention_num_buckets")
    assert buckets.field.doc_source == "T5Config docstring"  # the class's own docstring wins
    assert buckets.description == "The number of buckets to use for each attention layer."
    assert buckets.field.default == "32" and buckets.differs is True

    llama = explain_config({"model_type": "llama", "initializer_range": 0.02}).key(
        "initializer_range"
    )
    assert llama.field.default == "0.02"  # from `interval(min=0.0, max=1.0)(default=0.02)`
    assert llama.differs is False


def test_unknown_alias_derived_and_special_keys():
    t5 = explain_config(
        {"model_type": "t5", "n_positions": 128, "dense_act_fn": "relu", "hidden_size": 8,
         "decoder_start_token_id": 0, "torch_dtype": "float32", "max_length": 20,
         "made_up_key": 1}
    )  # fmt: skip
    assert t5.key("n_positions").status == "unknown"
    assert "no modeling file of t5 reads it" in t5.key("n_positions").note
    assert t5.key("made_up_key").status == "unknown"
    assert "modeling_t5.py still reads" in t5.key("decoder_start_token_id").note
    assert t5.key("dense_act_fn").status == "derived"
    alias = t5.key("hidden_size")
    assert alias.status == "alias" and alias.field.name == "d_model"
    assert t5.key("torch_dtype").status == "base"
    assert t5.key("max_length").status == "generation"
    assert set(t5.unknown) == {"n_positions", "made_up_key", "decoder_start_token_id"}


def test_what_the_notes_claim_matches_a_live_config():
    """Generation keys are dropped, unknown keys kept, torch_dtype read as dtype, aliases map."""
    warnings.filterwarnings("ignore")
    from transformers import GPT2Config, T5Config

    live = GPT2Config.from_dict(
        {"max_length": 50, "made_up_key": 3, "torch_dtype": "bfloat16", "hidden_size": 64}
    )
    assert not hasattr(live, "max_length")
    assert live.made_up_key == 3
    assert str(live.dtype) == "torch.bfloat16"
    assert live.n_embd == 64
    assert T5Config.from_dict({"feed_forward_proj": "gated-gelu"}).dense_act_fn == "gelu_new"


@pytest.mark.parametrize(("model_type", "class_name"), FAMILIES)
def test_fields_defaults_and_docs_match_transformers(model_type: str, class_name: str):
    """Every field, default and description equals what transformers' own class says."""
    warnings.filterwarnings("ignore")
    import transformers
    from transformers.utils.auto_docstring import parse_docstring

    cls = getattr(transformers, class_name)
    docs = class_docs(model_type)
    live = {f.name: f for f in dataclasses.fields(cls)}
    mine = {f.name: f for f in docs.fields}
    assert set(mine) == set(live)
    for name, field in mine.items():
        if field.comparable:
            default = live[name].default
            if default is dataclasses.MISSING:
                default = live[name].default_factory()
            assert field.default_json == json.loads(json.dumps(default)), name
    generated, _ = parse_docstring(cls.__doc__)  # the docstring @auto_docstring assembled
    assert len(generated) > 15
    for name, entry in generated.items():
        assert _norm(mine[name].description) == _norm(entry["description"]), name


def test_docstring_layouts():
    old_style = """
    Args:
        vocab_size (`int`, *optional*, defaults to 100):
            Vocabulary size.
            Second line.
        hidden (`int`):
            Hidden size, see [`~modeling.FooModel`].

    Example:
        x (`int`): not an argument
    """
    parsed = parse_param_docs(old_style)
    assert parsed == {
        "vocab_size": ("int", "Vocabulary size. Second line."),
        "hidden": ("int", "Hidden size, see FooModel."),
    }
    bare = "\n    n (`int`, *optional*, defaults to 2):\n        Two.\n    ```python\n    >>> x\n"
    assert parse_param_docs(bare) == {"n": ("int", "Two.")}


def test_no_model_type_and_custom_code():
    assert explain_config({"n_embd": 3}).message == "config.json has no model_type."
    custom = explain_config({"model_type": "custom-tiny", "auto_map": {"AutoConfig": "a.B"}})
    assert "custom code" in custom.message and custom.keys == ()


def test_explaining_does_not_import_torch_or_transformers(fixtures):
    code = (
        "import json, sys\n"
        "from hfbrowse.core.config.keys import explain_config\n"
        f"cfg = json.load(open({str(fixtures['tiny-gpt2'] / 'config.json')!r}))\n"
        "e = explain_config(cfg)\n"
        "assert e.key('n_embd').differs\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
