"""A real ``transformers serve`` on 127.0.0.1 for the endpoint tests, started once per session.

It serves a GPT-2 built here (random weights, the demo's byte-level BPE tokenizer, a chat
template, 1024 positions) that is large enough (~25M parameters) to stream for seconds on CPU,
so a test can cancel or kill it mid-stream and see the difference. Facts it relies on
(transformers 5.24): ``HF_HUB_OFFLINE=1 python -m transformers.cli.transformers serve FOLDER
--host 127.0.0.1 --port P --device cpu`` starts in 7–22 s (``GET /health`` → 200), SIGTERM
stops it in ~1 s, a model named at start pins it.

If ``transformers[serving]`` (fastapi, uvicorn, openai) is not installed, the tests that need
it are skipped with that reason.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
START_TIMEOUT_S = 120.0
SERVING_MODULES = ("fastapi", "uvicorn", "openai")


def serving_missing() -> str | None:
    """Why ``transformers serve`` cannot run here, or None."""
    missing = [m for m in SERVING_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return (
            f"transformers serve needs {', '.join(missing)}: pip install"
            " 'transformers[serving]' (the test extra has it)"
        )
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_chat_gpt2(dest: Path, tokenizer_from: Path, *, layers: int = 8, width: int = 512) -> Path:
    """A GPT-2 with a chat template, deterministic (seed 0), saved with save_pretrained."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    if (dest / "model.safetensors").is_file():
        return dest
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_from))
    tokenizer.model_max_length = 1024
    tokenizer.chat_template = CHAT_TEMPLATE
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=1024,
        n_embd=width,
        n_layer=layers,
        n_head=8,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(str(dest))
    tokenizer.save_pretrained(str(dest))
    return dest


class TransformersServe:
    """One ``transformers serve`` process pinned to ``folder``; restarted when asked for after
    a test killed it."""

    def __init__(self, folder: Path, log: Path, threads: int | None = None) -> None:
        self.folder = folder
        self.log = log
        self.threads = threads  # torch's CPU threads in the server (None: torch's default)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def model(self) -> str:
        """The name the server answers to (the folder as given at start)."""
        return str(self.folder)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> TransformersServe:
        self.port = free_port()
        env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1")
        env.pop("HF_TOKEN", None)
        if self.threads is not None:
            env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(self.threads)
        command = [
            sys.executable, "-m", "transformers.cli.transformers", "serve", str(self.folder),
            "--host", "127.0.0.1", "--port", str(self.port), "--device", "cpu",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.alive():
                tail = self.log.read_text(errors="replace")[-1500:]
                pytest.fail(f"transformers serve exited at start:\n{tail}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.url + "/health", timeout=1) as answer,
            ):
                if answer.status == 200:
                    return self
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"transformers serve did not answer /health within {START_TIMEOUT_S:g} s")

    def ensure(self) -> TransformersServe:
        return self if self.alive() else self.start()

    def kill(self) -> None:
        """SIGKILL, as a crash would: no goodbye on open connections."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
