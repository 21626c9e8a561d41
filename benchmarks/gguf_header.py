"""Requests, bytes and time to read a GGUF file's header through a Hub-compatible server.

Serves a Llama-7B-shaped Q4_K GGUF (32,000-token vocabulary, 291 tensors, 3.5 GiB apparent,
tensor data a hole: tests/support/gguf_files.py) from the suite's Hub double on 127.0.0.1 and
opens it as the app does (``open_gguf``: bounded ranged reads, then the gguf package's reader).
Prints ranged GETs, bytes received, weight bytes (bytes past the header) and the median time of
N opens, and the median time of reading the same file from disk (the parse alone).
Usage: .venv/bin/python -m benchmarks.gguf_header [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-home-"))
os.environ["HF_HOME"] = str(HOME)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.pop("HF_TOKEN", None)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hfbrowse.core.checkpoint.gguf_file import read_local_gguf  # noqa: E402
from hfbrowse.core.gguf_model import GGUFTarget, open_gguf  # noqa: E402
from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from hfbrowse.core.model_ref import ModelRef  # noqa: E402
from tests.support.gguf_files import write_sparse_llama_gguf  # noqa: E402
from tests.support.hub_server import FakeHub, RepoSpec  # noqa: E402

NAME = "llama-7b-Q4_K.gguf"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = HOME / "repo"
    folder.mkdir()
    path = write_sparse_llama_gguf(folder / NAME)
    with FakeHub([RepoSpec("bench/gguf", folder)]) as hub:
        times = []
        for _ in range(args.runs):
            hub.clear_log()
            start = time.perf_counter()
            info = open_gguf(
                GGUFTarget(ModelRef("hub", "bench/gguf"), NAME), HubGateway(endpoint=hub.url)
            )
            times.append(time.perf_counter() - start)
        reads = [r for r in hub.requests if r.path.endswith(NAME)]
        print(
            f"hub: {len(reads)} ranged GETs, {sum(r.bytes_sent for r in reads):,} bytes in"
            f" (header {info.header_bytes:,} of a {info.file_size:,}-byte file),"
            f" {hub.weight_bytes_sent()} weight bytes, median {statistics.median(times):.2f} s"
        )
    local = []
    for _ in range(args.runs):
        start = time.perf_counter()
        read_local_gguf(path)
        local.append(time.perf_counter() - start)
    print(f"disk: median {statistics.median(local):.2f} s (the parse alone)")


if __name__ == "__main__":
    main()
