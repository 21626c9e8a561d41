"""Property: any JSON value under any config key the readers touch gives a report, not an
exception. ``--json`` (and ``--print``) must end with the config shown and every failure one
worded line; a handful of the same configs are opened in the TUI, which must stay up with every
pane drawn."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfbrowse.cli.entry import main
from hfbrowse.core.heads.meta_model import OBJECT_KEYS, SIZE_KEYS

# The keys hfbrowse's own readers look at (heads, memory, quantisation, remote code, the meta
# model's checks), and those transformers reads to build GPT-2.
READ_KEYS = sorted(
    {
        *SIZE_KEYS,
        *OBJECT_KEYS,
        "model_type", "architectures", "auto_map", "torch_dtype", "dtype", "text_config",
        "num_attention_heads", "num_key_value_heads", "num_kv_heads", "n_head_kv",
        "multi_query", "multi_query_group_num", "new_decoder_architecture", "kv_lora_rank",
        "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "attention_head_size",
        "sliding_window", "attention_window_size", "layer_types", "use_sliding_window",
        "max_seq_len", "seq_length", "n_ctx", "activation_function", "layer_norm_epsilon",
        "tie_word_embeddings", "bos_token_id", "eos_token_id", "pad_token_id",
        "initializer_range", "summary_type", "scale_attn_weights", "use_cache",
    }
)  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([-1, 0, 10**15, 2**63, 10**300, 10**4000])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["\x1b[2J", "[reverse]x[/reverse]", "float1024", "../../x", "\ud800"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
quantization = st.fixed_dictionaries(
    {"quant_method": st.sampled_from(["gptq", "awq", "mxfp4", "bitsandbytes", "fp8", "x"])},
    optional={"bits": json_values, "group_size": json_values, "config_groups": json_values,
              "load_in_4bit": json_values, "version": json_values},
)  # fmt: skip
changes = st.dictionaries(
    st.sampled_from(READ_KEYS),
    json_values | quantization,
    min_size=1,
    max_size=3,
)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _gpt2_config(fixtures) -> dict:
    return json.loads((fixtures["tiny-gpt2"] / "config.json").read_text())


def _write(folder: Path, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config))


def _worded(errors: list[str]) -> None:
    for error in errors:
        assert "\n" not in error and "Traceback" not in error, error
        assert not error.startswith("unexpected"), error  # a surprise nobody worded


def _errors(doc: object) -> list[str]:
    if isinstance(doc, dict):
        found = [doc["error"]] if isinstance(doc.get("error"), str) else []
        return found + [e for value in doc.values() for e in _errors(value)]
    if isinstance(doc, list):
        return [e for value in doc for e in _errors(value)]
    return []


@pytest.fixture(scope="module")
def model_folder(fixtures, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("property")
    shutil.copy(fixtures["tiny-gpt2"] / "model.safetensors", folder / "model.safetensors")
    _write(folder, _gpt2_config(fixtures))
    return folder


@PROPERTY
@given(update=changes)
def test_any_value_under_any_read_key(fixtures, model_folder, capsys, update):
    config = {**_gpt2_config(fixtures), **update}
    _write(model_folder, config)
    code = main([str(model_folder), "--json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if code != 0:  # the config itself was refused (a 4,000-digit number): one line
        assert out.out == "" and out.err.count("\n") == 1, out.err
        assert "config.json" in out.err
        return
    doc = json.loads(out.out)
    assert set(doc["config"]) == set(config)  # the config tree is there whatever else failed
    _worded(_errors(doc))

    code = main([str(model_folder), "--print"])
    text = capsys.readouterr()
    assert code == 0 and "Traceback" not in text.err and "\x1b" not in text.out


def _hostile_configs(fixtures) -> list[dict]:
    """A handful of what the property generates, one per kind of trouble, for the TUI."""
    base = _gpt2_config(fixtures)
    return [
        {**base, "n_embd": "abc", "id2label": "x"},
        {**base, "n_layer": 10**9, "quantization_config": {"quant_method": "gptq", "bits": "x"}},
        {**base, "n_embd": math.nan, "text_config": [1, {"a": None}]},
        {**base, "model_type": ["gpt2"], "architectures": {"x": 1}, "auto_map": 5},
        {**base, "n_head": 10**300, "sliding_window": -1, "layer_types": "x", "dtype": "\x1b[2J"},
        {**base, "\x1b]0;TITLE\x07": "[reverse]x[/reverse]", "torch_dtype": "float1024"},
    ]


@pytest.mark.parametrize("index", range(6))
async def test_the_tui_stays_up_under_hostile_configs(fixtures, model_folder, tmp_path, index):
    from hfbrowse.core.model_ref import ModelRef
    from tests.support.ui import open_app, settle, text_of

    folder = tmp_path / "m"
    shutil.copytree(model_folder, folder)
    _write(folder, _hostile_configs(fixtures)[index])
    app = open_app(ModelRef("local", str(folder)))
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        for key in ("k", "k", "m", "m", "g"):  # compatibility, memory, module tree: and back
            await pilot.press(key)
            await settle(pilot)
        assert app.is_running and app.return_code is None
        header = text_of(app, "#model-header")
        assert header.strip() and "\x1b" not in header
        tensors = app.screen.query_one("#tensors")  # a table with its totals, or why not
        assert text_of(app, "#tensor-totals").strip() or (
            tensors.table_data is not None and str(tensors.border_subtitle).strip()
        )
        assert text_of(app, "#source-body").strip()
