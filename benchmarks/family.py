"""What showing a model's family costs, read from a Hub-compatible server (the suite's double
on 127.0.0.1, real huggingface_hub over HTTP, empty cache each run).

Three moments:

* **open a finetune**: the opening (``load_facts``) with the model tree in its ``model_info``
  (``expand=baseModels,childrenModelCount``) — requests and bytes, against the same opening
  without the expand (what it cost before the family existed);
* **family line**: ``load_family`` on the opened facts — requests (0) and time;
* **family view / --family**: a base with 100 finetunes, 40 quantisations, 25 adapters and 6
  merges, children listed 20 a relation — requests, bytes, time.

Every run asserts zero weight bytes. Usage: ``.venv/bin/python -m benchmarks.family [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-family-"))
os.environ["HF_HOME"] = str(HOME)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.pop("HF_TOKEN", None)

from hfbrowse.core.hub import gateway as gateway_module  # noqa: E402
from hfbrowse.core.hub.family import load_family, with_children  # noqa: E402
from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from hfbrowse.core.model import load_facts  # noqa: E402
from hfbrowse.core.model_ref import ModelRef  # noqa: E402
from hfbrowse.demo.fixtures import build_test_fixtures  # noqa: E402
from tests.support.hub_server import FakeHub, RepoSpec  # noqa: E402

BASE = "bench/base"
FINETUNE = "bench/base-chat"
COUNTS = {"finetune": 100, "quantized": 40, "adapter": 25, "merge": 6}


def specs(gpt2: Path) -> list[RepoSpec]:
    out = [RepoSpec(BASE, gpt2, downloads=10**6)]
    for relation, n in COUNTS.items():
        for i in range(n):
            repo = FINETUNE if relation == "finetune" and i == 0 else f"bench/{relation}-{i}"
            tree = {"relation": relation, "models": [{"id": BASE}]}
            out.append(RepoSpec(repo, gpt2 if repo == FINETUNE else None, downloads=1000 - i,
                                base_models=tree))  # fmt: skip
    return out


def fresh(hub: FakeHub) -> HubGateway:
    shutil.rmtree(HOME / "hub", ignore_errors=True)
    shutil.rmtree(HOME / "hfbrowse", ignore_errors=True)
    hub.clear_log()
    return HubGateway(endpoint=hub.url)


def measure(hub: FakeHub, runs: int, step) -> tuple[float, int, int]:
    """(median ms, requests, bytes) of ``step(gateway)`` on an empty cache."""
    times, requests, sent = [], 0, 0
    for _ in range(runs):
        gw = fresh(hub)
        start = time.perf_counter()
        step(gw)
        times.append((time.perf_counter() - start) * 1000)
        requests = len(hub.requests)
        sent = sum(r.bytes_sent for r in hub.requests)
        assert hub.weight_bytes_sent() == 0, "a weight byte was read"
    return statistics.median(times), requests, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    fixtures = build_test_fixtures(HOME / "fixtures")
    hub = FakeHub(specs(fixtures["tiny-gpt2"]), page_size=100).start()
    ref, base = ModelRef("hub", FINETUNE), ModelRef("hub", BASE)
    try:
        rows = []
        with_tree = measure(hub, args.runs, lambda gw: load_facts(ref, gw))
        expand = gateway_module.MODEL_INFO_EXPAND
        gateway_module.MODEL_INFO_EXPAND = tuple(
            f for f in expand if f not in ("baseModels", "childrenModelCount")
        )
        try:
            without = measure(hub, args.runs, lambda gw: load_facts(ref, gw))
        finally:
            gateway_module.MODEL_INFO_EXPAND = expand
        rows.append(("open the finetune, model tree expanded", *with_tree))
        rows.append(("open the finetune, without the tree", *without))

        def line(gw: HubGateway) -> None:
            facts = load_facts(ref, gw)
            hub.clear_log()
            t = time.perf_counter()
            family = load_family(facts, gw)
            line.ms = (time.perf_counter() - t) * 1000  # type: ignore[attr-defined]
            assert family.summary() == f"finetune of {BASE}"

        measure(hub, args.runs, line)
        rows.append(("family line of the opened finetune", line.ms, len(hub.requests), 0))  # type: ignore[attr-defined]

        facts_of_base = load_facts(base, fresh(hub))
        family = load_family(facts_of_base, HubGateway(endpoint=hub.url))

        def children(gw: HubGateway) -> None:
            listed = with_children(family, gw, base, 20)
            assert sum(len(c.models) for c in listed.children) == 4 * 20 - (20 - 6)

        ms, n, sent = measure(hub, args.runs, children)
        rows.append((f"family view of the base ({family.children_count} derived)", ms, n, sent))
        print(f"{'moment':<48} {'ms':>7} {'requests':>8} {'bytes':>8}  weight bytes")
        for name, ms, n, sent in rows:
            print(f"{name:<48} {ms:>7.2f} {n:>8} {sent:>8,}  0")
    finally:
        hub.stop()
        shutil.rmtree(HOME, ignore_errors=True)


if __name__ == "__main__":
    main()
