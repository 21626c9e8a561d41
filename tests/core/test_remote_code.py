"""Remote code is fetched and read as text, never imported or executed (core.remote_code)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from hfbrowse.core.model import load_facts
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.remote_code import load_remote_code, parse_auto_map
from hfbrowse.demo.fixtures import REMOTE_CODE_MARKER, REMOTE_CODE_MARKER_ENV


@pytest.fixture
def marker_env(tmp_path, monkeypatch) -> Path:
    """If any remote .py ran, it would write this file too (the fixture honours the variable)."""
    path = tmp_path / "executed.txt"
    monkeypatch.setenv(REMOTE_CODE_MARKER_ENV, str(path))
    return path


def _never_ran(folder: Path | None, marker_env: Path) -> None:
    assert not marker_env.exists()
    if folder is not None:
        assert not (folder / REMOTE_CODE_MARKER).exists()
    assert not [m for m in sys.modules if m.split(".")[-1] in ("modeling_custom",
                                                               "configuration_custom")]  # fmt: skip


def test_local_folder(fixtures, marker_env):
    folder = fixtures["remote-code"]
    config = json.loads((folder / "config.json").read_text())
    remote = load_remote_code(ModelRef("local", str(folder)), config, gateway=None)
    assert [f.name for f in remote.files] == ["configuration_custom.py", "modeling_custom.py"]
    assert "class CustomForCausalLM(PreTrainedModel):" in remote.file("modeling_custom.py").text
    model = remote.entry_for("AutoModelForCausalLM")
    assert (model.entry.class_name, model.file, model.line) == (
        "CustomForCausalLM",
        "modeling_custom.py",
        13,
    )
    assert model.source.missing == ("__init__", "forward")  # the fixture class defines neither
    assert remote.banner == "REMOTE CODE — shown as text, not run"
    _never_ran(folder, marker_env)


def test_hub_repo_files_fetched_as_files(gateway, hub, marker_env, clean_cache):
    ref = ModelRef("hub", "hfbrowse-test/remote-code")
    facts = load_facts(ref, gateway)
    assert facts.heads.remote_code and facts.heads.supported == ()
    remote = load_remote_code(ref, facts.config, gateway, facts.hub.siblings)
    assert {f.name for f in remote.files} == {"configuration_custom.py", "modeling_custom.py"}
    assert all(f.error is None and f.text for f in remote.files)
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub.requests if r.method == "GET"}
    assert {"configuration_custom.py", "modeling_custom.py"} <= fetched
    cached = Path(remote.file("modeling_custom.py").path).parent
    _never_ran(cached, marker_env)


def test_methods_found_through_repo_files_and_transformers_bases(tmp_path, marker_env):
    folder = tmp_path / "custom"
    folder.mkdir()
    boom = f"open({str(marker_env)!r}, 'w').write('ran')\n"
    files = {
        "base_x.py": boom
        + textwrap.dedent("""
            from transformers import PreTrainedModel

            class XBase(PreTrainedModel):
                def __init__(self, config):
                    super().__init__(config)
                    self.width = config.hidden
            """),
        "modeling_x.py": boom
        + textwrap.dedent("""
            from transformers import LlamaForCausalLM
            from .base_x import XBase

            class XForCausalLM(XBase):
                def forward(self, input_ids):
                    return input_ids

            class XLlama(LlamaForCausalLM):
                pass
            """),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    config = {"model_type": "x", "auto_map": {"AutoModelForCausalLM": "modeling_x.XForCausalLM",
                                              "AutoModel": "modeling_x.XLlama"}}  # fmt: skip
    remote = load_remote_code(ModelRef("local", str(folder)), config, gateway=None)
    x = remote.entry_for("AutoModelForCausalLM").source
    init, forward = x.methods
    assert (init.defining_class, Path(init.file).name, init.start_line) == ("XBase", "base_x.py", 6)
    assert forward.defining_class == "XForCausalLM" and "return input_ids" in forward.text
    llama = remote.entry_for("AutoModel").source
    assert {m.defining_class for m in llama.methods} == {"LlamaForCausalLM"}
    assert [f.name for f in remote.files] == ["modeling_x.py", "base_x.py"]
    _never_ran(folder, marker_env)


def test_auto_map_parsing_skips_what_could_escape():
    entries = parse_auto_map(
        {
            "AutoConfig": "configuration_a.AConfig",
            "AutoModel": "org/other--modeling_b.BModel",
            "AutoTokenizer": ["tokenization_a.ATok", None],
            "AutoModelForCausalLM": "../../etc/passwd.X",
            "AutoModelForMaskedLM": 3,
        }
    )
    assert [(e.auto_class, e.repo, e.module, e.class_name) for e in entries] == [
        ("AutoConfig", None, "configuration_a", "AConfig"),
        ("AutoModel", "org/other", "modeling_b", "BModel"),
        ("AutoTokenizer", None, "tokenization_a", "ATok"),
    ]
    assert parse_auto_map(None) == () and parse_auto_map(["a.B"]) == ()
