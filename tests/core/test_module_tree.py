"""Tensor → module tree (counts per module) → the ``__init__`` line that creates it."""

from __future__ import annotations

import inspect

import pytest

from hfbrowse.core.checkpoint.module_tree import find_module, module_tree, repeated_blocks
from hfbrowse.core.checkpoint.tensors import local_tensor_table
from hfbrowse.core.source.init_lines import init_line


def test_tree_counts_add_up(fixtures):
    table = local_tensor_table(fixtures["tiny-gpt2"])
    root = module_tree(table.rows)
    assert root.parameters == table.parameters and root.tensors == len(table.rows)
    assert root.nbytes == table.nbytes
    h = find_module(root, "transformer.h")
    count, first = repeated_blocks(h)
    assert count == 2 and first.path == "transformer.h.0"
    block = sum(r.parameters for r in table.rows if r.name.startswith("transformer.h.0."))
    assert first.parameters == block
    assert [c.name for c in find_module(root, "transformer").children] == [
        "h",
        "ln_f",
        "wpe",
        "wte",
    ]


def test_numbered_children_sort_as_numbers():
    from hfbrowse.core.checkpoint.tensors import TensorRow

    rows = [TensorRow(f"layers.{i}.w", (2,), "F32", 2, 8, "f") for i in (10, 9, 1)]
    root = module_tree(rows)
    assert [c.name for c in find_module(root, "layers").children] == ["1", "9", "10"]


def test_logical_counts_override_headers():
    from hfbrowse.core.checkpoint.tensors import TensorRow

    rows = [TensorRow("l.qweight", (8, 128), "I32", 1024, 4096, "f")]
    assert module_tree(rows, {"l.qweight": 8192}).parameters == 8192


CASES = [
    # tensor, head class, model_type, class holding the line, the line's start
    ("transformer.h.0.attn.c_attn.weight", "GPT2LMHeadModel", "gpt2",
     "GPT2Attention", "self.c_attn = Conv1D("),
    ("h.0.mlp.c_fc.bias", "GPT2LMHeadModel", "gpt2", "GPT2MLP", "self.c_fc = Conv1D("),
    ("lm_head.weight", "GPT2LMHeadModel", "gpt2", "GPT2LMHeadModel", "self.lm_head = nn.Linear("),
    ("model.layers.3.self_attn.q_proj.weight", "LlamaForCausalLM", "llama",
     "LlamaAttention", "self.q_proj = nn.Linear("),
    ("model.layers.3.mlp.down_proj.weight", "LlamaForSequenceClassification", "llama",
     "LlamaMLP", "self.down_proj = "),
    ("score.weight", "LlamaForSequenceClassification", "llama",
     "GenericForSequenceClassification", "self.score = "),
    ("final_logits_bias", "BartForConditionalGeneration", "bart",
     "BartForConditionalGeneration", "self.final_logits_bias = "),
    ("cls.predictions.transform.dense.weight", "BertForMaskedLM", "bert",
     "BertPredictionHeadTransform", "self.dense = "),
    ("encoder.block.0.layer.1.DenseReluDense.wi.weight", "T5ForConditionalGeneration", "t5",
     "T5DenseActDense", "self.wi = "),
    ("bert.encoder.layer.0.attention.self.key.weight", "BertForMaskedLM", "bert",
     "BertSelfAttention", "self.key = nn.Linear("),  # via attention_class = A if … else B
    ("model.layers.0.mlp.experts.gate_up_proj", "MixtralForCausalLM", "mixtral",
     "MixtralExperts", "self.gate_up_proj = nn.Parameter("),
]  # fmt: skip


@pytest.mark.parametrize(("tensor", "head", "model_type", "owner", "start"), CASES)
def test_init_line(tensor, head, model_type, owner, start):
    found = init_line(tensor, head, model_type)
    assert found is not None and found.exact
    assert found.class_name == owner
    assert any(text.startswith(start) for _, text in found.lines)
    # The line number really is that line of that file.
    with open(found.file, encoding="utf-8") as fh:
        assert fh.read().splitlines()[found.line - 1].strip() == found.text


def test_init_line_is_inside_the_classes_init():
    import transformers

    found = init_line("transformer.h.0.attn.c_proj.weight", "GPT2LMHeadModel", "gpt2")
    lines, start = inspect.getsourcelines(
        transformers.models.gpt2.modeling_gpt2.GPT2Attention.__init__
    )
    assert start <= found.line < start + len(lines)


def test_checkpoint_names_the_module_tree_lacks_resolve_partly():
    """Mixtral checkpoints say experts.0.w1; transformers 5 fuses them into experts.gate_up_proj."""
    found = init_line(
        "model.layers.0.block_sparse_moe.experts.0.w1.weight", "MixtralForCausalLM", "mixtral"
    )
    assert found is not None and not found.exact
    assert found.module_path == "model.layers.0"
