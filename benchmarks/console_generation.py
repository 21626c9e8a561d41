"""The console's generation path vs ``model.generate`` called directly: same model, same
settings, same process, side by side.

Runs the real TUI headless (``App.run_test``): Enter's code path (``ConsolePane.submit``) starts
the console's thread worker, which streams into the pane; the direct call runs in a plain
thread with the very model object the console loaded. Rounds alternate console/direct so load
on the machine hits both alike. Prints medians of:
- tokens/s: console (new tokens / the run's own timing: tokenize + generate + decode) and
  direct (generate only), and their ratio (budget ≥ 0.95);
- time to first token: console (Enter → first streamed text handled by the pane, i.e. on
  screen) vs direct (generate → the streamer's first token);
- the largest event-loop stall (gap between 5 ms timer ticks) during the first load (which
  includes importing torch/transformers), during load of an already-imported family, and
  during generation (budget ≤ 100 ms);
- second-run overhead on a loaded model: console wall time (Enter → result drawn) minus the
  direct compute time, for generation and for a classifier forward (budget ≤ 50 ms).
The generation model is a random-weight GPT-2 (6 layers, hidden 256, 1,024 positions) built at
start with the demo's real byte-level BPE tokenizer.
Usage: .venv/bin/python benchmarks/console_generation.py [--rounds N] [--tokens N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOME = Path(os.environ.get("HFBROWSE_BENCH_HOME") or tempfile.mkdtemp(prefix="hfbrowse-bench-"))
os.environ["HFBROWSE_BENCH_HOME"] = str(HOME)  # the --build-only child builds into the same
os.environ["HF_HOME"] = str(HOME)
os.environ.pop("HF_HUB_OFFLINE", None)  # the Hub phase talks to the test Hub on 127.0.0.1
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing else is ever reached
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from hub_server import FakeHub, RepoSpec  # noqa: E402

from hfbrowse.core.hub.gateway import HubGateway  # noqa: E402
from hfbrowse.core.model_ref import ModelRef  # noqa: E402
from hfbrowse.ui.app import HFBrowseApp  # noqa: E402
from hfbrowse.ui.options import LaunchOptions  # noqa: E402
from hfbrowse.ui.panes.console import ConsolePane  # noqa: E402
from hfbrowse.ui.panes.console_messages import RunFailed, RunFinished, RunStreamed  # noqa: E402

PROMPT = "The history of the printing press begins"
TICK_S = 0.01


def build_models(dest: Path) -> tuple[Path, Path]:
    """(bench GPT-2 folder, tiny-distilbert-sst folder), built once per run in a temp dir."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from hfbrowse.demo.builder import build_demo_models

    demo = build_demo_models(dest / "demo")
    folder = dest / "bench-gpt2"
    tokenizer = AutoTokenizer.from_pretrained(str(demo["tiny-gpt2"]))
    tokenizer.model_max_length = 1024
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=1024,
        n_embd=256,
        n_layer=6,
        n_head=4,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=None,  # random weights would emit eos at random: always run full length
        pad_token_id=tokenizer.pad_token_id,
        architectures=["GPT2LMHeadModel"],
    )
    GPT2LMHeadModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, demo["tiny-distilbert-sst"]


class Probe:
    """Records when messages reach the pane and the gaps between timer ticks."""

    def __init__(self) -> None:
        self.first_stream: float | None = None
        self.finished: float | None = None
        self.done = asyncio.Event()
        self.last_tick = time.perf_counter()
        self.max_gap = 0.0
        self.max_gap_before_stream = 0.0  # download/import/load (and prefill)

    def hook(self, message: object) -> None:
        now = time.perf_counter()
        if isinstance(message, RunStreamed) and self.first_stream is None:
            self.first_stream = now
        if isinstance(message, RunFinished | RunFailed):
            self.finished = now
            self.done.set()

    def tick(self) -> None:
        now = time.perf_counter()
        if self.first_stream is None:
            self.max_gap_before_stream = max(self.max_gap_before_stream, now - self.last_tick)
        else:
            self.max_gap = max(self.max_gap, now - self.last_tick)
        self.last_tick = now

    def reset(self) -> float:
        self.first_stream = self.finished = None
        self.done.clear()
        self.last_tick = time.perf_counter()
        self.max_gap = self.max_gap_before_stream = 0.0
        return self.last_tick


async def console_run(pane: ConsolePane, probe: Probe, text: str) -> dict[str, float]:
    started = probe.reset()
    pane.submit(text)
    await probe.done.wait()
    while pane.busy:  # the handler that draws the result runs right after the hook
        await asyncio.sleep(0.001)
    result = pane.last_result
    assert result is not None, "the run failed"
    t = result.timing
    return {
        "tps": (t.tokens_per_s or 0.0),
        "run_s": t.run_s,
        "ttft": (probe.first_stream or probe.finished) - started,
        "wall": probe.finished - started,
        "stall": probe.max_gap,
        "stall_before": probe.max_gap_before_stream,
        "load_s": t.load_s or 0.0,
    }


def direct_generate(loaded, kwargs: dict, streamer_first: bool) -> tuple[float, int, float]:
    """(seconds, new tokens, seconds to the first token) of a plain generate call."""
    import torch
    from transformers.generation.streamers import BaseStreamer

    tokenizer, model = loaded.tokenizer, loaded.model
    inputs = tokenizer(PROMPT, return_tensors="pt").to(model.device)
    first: list[float] = []

    class FirstToken(BaseStreamer):
        def __init__(self) -> None:
            self.prompt_seen = False

        def put(self, value) -> None:
            if self.prompt_seen and not first:
                first.append(time.perf_counter())
            self.prompt_seen = True

        def end(self) -> None:
            pass

    extra = {"streamer": FirstToken()} if streamer_first else {}
    started = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(**inputs, **kwargs, **extra)
    elapsed = time.perf_counter() - started
    new = out.shape[1] - inputs["input_ids"].shape[1]
    return elapsed, new, (first[0] - started) if first else elapsed


def direct_forward(loaded, text: str) -> float:
    import torch

    inputs = loaded.tokenizer(text, return_tensors="pt").to(loaded.model.device)
    started = time.perf_counter()
    with torch.inference_mode():
        loaded.model(**inputs).logits.softmax(-1)
    return time.perf_counter() - started


def med(values: list[float]) -> float:
    return statistics.median(values)


async def bench(gen_folder: Path, cls_folder: Path, rounds: int, tokens: int) -> None:
    probe = Probe()
    gen_ref = ModelRef("local", str(gen_folder))
    cls_ref = ModelRef("local", str(cls_folder))
    hub = FakeHub([RepoSpec("bench/bench-gpt2", gen_folder)]).start()
    hub_ref = ModelRef("hub", "bench/bench-gpt2")
    gateway = HubGateway(endpoint=hub.url)
    app = HFBrowseApp(
        LaunchOptions(models=(gen_ref, cls_ref, hub_ref), start=gen_ref), gateway=gateway
    )
    async with app.run_test(size=(120, 40), message_hook=probe.hook) as pilot:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        # The stall probe ticks only in the runs that measure stalls: its own event-loop work
        # would otherwise take GIL time from both sides of the tokens/s comparison.
        timer = app.set_interval(TICK_S, probe.tick)
        pane = app.screen.query_one(ConsolePane)
        pane.state.overrides = {"max_new_tokens": tokens}
        first = await console_run(pane, probe, PROMPT)  # first load: imports torch too
        timer.pause()
        print(
            f"first run (imports torch + transformers in the worker, loads the model):"
            f" load {first['load_s']:.2f} s, largest event-loop stall before the first token"
            f" {first['stall_before'] * 1000:.0f} ms, after it {first['stall'] * 1000:.0f} ms"
        )
        loaded = pane.state.session.loaded
        settings = pane.settings()
        assert loaded is not None and settings is not None
        kwargs = settings.generate_kwargs()
        con: list[dict[str, float]] = []
        direct_tps: list[float] = []
        direct_s: list[float] = []
        direct_ttft: list[float] = []
        for i in range(rounds):  # alternate who goes first, so drift in load hits both
            if i % 2 == 0:
                con.append(await console_run(pane, probe, PROMPT))
            secs, new, _ = await asyncio.to_thread(direct_generate, loaded, kwargs, False)
            direct_tps.append(new / secs)
            direct_s.append(secs)
            if i % 2 == 1:
                con.append(await console_run(pane, probe, PROMPT))
            _, _, ttft = await asyncio.to_thread(direct_generate, loaded, kwargs, True)
            direct_ttft.append(ttft)
        timer.resume()
        stalls = [(await console_run(pane, probe, PROMPT))["stall"] for _ in range(3)]
        timer.pause()
        c_tps = med([r["tps"] for r in con])
        d_tps = med(direct_tps)
        print(f"\ngeneration, {tokens} new tokens, {rounds} rounds (medians):")
        print(
            f"  tokens/s      console {c_tps:8.1f}   direct {d_tps:8.1f}"
            f"   ratio {c_tps / d_tps:.3f}"
        )
        paired = sorted(r["tps"] / d for r, d in zip(con, direct_tps, strict=True))
        print(
            f"  paired ratios (console/direct, same round): median {med(paired):.3f},"
            f" range {paired[0]:.2f}–{paired[-1]:.2f}"
        )
        print(
            f"  first token   console {med([r['ttft'] for r in con]) * 1000:6.1f} ms"
            f" (Enter → on screen)   direct {med(direct_ttft) * 1000:6.1f} ms (generate → streamer)"
        )
        print(
            "  largest event-loop stall while generating:"
            f" {max(stalls) * 1000:.0f} ms (3 runs, {TICK_S * 1000:.0f} ms timer)"
        )
        overhead = med([r["wall"] for r in con]) - med(direct_s)
        print(
            "  second-run overhead (Enter → result drawn, minus direct generate):"
            f" {overhead * 1000:.1f} ms"
        )

        # The same model from the (local) Hub: download into an empty cache, load, run.
        app.screen.open_model(hub_ref)
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        pane.state.overrides = {"max_new_tokens": 20}
        hub.clear_log()
        timer.resume()
        fetched = await console_run(pane, probe, PROMPT)
        timer.pause()
        print(
            f"\nHub model, first run: download {hub.weight_bytes_sent() / 2**20:.1f} MiB of weights"
            f" + load + 20 tokens in {fetched['wall']:.2f} s; largest event-loop stall"
            f" {max(fetched['stall'], fetched['stall_before']) * 1000:.0f} ms"
        )
        hub.stop()

        # A classifier: little compute, so the console's own overhead shows.
        app.screen.open_model(cls_ref)
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()
        timer.resume()
        load = await console_run(pane, probe, "a fine film")
        timer.pause()
        print(
            f"\nclassifier load (another family; torch already imported):"
            f" {load['load_s'] * 1000:.0f} ms, largest stall"
            f" {max(load['stall'], load['stall_before']) * 1000:.0f} ms"
        )
        walls, computes = [], []
        for _ in range(rounds * 2):
            walls.append((await console_run(pane, probe, "a fine film"))["wall"])
            computes.append(
                await asyncio.to_thread(direct_forward, pane.state.session.loaded, "a fine film")
            )
        print(
            f"  second run: Enter → result drawn {med(walls) * 1000:.1f} ms, forward"
            f" {med(computes) * 1000:.1f} ms, overhead {(med(walls) - med(computes)) * 1000:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:  # in a child process, so this one has not imported torch yet
        build_models(HOME)
        return
    env = dict(os.environ, HF_HOME=str(HOME))
    subprocess.run([sys.executable, __file__, "--build-only"], check=True, env=env)
    print(f"{os.cpu_count()} CPUs; models built in {HOME}")
    gen, cls = HOME / "bench-gpt2", HOME / "demo" / "tiny-distilbert-sst"
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # read when torch is imported
    asyncio.run(bench(gen, cls, args.rounds, args.tokens))
    import torch

    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, device cpu")


if __name__ == "__main__":
    main()
