"""Requests and bytes moved to draw config + tensors of a model through a Hub-compatible server.

Serves test fixtures from the suite's Hub double on 127.0.0.1 (tests/hub_server.py) and opens
them with the real huggingface_hub client, exactly as the app does (load_facts + load_tensors),
with an empty cache. Prints, per model: requests by kind, bytes received, weight bytes (bytes
past a safetensors header), and the median wall time of N opens.
Usage: .venv/bin/python benchmarks/hub_open.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-home-"))
os.environ["HF_HOME"] = str(HOME)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.pop("HF_TOKEN", None)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hub_server import FakeHub, RepoSpec  # noqa: E402

from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from hfbrowse.core.model import load_facts, load_tensors  # noqa: E402
from hfbrowse.core.model_ref import ModelRef  # noqa: E402
from hfbrowse.demo.fixtures import build_test_fixtures  # noqa: E402

MODELS = ("tiny-gpt2", "sharded-gpt2", "tiny-t5", "sparse-70b")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fixtures = build_test_fixtures(HOME / "fixtures")
    hub = FakeHub([RepoSpec(f"bench/{m}", fixtures[m]) for m in MODELS]).start()
    try:
        print(f"{'model':<13} {'tensors':>7} {'bytes in':>9} {'weights':>7} {'ms':>6}  requests")
        for name in MODELS:
            times = []
            for _ in range(args.runs):
                shutil.rmtree(HOME / "hub", ignore_errors=True)
                shutil.rmtree(HOME / "hfbrowse", ignore_errors=True)
                hub.clear_log()
                gateway = HubGateway(endpoint=hub.url)
                start = time.perf_counter()
                facts = load_facts(ModelRef("hub", f"bench/{name}"), gateway)
                table = load_tensors(facts, gateway)
                times.append(time.perf_counter() - start)
            kinds = Counter(
                f"{r.method} {'range' if r.range else r.path.rsplit('/', 1)[-1]}"
                if "/resolve/" in r.path
                else f"{r.method} api"
                for r in hub.requests
            )
            summary = ", ".join(f"{n}×{k}" for k, n in sorted(kinds.items()))
            sent = sum(r.bytes_sent for r in hub.requests)
            print(
                f"{name:<13} {len(table.rows):>7} {sent:>9,} {hub.weight_bytes_sent():>7}"
                f" {statistics.median(times) * 1000:>6.1f}  {summary}"
            )
    finally:
        hub.stop()
        shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
