"""Launch → first frame → config + tensors → source, for a local folder, in cold processes.

Prints the median of N runs (and min/max) of each moment, RSS at each, and whether torch was
imported by then. Usage: .venv/bin/python benchmarks/startup.py [FOLDER] [--runs N]
Without FOLDER, the tiny-gpt2 demo model is built (once) into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = args.folder
    if folder is None:
        from hfbrowse.demo.builder import build_demo_models

        dest = Path(tempfile.gettempdir()) / "hfbrowse-bench-models"
        folder = str(build_demo_models(dest, only=["tiny-gpt2"])["tiny-gpt2"])
    runs = []
    for _ in range(args.runs):
        env = {**os.environ, "HFBROWSE_T0": repr(time.time())}
        out = subprocess.run(
            [sys.executable, str(HERE / "_startup_probe.py"), folder],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=env,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"folder: {folder}  runs: {args.runs}")
    print(f"{'moment':<20} {'median s':>9} {'min':>7} {'max':>7} {'RSS MiB':>8}  torch imported")
    for moment in ("first_frame", "config_and_tensors", "source"):
        times = [r[moment]["t"] for r in runs]
        rss = statistics.median(r[moment]["rss_mb"] for r in runs)
        torch = sorted({r[moment]["torch"] for r in runs})
        print(
            f"{moment:<20} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}"
            f" {rss:>8.1f}  {'/'.join(map(str, torch))}"
        )


if __name__ == "__main__":
    main()
