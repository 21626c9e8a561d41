"""The console runs a PEFT adapter on its base (peft) and a GGUF file dequantised (gguf_file=):
the same text as peft's / transformers' own calls, greedy; the snippet reproduces it in a
subprocess; the memory check weighs base + adapter and the dequantised size; what a Hub run
downloads; the one lines for peft missing and for a GGUF architecture transformers cannot load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hfbrowse.core.checkpoint.gguf_file import read_local_gguf
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.preflight import estimate_bytes
from hfbrowse.core.console.runner import NeedsConfirmation, RunRequest, run
from hfbrowse.core.console.session import ModelSession
from hfbrowse.core.console.targets import dequantised_table
from hfbrowse.core.gguf_model import GGUFTarget, derive_with_transformers, gguf_facts, open_gguf
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import load_checkpoint, load_facts
from hfbrowse.core.model_ref import ModelRef
from tests.support.adapters import write_peft_lora
from tests.support.console import OFFLINE, run_snippets
from tests.support.gguf_files import RUN_GGUF
from tests.support.hub_server import FakeHub, RepoSpec
from tests.support.models import hub_id

pytestmark = pytest.mark.torch
PROMPT = "def main():"
NEW = {"max_new_tokens": 16}
LORA_REPO = hub_id("tiny-gpt2-peft-lora")
GGUF_RUN_REPO = hub_id("tiny-llama-run-gguf")


@pytest.fixture(scope="module")
def peft_lora(fixtures, tmp_path_factory) -> Path:
    """A peft-made LoRA on the local tiny-gpt2 (its base is that folder)."""
    base = fixtures["tiny-gpt2"]
    return write_peft_lora(tmp_path_factory.mktemp("peft") / "lora", base, str(base))


@pytest.fixture(scope="module")
def run_hub(fixtures, run_gguf_folder, tmp_path_factory):
    """A Hub double with tiny-gpt2, a peft-made LoRA naming it by its Hub id, and the
    runnable GGUF file."""
    lora = write_peft_lora(
        tmp_path_factory.mktemp("peft-hub") / "lora", fixtures["tiny-gpt2"], hub_id("tiny-gpt2")
    )
    specs = [
        RepoSpec(hub_id("tiny-gpt2"), fixtures["tiny-gpt2"]),
        RepoSpec(LORA_REPO, lora, library_name="peft"),
        RepoSpec(GGUF_RUN_REPO, run_gguf_folder, library_name="gguf"),
    ]
    with FakeHub(specs) as server:
        server.folders = {s.repo_id: s.folder for s in specs}  # type: ignore[attr-defined]
        yield server


def _generate(model, tokenizer, text: str, n: int) -> str:
    import torch

    inputs = tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=n, do_sample=False)
    return tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def _adapter_run(folder: Path, gateway: HubGateway = OFFLINE, session=None, **request):
    ref = ModelRef("local", str(folder)) if folder.is_dir() else ModelRef("hub", str(folder))
    facts = load_facts(ref, gateway)
    table = load_checkpoint(facts, gateway, None).table
    req = RunRequest("AutoModelForCausalLM", PROMPT, overrides=NEW, **request)
    return run(req, facts, session or ModelSession(), gateway, table)


def test_adapter_run_equals_peft_and_its_snippet(peft_lora, fixtures):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    result = _adapter_run(peft_lora)
    assert result.adapter == str(peft_lora) and result.model == str(fixtures["tiny-gpt2"])
    assert result.model_class == "PeftModelForCausalLM" and result.gguf_file is None
    assert any(
        n.startswith("LORA adapter lora on its base tiny-gpt2 (peft") for n in result.notices
    )
    base = AutoModelForCausalLM.from_pretrained(str(fixtures["tiny-gpt2"]))
    tokenizer = AutoTokenizer.from_pretrained(str(fixtures["tiny-gpt2"]))
    plain = _generate(base, tokenizer, PROMPT, 16)
    with_adapter = PeftModel.from_pretrained(base, str(peft_lora)).eval()
    assert result.output.text == _generate(with_adapter, tokenizer, PROMPT, 16) != plain
    assert "from peft import PeftModel" in result.snippet
    assert f"adapter_id = {str(peft_lora)!r}" in result.snippet
    assert "model = PeftModel.from_pretrained(model, adapter_id).to('cpu')" in result.snippet
    (out,) = run_snippets([result.snippet])
    assert out == result.output.text + "\n"


def test_adapter_memory_check_weighs_base_and_adapter(peft_lora, fixtures, monkeypatch):
    base = load_checkpoint(
        load_facts(ModelRef("local", str(fixtures["tiny-gpt2"])), OFFLINE), OFFLINE, None
    )
    base_bytes = estimate_bytes(base.table, "auto")
    monkeypatch.setattr(
        "hfbrowse.core.console.preflight.free_memory", lambda device: (base_bytes + 1, "RAM")
    )
    with pytest.raises(NeedsConfirmation) as caught:  # the base alone would fit
        _adapter_run(peft_lora)
    assert "needs about" in str(caught.value) and "tiny-gpt2" in str(caught.value)


def test_adapter_from_the_hub_downloads_the_base_weights_and_the_adapter(run_hub, clean_cache):
    gateway = HubGateway(endpoint=run_hub.url, token=None, offline=False)
    run_hub.clear_log()
    result = _adapter_run(Path(LORA_REPO), gateway)
    assert result.model == hub_id("tiny-gpt2") and result.adapter == LORA_REPO
    got = _bytes_by_file(run_hub)
    weights = {k: v for k, v in got.items() if k.endswith(".safetensors")}
    assert set(weights) == {"model.safetensors", "adapter_model.safetensors"}
    sizes = {
        "model.safetensors": _size(run_hub, hub_id("tiny-gpt2"), "model.safetensors"),
        "adapter_model.safetensors": _size(run_hub, LORA_REPO, "adapter_model.safetensors"),
    }
    header_reads = _header_bytes(run_hub, "adapter_model.safetensors")
    assert (
        weights["model.safetensors"] - _header_bytes(run_hub, "model.safetensors")
        == sizes["model.safetensors"]
    )
    assert weights["adapter_model.safetensors"] - header_reads == sizes["adapter_model.safetensors"]
    assert "snapshot" not in result.snippet and f"adapter_id = {LORA_REPO!r}" in result.snippet


def test_peft_missing_is_one_line(peft_lora, tmp_path):
    """``import peft`` made to fail (a sys.modules shim), not uninstalled."""
    code = (
        "import sys; sys.modules['peft'] = None\n"
        "from hfbrowse.cli.entry import main\n"
        f"sys.exit(main([{str(peft_lora)!r}, '--run', 'def main', '--json']))\n"
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    error = doc["run"]["error"]
    assert error.startswith(
        "running base + adapter needs peft, which is not installed: pip install 'hfbrowse[peft]'"
    )
    assert doc["adapter"]["run"].startswith("running base + adapter needs peft")
    assert done.stderr.strip().splitlines()[-1] == f"hfbrowse: {error}"
    assert "Traceback" not in done.stderr


# -- GGUF --------------------------------------------------------------------------------------
def _gguf_run(target: GGUFTarget, gateway: HubGateway = OFFLINE, session=None, **request):
    info = open_gguf(target, gateway)
    facts = gguf_facts(target, info, derive_with_transformers(info), gateway.offline)
    req = RunRequest(
        "AutoModelForCausalLM", PROMPT, overrides=NEW, gguf_file=target.filename, **request
    )
    return run(req, facts, session or ModelSession(), gateway, info.table)


def test_gguf_run_equals_transformers_dequantised_and_its_snippet(run_gguf_folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    result = _gguf_run(target)
    assert result.gguf_file == RUN_GGUF and result.dtype == "float32"
    assert result.model_class == "LlamaForCausalLM"
    assert f"{RUN_GGUF}: GGUF (Q8_0, F16, F32) dequantised to float32 by transformers" in (
        result.notices
    )
    folder = str(run_gguf_folder)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=RUN_GGUF).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=RUN_GGUF)
    assert result.output.text == _generate(model, tokenizer, PROMPT, 16)
    assert f"gguf_file={RUN_GGUF!r}" in result.snippet
    assert f"AutoTokenizer.from_pretrained(model_id, gguf_file={RUN_GGUF!r})" in result.snippet
    (out,) = run_snippets([result.snippet])
    assert out == result.output.text + "\n"


def test_gguf_memory_check_weighs_the_dequantised_size(run_gguf_folder, monkeypatch):
    info = read_local_gguf(run_gguf_folder / RUN_GGUF)
    stored = estimate_bytes(info.table, "auto")
    dequantised = estimate_bytes(dequantised_table(info.table, "auto"), "auto")
    assert dequantised > 2 * stored  # Q8_0 → float32: ~3.8x
    assert dequantised == int(info.table.parameters * 4 * 1.2)
    monkeypatch.setattr(
        "hfbrowse.core.console.preflight.free_memory", lambda device: (stored * 2, "RAM")
    )
    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    with pytest.raises(NeedsConfirmation) as caught:
        _gguf_run(target)
    from hfbrowse.core.formatting import human_bytes

    weights = human_bytes(info.table.parameters * 4)  # float32, not the file's Q8_0 bytes
    assert f"(weights {weights} + 20%)" in str(caught.value)


def test_gguf_from_the_hub_downloads_the_file_once(run_hub, run_gguf_folder, clean_cache):
    gateway = HubGateway(endpoint=run_hub.url, token=None, offline=False)
    target = GGUFTarget(ModelRef("hub", GGUF_RUN_REPO), RUN_GGUF)
    run_hub.clear_log()
    session = ModelSession()
    first = _gguf_run(target, gateway, session)
    size = (run_gguf_folder / RUN_GGUF).stat().st_size
    got = _bytes_by_file(run_hub)
    header = _header_bytes(run_hub, RUN_GGUF)  # the view's ranged header reads
    assert set(got) == {RUN_GGUF} and got[RUN_GGUF] - header == size
    run_hub.clear_log()
    again = _gguf_run(target, gateway, session)  # loaded: nothing more downloaded
    assert again.output.text == first.output.text
    assert _bytes_by_file(run_hub) == {}
    assert first.model == GGUF_RUN_REPO and f"model_id = {GGUF_RUN_REPO!r}" in first.snippet


def test_gguf_architecture_transformers_cannot_load_is_one_line(tmp_path):
    from gguf import GGUFWriter

    path = tmp_path / "odd.gguf"
    w = GGUFWriter(str(path), "rwkv9")
    w.add_block_count(1)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    target = GGUFTarget(ModelRef("local", str(tmp_path)), "odd.gguf")
    with pytest.raises(RunError) as caught:
        _gguf_run(target)
    message = str(caught.value)
    assert message.startswith("transformers cannot load GGUF architecture 'rwkv9' (gguf_file=)")
    assert "it loads: bloom, " in message and "llama" in message and "\n" not in message


# -- helpers -----------------------------------------------------------------------------------
def _bytes_by_file(hub: FakeHub) -> dict[str, int]:
    """Body bytes the double sent per file name (GETs of /resolve/)."""
    out: dict[str, int] = {}
    for r in hub.requests:
        if r.method == "GET" and "/resolve/" in r.path and r.bytes_sent:
            name = r.path.split("/resolve/", 1)[1].split("/", 1)[1]
            if name.endswith((".safetensors", ".gguf")):
                out[name] = out.get(name, 0) + r.bytes_sent
    return out


def _header_bytes(hub: FakeHub, name: str) -> int:
    """Bytes of ranged (header) reads of ``name``: what browsing read, not the download."""
    return sum(
        r.bytes_sent
        for r in hub.requests
        if r.method == "GET" and r.range and r.path.endswith("/" + name)
    )


def _size(hub: FakeHub, repo: str, name: str) -> int:
    return (hub.folders[repo] / name).stat().st_size
