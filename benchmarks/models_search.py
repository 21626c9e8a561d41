"""The models list under load: 10,000 Hub results, typing, scrolling, requests sent.

Budget (issue 4): with 10,000 results loaded, typing in the search box and scrolling keep the
largest event-loop stall ≤ 50 ms; only the pages the list reaches are fetched; a burst of
keystrokes sends exactly one search request.

The Hub double (tests/hub_server.py, 10,000 metadata-only repos) runs in a child process, so its
own JSON work never holds this process's GIL: stalls measured here are the app's. The stall
monitor is a task in the app's event loop that sleeps 2 ms and records how late it wakes.
A side-by-side part replays the same page-by-page load, scroll and replace on Textual's
DataTable and on the list's ModelTable, in the same process.

Run: ``.venv/bin/python -m benchmarks.models_search [--runs 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_REPOS = 10_000
TYPED = "synthetic-model-01"
KEY_INTERVAL_S = 0.08  # a fast typist: 12 keys a second


# -- the Hub double in a child process ----------------------------------------------------------
def serve(page_size: int) -> None:
    """Child: serve the synthetic repos; answer "count" on stdin with the /api/models count."""
    sys.path.insert(0, str(ROOT / "tests"))
    from dataclasses import replace

    from hub_server import FakeHub
    from search_hub import synthetic_specs

    specs = [replace(s, library_name="transformers") for s in synthetic_specs(N_REPOS)]
    hub = FakeHub(specs, page_size=page_size).start()
    print(hub.url, flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print(sum(1 for r in hub.requests if r.path == "/api/models"), flush=True)
    hub.stop()


class Hub:
    def __init__(self, page_size: int) -> None:
        cmd = [sys.executable, "-m", "benchmarks.models_search", "--serve", str(page_size)]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.url = self.proc.stdout.readline().strip()

    def count(self) -> int:
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# -- measuring the event loop -------------------------------------------------------------------
class StallMonitor:
    """Per phase: the largest lateness of a 2 ms sleep in the running loop (wall), the largest
    CPU time the loop's thread spent between two wake-ups (the app's own work: on a busy shared
    machine the wall figure also counts time the OS gave to other processes), and the longest
    garbage-collector pause."""

    def __init__(self) -> None:
        self.wall = self.cpu = self.gc = 0.0
        self._gc_start = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            wall, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(0.002)
            self.wall = max(self.wall, time.perf_counter() - wall - 0.002)
            self.cpu = max(self.cpu, time.thread_time() - cpu)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc = max(self.gc, time.perf_counter() - self._gc_start)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        gc.callbacks.append(self._on_gc)

    def phase(self) -> dict[str, float]:
        """The worst stalls since the last call, in ms; resets."""
        out = {"wall": self.wall, "cpu": self.cpu, "gc": self.gc}
        self.wall = self.cpu = self.gc = 0.0
        return {k: round(v * 1000, 1) for k, v in out.items()}

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)


async def type_keys(app, text: str, interval: float) -> list[float]:
    """Deliver key events the way a terminal does, one every ``interval`` seconds (the Pilot's
    own ``press`` waits for the whole process to look idle, up to 1 s a key on a busy machine,
    which would fake pauses in the typing). Returns the gaps between keys as delivered."""
    from textual import events

    gaps, last = [], time.perf_counter()
    for char in text:
        key = {"-": "minus", " ": "space"}.get(char, char)
        app._driver.send_message(events.Key(key, char))
        await asyncio.sleep(interval)
        gaps.append(time.perf_counter() - last)
        last = time.perf_counter()
    return gaps


async def wait_until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)


async def settle(pilot) -> None:
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


# -- the app scenarios --------------------------------------------------------------------------
async def app_run(hub: Hub) -> dict:
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.panes.models import DEBOUNCE_S
    from hfbrowse.ui.widgets.model_table import ModelTable

    out: dict = {}
    monitor = StallMonitor()
    app = HFBrowseApp(gateway=HubGateway(endpoint=hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        monitor.start()
        table = app.screen.query_one("#model-list", ModelTable)
        started = time.perf_counter()
        await wait_until(pilot, lambda: len(table.items) >= 100)
        out["first_rows_s"] = round(time.perf_counter() - started, 3)
        await settle(pilot)
        monitor.phase()

        await pilot.press("enter")  # into the list
        started = time.perf_counter()
        for _ in range(N_REPOS // 100 + 5):
            if len(table.items) >= N_REPOS:
                break
            await pilot.press("end")
            await settle(pilot)
        out["rows_loaded"] = len(table.items)
        out["load_10k_s"] = round(time.perf_counter() - started, 2)
        out["stall_loading_ms"] = monitor.phase()
        out["requests_for_10k"] = hub.count()
        out["gc_tracked_objects_10k"] = len(gc.get_objects())
        started = time.perf_counter()
        gc.collect()
        out["full_gc_10k_ms"] = round((time.perf_counter() - started) * 1000, 1)
        monitor.phase()

        for key in ["pageup"] * 40 + ["up"] * 30 + ["home"] + ["pagedown"] * 40 + ["down"] * 30:
            await pilot.press(key)
        for _ in range(60):  # mouse-wheel style scrolling, without moving the cursor
            table.scroll_relative(y=37, animate=False)
            await pilot.pause()
        await settle(pilot)
        out["stall_scrolling_ms"] = monitor.phase()

        before = hub.count()
        await pilot.press("slash")
        await settle(pilot)
        out["stall_focus_search_box_ms"] = monitor.phase()  # the footer redraws its keys
        gaps = await type_keys(app, TYPED, KEY_INTERVAL_S)
        out["stall_typing_ms"] = monitor.phase()
        # Exactly one request is expected when no pause between keys reached the debounce.
        out["largest_key_gap_ms"] = round(max(gaps) * 1000, 1)
        await pilot.pause(DEBOUNCE_S + 0.1)
        await settle(pilot)
        await wait_until(pilot, lambda: not app.screen.query_one("#models").searching)
        out["stall_replacing_10k_ms"] = monitor.phase()
        out["requests_after_burst"] = hub.count() - before
        out["results_after_burst"] = len(table.items)
    monitor.stop()
    return out


async def visible_pages_run(hub: Hub) -> dict:
    """A fresh list: how many pages it fetched for the rows it showed."""
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.widgets.model_table import ModelTable

    app = HFBrowseApp(gateway=HubGateway(endpoint=hub.url))
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one("#model-list", ModelTable)
        await wait_until(pilot, lambda: len(table.items) >= 100)
        await settle(pilot)
        out["rows_visible"] = table.scrollable_content_region.height - 1
        out["pages_after_open"] = hub.count()
        await pilot.press("enter")
        while table.cursor_row < 250:
            await pilot.press("pagedown")
            await settle(pilot)
        out["cursor_row"] = table.cursor_row
        out["rows_loaded_at_row_250"] = len(table.items)
        out["pages_at_row_250"] = hub.count()
    return out


# -- DataTable vs ModelTable, side by side ------------------------------------------------------
async def widget_run(kind: str) -> dict:
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable

    from hfbrowse.ui.widgets.model_table import Column, ModelTable

    rows = [
        (f"org{i % 13}/synthetic-model-{i:05d}", "text-generation", f"{i}", "12", "1.2M", "2025")
        for i in range(N_REPOS)
    ]
    columns = tuple(
        Column(t, w)
        for t, w in (("model", 30), ("task", 20), ("d", 8), ("l", 6), ("p", 7), ("u", 10))
    )

    class Bench(App):
        def compose(self):
            yield DataTable(cursor_type="row") if kind == "DataTable" else ModelTable()

    out = {}
    monitor = StallMonitor()
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        monitor.start()
        if kind == "DataTable":
            table = app.query_one(DataTable)
            for c in columns:
                table.add_column(c.title, width=c.width)
        else:
            table = app.query_one(ModelTable)
            table.set_rows(columns, [], lambda r: (Text(r[0]), *r[1:]))
        await pilot.pause()
        monitor.phase()
        for page in range(N_REPOS // 100):
            chunk = rows[page * 100 : (page + 1) * 100]
            if kind == "DataTable":
                table.add_rows(chunk)
            else:
                table.append(chunk)
            await pilot.pause()
        await pilot.pause()
        out["append_100_pages_ms"] = monitor.phase()
        for _ in range(40):
            await pilot.press("pagedown")
        out["scroll_ms"] = monitor.phase()
        if kind == "DataTable":
            table.clear()
            table.add_rows(rows[:100])
        else:
            table.set_rows(columns, list(rows[:100]), table.cells)
        for _ in range(5):
            await pilot.pause(0.02)
        out["replace_10k_ms"] = monitor.phase()
    monitor.stop()
    return out


def summarise(runs: list[dict]) -> dict:
    """Median (and worst, when there are several runs) of each figure; stalls per kind."""

    def flat(run: dict) -> dict:
        out = {}
        for key, value in run.items():
            if isinstance(value, dict):
                out.update({f"{key} {kind}": v for kind, v in value.items()})
            else:
                out[key] = value
        return out

    flats = [flat(r) for r in runs]
    return {
        key: (
            {
                "median": statistics.median(f[key] for f in flats),
                "worst": max(f[key] for f in flats),
            }
            if len(flats) > 1
            else flats[0][key]
        )
        for key in flats[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hfbrowse-bench-"))
    results: dict = {
        "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "load average before": round(os.getloadavg()[0], 2),
    }
    runs = []
    for _ in range(args.runs):
        hub = Hub(page_size=100)
        try:
            runs.append(asyncio.run(app_run(hub)))
        finally:
            hub.close()
    results["app, Hub page size 100 (stalls in ms: wall, loop CPU, GC)"] = summarise(runs)
    hub = Hub(page_size=100)
    try:
        results["visible pages"] = asyncio.run(visible_pages_run(hub))
    finally:
        hub.close()
    for kind in ("DataTable", "ModelTable"):
        per = [asyncio.run(widget_run(kind)) for _ in range(args.runs)]
        results[f"10,000 rows in {kind} (stalls in ms)"] = summarise(per)
    results["load average after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
