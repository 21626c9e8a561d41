"""What a console run of a GGUF file and of a PEFT adapter reads from the Hub.

Serves, from the suite's Hub double on 127.0.0.1, the runnable GGUF file (a 2-layer Llama with a
real tokenizer, Q8_0/F16/F32: tests/support/gguf_files.py), tiny-gpt2 and a LoRA adapter made
with peft on it (tests/support/adapters.py). Opens each as the app does (headers first), then
runs the console twice (greedy, 16 new tokens), with an empty HF cache. Prints, per file, the
bytes of ranged header reads (browsing) and of downloads (the run), against the file's size.
Usage: .venv/bin/python -m benchmarks.run_downloads
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-home-"))
os.environ["HF_HOME"] = str(HOME)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.pop("HF_TOKEN", None)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hfbrowse.core.console.runner import RunRequest, run  # noqa: E402
from hfbrowse.core.console.session import ModelSession  # noqa: E402
from hfbrowse.core.gguf_model import (  # noqa: E402
    GGUFTarget,
    derive_with_transformers,
    gguf_facts,
    open_gguf,
)
from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from hfbrowse.core.model import load_checkpoint, load_facts  # noqa: E402
from hfbrowse.core.model_ref import ModelRef  # noqa: E402
from hfbrowse.demo.builder import build_demo_models  # noqa: E402
from tests.support.adapters import write_peft_lora  # noqa: E402
from tests.support.gguf_files import RUN_GGUF, write_runnable_llama_gguf  # noqa: E402
from tests.support.hub_server import FakeHub, RepoSpec  # noqa: E402

BASE, LORA, GGUF = "bench/tiny-gpt2", "bench/tiny-gpt2-lora", "bench/tiny-llama-gguf"
REQUEST = {"overrides": {"max_new_tokens": 16}}


def per_file(hub: FakeHub) -> dict[str, tuple[int, int]]:
    """file → (bytes of ranged reads, bytes of whole-file downloads)."""
    out: dict[str, list[int]] = {}
    for r in hub.requests:
        if r.method != "GET" or "/resolve/" not in r.path or not r.bytes_sent:
            continue
        name = r.path.split("/resolve/", 1)[1].split("/", 1)[1]
        pair = out.setdefault(name, [0, 0])
        pair[0 if r.range else 1] += r.bytes_sent
    return {k: (v[0], v[1]) for k, v in out.items()}


def report(title: str, hub: FakeHub, sizes: dict[str, int]) -> None:
    print(title)
    for name, (ranged, whole) in sorted(per_file(hub).items()):
        size = f" (file {sizes[name]:,} B)" if name in sizes else ""
        print(f"  {name:<28} ranged {ranged:>9,} B  downloaded {whole:>9,} B{size}")


def main() -> None:
    gpt2 = build_demo_models(HOME / "demo", only=["tiny-gpt2"])["tiny-gpt2"]
    lora = write_peft_lora(HOME / "lora", gpt2, BASE)
    gguf_dir = HOME / "gguf"
    gguf_dir.mkdir()
    write_runnable_llama_gguf(gguf_dir / RUN_GGUF)
    specs = [RepoSpec(BASE, gpt2), RepoSpec(LORA, lora), RepoSpec(GGUF, gguf_dir)]
    sizes = {
        "model.safetensors": (gpt2 / "model.safetensors").stat().st_size,
        "adapter_model.safetensors": (lora / "adapter_model.safetensors").stat().st_size,
        RUN_GGUF: (gguf_dir / RUN_GGUF).stat().st_size,
    }
    with FakeHub(specs) as hub:
        gateway = HubGateway(endpoint=hub.url, token=None, offline=False)
        target = GGUFTarget(ModelRef("hub", GGUF), RUN_GGUF)
        session = ModelSession()
        info = open_gguf(target, gateway)
        facts = gguf_facts(target, info, derive_with_transformers(info), False)
        for _ in range(2):
            req = RunRequest("AutoModelForCausalLM", "def main():", gguf_file=RUN_GGUF, **REQUEST)
            run(req, facts, session, gateway, info.table)
        report(f"GGUF {GGUF}/{RUN_GGUF}: open + 2 runs", hub, sizes)
        hub.clear_log()
        facts = load_facts(ModelRef("hub", LORA), gateway)
        table = load_checkpoint(facts, gateway, None).table
        session = ModelSession()
        for _ in range(2):
            req = RunRequest("AutoModelForCausalLM", "def main():", **REQUEST)
            run(req, facts, session, gateway, table)
        report(f"adapter {LORA} on {BASE}: open + 2 runs", hub, sizes)


if __name__ == "__main__":
    main()
