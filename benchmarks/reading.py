"""Figures for reading code and config: keys explained, head diffs, config diffs, remote code.

Run: ``.venv/bin/python -m benchmarks.reading``. Builds the test fixtures once (into a temp
folder), then prints medians of several runs. "cold" numbers are measured in fresh processes
(nothing cached, page cache warm); "warm" ones in this process after a first call. The reference
is what the ast approach avoids: importing a transformers config class (which imports torch).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5


def _fresh(code: str, runs: int = RUNS) -> float:
    """Median seconds a snippet takes in a fresh interpreter (it prints its own timing)."""
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _warm(fn, runs: int = 20) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    from hfbrowse.demo.fixtures import build_test_fixtures

    folder = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-"))
    fx = build_test_fixtures(folder)
    gpt2_cfg = json.loads((fx["tiny-gpt2"] / "config.json").read_text())
    timer = "import time; t = time.perf_counter()\n"
    done = "\nprint(time.perf_counter() - t)"

    explain_cold = _fresh(
        timer + "from hfbrowse.core.config.keys import explain_config\n"
        f"explain_config({gpt2_cfg!r})" + done
    )
    import_class = _fresh(timer + "import transformers; transformers.GPT2Config" + done, runs=3)
    head_diff_cold = _fresh(
        timer + "from hfbrowse.core.hub.gateway import HubGateway\n"
        "from hfbrowse.core.model_ref import ModelRef\n"
        "from hfbrowse.core.model import load_facts\n"
        "from hfbrowse.core.source.head_diff import compare\n"
        "g = HubGateway(offline=True)\n"
        f"f = load_facts(ModelRef('local', {str(fx['tiny-gpt2'])!r}), g)\n"
        "compare(f, 'AutoModelForCausalLM', f, 'AutoModelForSequenceClassification', g)" + done
    )

    from hfbrowse.core.config.diff import diff_configs
    from hfbrowse.core.config.keys import class_docs, explain_config
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import load_facts
    from hfbrowse.core.model_ref import ModelRef
    from hfbrowse.core.source.auto_tables import config_tables
    from hfbrowse.core.source.head_diff import compare
    from hfbrowse.core.source.remote_code import load_remote_code

    explain_config(gpt2_cfg)
    llama_cfg = json.loads((fx["sparse-70b"] / "config.json").read_text())
    t = time.perf_counter()
    explain_config(llama_cfg)  # a second family: only its own configuration file is parsed
    next_family = time.perf_counter() - t
    explain_warm = _warm(lambda: explain_config(gpt2_cfg))
    g = HubGateway(offline=True)
    gpt2 = load_facts(ModelRef("local", str(fx["tiny-gpt2"])), g)
    head_diff_warm = _warm(
        lambda: compare(gpt2, "AutoModelForCausalLM", gpt2, "AutoModelForSequenceClassification", g)
    )
    mistral_dir = folder / "mistral"
    mistral_dir.mkdir()
    mistral_cfg = dict(llama_cfg, model_type="mistral", architectures=["MistralForCausalLM"])
    (mistral_dir / "config.json").write_text(json.dumps(mistral_cfg))
    llama = load_facts(ModelRef("local", str(fx["sparse-70b"])), g)
    mistral = load_facts(ModelRef("local", str(mistral_dir)), g)
    t = time.perf_counter()
    cross = compare(llama, "AutoModelForCausalLM", mistral, "AutoModelForCausalLM", g)
    cross_first = time.perf_counter() - t
    config_diff = _warm(lambda: diff_configs(llama_cfg, mistral_cfg, "a", "b"), runs=200)
    remote_cfg = json.loads((fx["remote-code"] / "config.json").read_text())
    remote_ref = ModelRef("local", str(fx["remote-code"]))
    remote = _warm(lambda: load_remote_code(remote_ref, remote_cfg, g))
    names = config_tables()[0]
    configs = len(names)
    t = time.perf_counter()
    for model_type in names:
        class_docs(model_type)
    every_class = time.perf_counter() - t

    print("machine: 2-core CPU VM, no GPU; medians; page cache warm")
    print(f"explain gpt2 config.json, fresh process (ast, no torch): {explain_cold * 1000:7.1f} ms")
    print(f"reference: import transformers; transformers.GPT2Config: {import_class * 1000:7.1f} ms")
    print(f"  ratio: {import_class / explain_cold:5.1f}x")
    print(f"explain a second family (llama) after the first:       {next_family * 1000:7.1f} ms")
    print(f"explain again (cached class):                           {explain_warm * 1000:7.2f} ms")
    print(f"all {configs} config classes of transformers, one by one:   {every_class:7.2f} s")
    print(f"head diff CausalLM vs SeqCls, fresh process:           {head_diff_cold * 1000:7.1f} ms")
    print(f"head diff CausalLM vs SeqCls, warm:                    {head_diff_warm * 1000:7.1f} ms")
    print(
        f"Llama vs Mistral CausalLM, first:                      {cross_first * 1000:7.1f} ms"
        f"  (+{cross.added} -{cross.removed} lines)"
    )
    print(f"config diff of two 70B-shaped configs:                 {config_diff * 1e6:7.1f} µs")
    print(f"remote code: read + locate 2 files (local folder):     {remote * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
