"""Start-up as the user sees it: spawn → the text on a real terminal, hfbrowse beside a bare app.

Three moments, each timed from just before the process is spawned to the arrival of the
terminal output that put it on screen (a pty, drawn by pyte: tests/support/terminal.py):

- bare: a bare Textual app (one bordered Static with some text, and a Footer;
  benchmarks/_startup_probe.py) has drawn its text — the yardstick;
- config + tensors: ``hfbrowse FOLDER`` shows config.json's tree and the tensor table's rows;
- source: ``hfbrowse FOLDER`` shows the head's ``def __init__`` and ``def forward``.

Runs are paired (bare, then hfbrowse, alternating) so that load on this shared machine hits
both alike; the figures are medians of N pairs and their ratio to the bare app (the budget:
config + tensors ≤ 1.5x bare, source ≤ 2.0x bare). Whether libtorch was mapped into hfbrowse
by each moment is read from /proc/PID/maps (the panes must not import torch).

The terminal is emulated in this process: a moment is timed at the arrival of its output
chunk, before pyte parses it, so parsing (about 50 ms over hfbrowse's first frames, 2 ms for the
bare app, on the project's VM) delays a mark only by the parsing of the chunks just before it.

FOLDER defaults to a GPT-2-shaped checkpoint (12 layers, 148 tensors) written headers-only:
its safetensors file is a sparse file, so nothing but the header is on disk, and no torch is
needed to make it. Needs the test extra (pyte). Linux only (pty, /proc).
Usage: .venv/bin/python -m benchmarks.startup [FOLDER] [--runs N] [--size 120x40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make tests.support importable
    sys.path.insert(0, str(REPO))

from tests.support.terminal import Mark, Terminal  # noqa: E402

BARE_TEXT = "bare Textual app: first frame"
CONFIG_TEXT = "activation_function"  # the first key of config.json's tree
TENSOR_ROW = "h.0.attn.c_attn.bias"  # the first row (its name may show shortened: t.h.0…)

GPT2_CONFIG = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 50256,
    "embd_pdrop": 0.1,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 1024,
    "n_embd": 768,
    "n_head": 12,
    "n_layer": 12,
    "n_positions": 1024,
    "resid_pdrop": 0.1,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
    "vocab_size": 50257,
}


def gpt2_shapes(layers: int = 12, d: int = 768, vocab: int = 50257, ctx: int = 1024):
    """GPT2LMHeadModel's saved tensors (lm_head is tied to wte, so not saved)."""
    yield "transformer.wte.weight", [vocab, d]
    yield "transformer.wpe.weight", [ctx, d]
    for i in range(layers):
        p = f"transformer.h.{i}."
        yield p + "ln_1.weight", [d]
        yield p + "ln_1.bias", [d]
        yield p + "attn.c_attn.weight", [d, 3 * d]
        yield p + "attn.c_attn.bias", [3 * d]
        yield p + "attn.c_proj.weight", [d, d]
        yield p + "attn.c_proj.bias", [d]
        yield p + "ln_2.weight", [d]
        yield p + "ln_2.bias", [d]
        yield p + "mlp.c_fc.weight", [d, 4 * d]
        yield p + "mlp.c_fc.bias", [4 * d]
        yield p + "mlp.c_proj.weight", [4 * d, d]
        yield p + "mlp.c_proj.bias", [d]
    yield "transformer.ln_f.weight", [d]
    yield "transformer.ln_f.bias", [d]


def build_gpt2_folder(dest: Path) -> Path:
    """config.json + a headers-only model.safetensors of GPT-2's shape (F32, ~500 MB sparse)."""
    marker = dest / ".bench-gpt2-v1"
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    header: dict = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in gpt2_shapes():
        n = 4
        for dim in shape:
            n *= dim
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with (dest / "model.safetensors").open("wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        f.truncate(8 + len(blob) + offset)  # the weights: a hole, never written
    (dest / "config.json").write_text(json.dumps(GPT2_CONFIG, indent=2))
    marker.touch()
    return dest


def hfbrowse_command() -> list[str]:
    script = Path(sys.executable).with_name("hfbrowse")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hfbrowse"]


def timed(
    argv: list[str], moments: dict[str, Callable[[str], bool]], env: dict, size: tuple[int, int]
) -> dict[str, Mark]:
    """One cold process: the marks of ``moments``, then the process is killed."""
    term = Terminal(argv, size=size, env=env)
    for name, predicate in moments.items():
        term.mark_when(name, predicate)
    with term:
        return term.wait_marks(*moments, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", help="a model folder (default: GPT-2-shaped)")
    parser.add_argument("--runs", type=int, default=7, help="pairs of runs (default 7)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured pairs first")
    parser.add_argument("--size", default="120x40", help="terminal COLSxROWS (default 120x40)")
    args = parser.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    tmp = Path(tempfile.gettempdir())
    folder = Path(args.folder) if args.folder else build_gpt2_folder(tmp / "hfbrowse-bench-gpt2")
    home = Path(tempfile.mkdtemp(prefix="hfbrowse-bench-home-"))
    env = {
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    bare_cmd = [sys.executable, str(Path(__file__).with_name("_startup_probe.py"))]
    app_cmd = [*hfbrowse_command(), str(folder)]
    bare_moments = {"bare": lambda s: BARE_TEXT in s}
    app_moments = {
        "config + tensors": lambda s: CONFIG_TEXT in s and TENSOR_ROW in s,
        "source": lambda s: "def __init__" in s and "def forward" in s,
    }
    bare: list[float] = []
    app: dict[str, list[Mark]] = {name: [] for name in app_moments}
    for i in range(args.warmup + args.runs):
        b = timed(bare_cmd, bare_moments, env, size)
        a = timed(app_cmd, app_moments, env, size)
        if i >= args.warmup:
            bare.append(b["bare"].seconds)
            for name in app_moments:
                app[name].append(a[name])
        print(
            f"pair {i + 1 - args.warmup:>2}: bare {b['bare'].seconds:.3f} s, "
            + ", ".join(f"{name} {a[name].seconds:.3f} s" for name in app_moments)
            + (" (warm-up)" if i < args.warmup else ""),
            file=sys.stderr,
        )

    bare_median = statistics.median(bare)
    print(f"start-up to text on a {size[0]}x{size[1]} pty (pyte), {args.runs} paired cold runs")
    print(f"folder: {folder}")
    print(
        f"{'moment':<18} {'median s':>9} {'min':>7} {'max':>7} {'x bare':>7} {'budget':>7}"
        "  torch imported"
    )
    print(
        f"{'bare Textual app':<18} {bare_median:>9.3f} {min(bare):>7.3f} {max(bare):>7.3f}"
        f" {1.0:>7.2f} {'':>7}  no"
    )
    budgets = {"config + tensors": 1.5, "source": 2.0}
    for name, marks in app.items():
        secs = [m.seconds for m in marks]
        med = statistics.median(secs)
        torch = "yes" if any(m.torch_loaded for m in marks) else "no"
        print(
            f"{name:<18} {med:>9.3f} {min(secs):>7.3f} {max(secs):>7.3f}"
            f" {med / bare_median:>7.2f} {budgets[name]:>6.1f}x  {torch}"
        )
    pair_ratios = {
        name: statistics.median(m.seconds / b for m, b in zip(marks, bare, strict=True))
        for name, marks in app.items()
    }
    print(
        "median of per-pair ratios: "
        + ", ".join(f"{name} {r:.2f}x" for name, r in pair_ratios.items())
    )


if __name__ == "__main__":
    main()
