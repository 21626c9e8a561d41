"""Run by benchmarks/startup.py in a fresh process: open hfbrowse headless on a folder and print
the moments the budget names (seconds since the parent launched it), RSS, and whether torch
had been imported at each moment, as one JSON line."""

from __future__ import annotations

import json
import os
import sys
import time

import psutil

PROC = psutil.Process()
# The parent's clock just before it spawned us (psutil's create_time is only second-accurate).
T0 = float(os.environ.get("HFBROWSE_T0", PROC.create_time()))


def now() -> float:
    return time.time() - T0


def mark(marks: dict, name: str) -> None:
    if name not in marks:
        marks[name] = {
            "t": round(now(), 4),
            "rss_mb": round(PROC.memory_info().rss / 2**20, 1),
            "torch": "torch" in sys.modules,
        }


def main(folder: str) -> None:
    import gc

    gc.disable()  # as hfbrowse.cli.entry.main does before importing the UI (the app re-enables it)
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model_ref import ModelRef
    from hfbrowse.ui.app import HFBrowseApp
    from hfbrowse.ui.options import LaunchOptions

    marks: dict = {}
    ref = ModelRef("local", folder)
    app = HFBrowseApp(LaunchOptions(models=(ref,), start=ref), gateway=HubGateway(offline=True))

    def poll() -> None:
        screen = app.screen
        if type(screen).__name__ != "MainScreen" or not screen.is_mounted:
            return
        # Laid out = the compositor has given the panes their regions: the first frame.
        if screen.query_one("#config").region.width == 0:
            return
        if "first_frame" not in marks:
            mark(marks, "first_frame")
        tensors = screen.query_one("#tensors")
        if screen.facts is not None and tensors.table_data is not None:
            mark(marks, "config_and_tensors")
        body = screen.query_one("#source-body")
        if "def" in str(getattr(body, "content", "")) or type(body.content).__name__ == "Group":
            mark(marks, "source")
        if len(marks) == 3:
            app.exit()

    def start() -> None:
        app.set_interval(0.002, poll)

    app.call_later(start)
    app.run(headless=True, size=(120, 40))
    print(json.dumps(marks))


if __name__ == "__main__":
    main(sys.argv[1])
