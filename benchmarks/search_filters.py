"""Filtered Hub search over the network: requests, bytes and time to the first rows.

Each search below runs through hfbrowse's own path (``SearchStream``, real ``huggingface_hub``
over HTTP) against the Hub double (tests/support/search_hub.py: 10,000 synthetic repos plus the
fixtures, 100 rows a page) in a child process, so its JSON work never holds this process's GIL.
For each filter the script reports the requests and response bytes the first 100 rows cost and
the time to them (median of ``--runs``), then what the same rows would cost if the filter were
applied here instead of by the server: the unfiltered pages one would read to find them. Weight
bytes read must be 0 (checked). A last part does the same in the TUI: the filters typed in the
search box, Enter (search now), and the time until the list shows the new rows; then each
filter key from the list (``G``, ``i``), timed the same way.

Run: ``.venv/bin/python -m benchmarks.search_filters [--runs 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100

# (label, typed in the search box / --search) — the tokens are parsed as the TUI parses them.
QUERIES: tuple[tuple[str, str], ...] = (
    ("no filter", "synthetic"),
    ("author", "synthetic author:org3"),
    ("params 1B..8B", "synthetic params:1B..8B"),
    ("gated", "synthetic gated"),
    ("served", "synthetic served"),
    ("all four", "synthetic author:org3 params:1B..8B gated:no served"),
)


def serve() -> None:
    """Child: serve the double; answer "log" on stdin with the /api/models requests so far
    (count, response bytes, weight bytes), then clear the log."""
    sys.path.insert(0, str(ROOT))
    from tests.support.hub_server import FakeHub
    from tests.support.search_hub import PAGE_SIZE, list_requests, synthetic_specs

    hub = FakeHub(synthetic_specs(), page_size=PAGE_SIZE).start()  # metadata-only repos
    print(hub.url, flush=True)
    for line in sys.stdin:
        if line.strip() == "log":
            reqs = list_requests(hub)
            print(
                json.dumps([len(reqs), sum(r.bytes_sent for r in reqs), hub.weight_bytes_sent()]),
                flush=True,
            )
            hub.clear_log()
    hub.stop()


class Hub:
    def __init__(self) -> None:
        cmd = [sys.executable, "-m", "benchmarks.search_filters", "--serve"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.url = self.proc.stdout.readline().strip()

    def log(self) -> tuple[int, int, int]:
        self.proc.stdin.write("log\n")
        self.proc.stdin.flush()
        return tuple(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def first_rows(url: str, typed: str) -> tuple[float, int]:
    """Seconds to the first ROWS rows of ``typed`` (the server filters), and how many came."""
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.hub.search import SearchQuery, SearchStream

    gateway = HubGateway(endpoint=url)
    query = SearchQuery.typed(typed, SearchQuery(library=None))
    start = time.perf_counter()
    hits = SearchStream(gateway, query).next_batch(ROWS)
    return time.perf_counter() - start, len(hits)


def scanned_here(url: str, typed: str) -> tuple[float, int]:
    """The same rows with the filters applied in this process: read the text search's pages
    until ROWS rows match (or the listing ends). Seconds, and rows read."""
    from dataclasses import replace

    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.hub.search import SearchQuery, SearchStream

    gateway = HubGateway(endpoint=url)
    query = SearchQuery.typed(typed, SearchQuery(library=None))
    plain = replace(query, author=None, params_min=None, params_max=None, gated=None, served=False)
    stream, found, read = SearchStream(gateway, plain), 0, 0
    start = time.perf_counter()
    while found < ROWS and not stream.exhausted:
        batch = stream.next_batch(ROWS)
        read += len(batch)
        found += sum(1 for h in batch if _matches(h, query))
    return time.perf_counter() - start, read


def _matches(hit, q) -> bool:
    if q.author and not hit.repo_id.startswith(q.author + "/"):
        return False
    if q.params_min is not None and (hit.parameters or -1) < q.params_min:
        return False
    if q.params_max is not None and (hit.parameters is None or hit.parameters > q.params_max):
        return False
    if q.gated and bool(hit.gated) != (q.gated == "gated"):
        return False
    return not q.served or bool(hit.providers)


async def _rows_after(pilot, pane, *keys: str) -> float:
    """Seconds from pressing ``keys`` until the list shows the rows of the search they start."""
    token = pane.token
    start = time.perf_counter()
    await pilot.press(*keys)
    while pane.token == token or pane.searching:
        await asyncio.sleep(0.001)
    await pilot.pause()  # the frame that shows them
    return time.perf_counter() - start


async def tui_first_rows(url: str, runs: int) -> list[tuple[str, float]]:
    """(what, median ms from the key to the new rows on the list) in the app."""
    from textual.widgets import Input

    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.panes.models import ModelsPane

    timings: dict[str, list[float]] = {"typed + enter": [], "G (gated)": [], "i (served)": []}
    for _ in range(runs):
        app = HFBrowseApp(gateway=HubGateway(endpoint=url))
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.query_one(ModelsPane)
            while not pane.started or pane.searching:
                await asyncio.sleep(0.01)
            # As if pasted: the tokens in the box, then Enter searches at once (no pause).
            app.screen.query_one(
                "#models-filter", Input
            ).value = "synthetic author:org3 params:1B..8B"
            timings["typed + enter"].append(await _rows_after(pilot, pane, "enter"))
            timings["G (gated)"].append(await _rows_after(pilot, pane, "G"))
            timings["i (served)"].append(await _rows_after(pilot, pane, "i"))
    return [(what, statistics.median(ts) * 1000) for what, ts in timings.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    hub = Hub()
    try:
        first_rows(hub.url, "warm-up")
        hub.log()
        print(f"first {ROWS} rows, Hub double over HTTP (median of {args.runs} runs)")
        header = f"{'filter':<15}{'rows':>5}{'requests':>9}{'KiB':>7}{'ms':>8}"
        print(header + f"{'| filtered here: rows read':>27}{'requests':>9}{'ms':>8}")
        for label, typed in QUERIES:
            times = []
            for _ in range(args.runs):
                seconds, rows = first_rows(hub.url, typed)
                times.append(seconds)
            time.sleep(0.1)  # the double logs a request once its answer is sent
            requests, sent, weights = hub.log()
            assert weights == 0, f"{label}: {weights} weight bytes read"
            requests, sent = requests / args.runs, sent / args.runs  # per search
            scan_times = []
            scans = max(1, args.runs // 2)
            for _ in range(scans):
                scan_seconds, read = scanned_here(hub.url, typed)
                scan_times.append(scan_seconds)
            time.sleep(0.1)
            scan_requests, _sent, weights = hub.log()
            assert weights == 0
            scan_requests /= scans
            print(
                f"{label:<15}{rows:>5}{requests:>9.0f}{sent / 1024:>7.1f}"
                f"{statistics.median(times) * 1000:>8.1f}"
                f"{read:>27}{scan_requests:>9.0f}{statistics.median(scan_times) * 1000:>8.1f}"
            )
        time.sleep(0.1)
        hub.log()
        print(f"\nTUI: key → new rows on the list (median of {args.runs} runs)")
        for what, ms in asyncio.run(tui_first_rows(hub.url, args.runs)):
            print(f"{what:<15}{ms:>8.1f} ms")
        time.sleep(0.1)
        requests, _sent, weights = hub.log()
        assert weights == 0
        print(f"TUI requests, {args.runs} runs × (first list + 3 searches): {requests}")
        print("weight bytes read: 0")
    finally:
        hub.close()


if __name__ == "__main__":
    main()
