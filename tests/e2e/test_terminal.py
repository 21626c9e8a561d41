"""The terminal driver itself: what the journeys rely on (screen, keys, resize, timeouts, kill).

A tiny child program stands in for the app so that a driver bug shows here, not as a puzzling
journey failure.
"""

from __future__ import annotations

import sys
import time

import pytest

from tests.support.terminal import Terminal, TerminalTimeout, key_bytes, strip_ansi

# Prints its terminal size (again on SIGWINCH) and each key it reads, raw; `q` ends it.
ECHO_KEYS = r"""
import os, signal, sys, tty
def size(*_):
    c, r = os.get_terminal_size(1)
    sys.stdout.write(f"size {c}x{r}\r\n"); sys.stdout.flush()
signal.signal(signal.SIGWINCH, size)
tty.setraw(0)  # before the first line: keys sent once it shows are read raw, not flushed
size()
while True:
    data = os.read(0, 64)
    sys.stdout.write(f"\x1b[1;31mkeys\x1b[0m {data!r}\r\n"); sys.stdout.flush()
    if data == b"q":
        sys.exit(3)
"""


def test_screen_keys_resize_and_exit_status() -> None:
    with Terminal([sys.executable, "-c", ECHO_KEYS], size=(100, 30)) as term:
        term.wait_for_text("size 100x30", timeout=20)
        term.press("ctrl+p")
        term.wait_for_text(r"keys b'\x10'")
        term.type("hello world")
        term.wait_for_text("keys b'hello world'")  # one burst, one read
        term.resize(90, 20)
        screen = term.wait_for_text("size 90x20")
        assert len(screen.split("\n")) == 20
        term.press("q")
        assert term.wait_exit(timeout=10) == 3
        assert "keys b'q'" in term.transcript()


def test_a_failed_wait_shows_the_screen() -> None:
    with Terminal([sys.executable, "-c", ECHO_KEYS], size=(80, 24)) as term:
        term.wait_for_text("size 80x24", timeout=20)
        started = time.monotonic()
        with pytest.raises(TerminalTimeout) as failure:
            term.wait_for_text("never drawn", timeout=0.5)
        assert time.monotonic() - started < 5
        message = str(failure.value)
        assert "'never drawn'" in message and "size 80x24" in message
        assert "process: running" in message
        with pytest.raises(TerminalTimeout, match="still running"):
            term.wait_exit(timeout=0.2)


def test_a_wait_ends_when_the_process_dies() -> None:
    with Terminal([sys.executable, "-c", "print('bye'); raise SystemExit(5)"]) as term:
        started = time.monotonic()
        with pytest.raises(TerminalTimeout) as failure:
            term.wait_for_text("never drawn", timeout=30)
        assert time.monotonic() - started < 10
        assert "closed while waiting" in str(failure.value)
        assert "process: exited with status 5" in str(failure.value)


def test_close_kills_the_whole_process_group() -> None:
    # The child starts a grandchild that ignores SIGTERM; both must be gone after close().
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']); "
        "print('pid', p.pid, flush=True); time.sleep(60)"
    )
    term = Terminal([sys.executable, "-c", script])
    with term:
        screen = term.wait_for(lambda s: "pid " in s, timeout=20, what="the grandchild's pid")
        grandchild = int(screen.split("pid ")[1].split()[0])
    assert term.proc is not None and term.proc.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(grandchild):
        time.sleep(0.05)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"  # a zombie is dead, just not reaped
    except OSError:
        return False


def test_key_names() -> None:
    assert key_bytes("ctrl+p") == b"\x10"
    assert key_bytes("shift+tab") == b"\x1b[Z"
    assert key_bytes("colon") == b":"
    assert key_bytes("Q") == b"Q"
    with pytest.raises(ValueError):
        key_bytes("hyper+x")
    assert strip_ansi("\x1b[1;31mTraceback\x1b[0m\x1b]0;t\x07!") == "Traceback!"


def test_a_partly_overdrawn_wide_character_does_not_break_the_screen() -> None:
    # 🔎 takes two cells; overwriting only its first cell leaves the second as an empty stub,
    # on which pyte's own Screen.display raises IndexError.
    script = r"import sys; sys.stdout.write('ab\U0001f50ecd\r\n\x1b[1;3HX\r\n'); sys.stdout.flush()"
    with Terminal([sys.executable, "-c", script], size=(20, 4)) as term:
        screen = term.wait_for(lambda s: "X" in s, timeout=20, what="the overdraw")
        assert screen.split("\n")[0].startswith("abX")


def test_moments_are_timed_from_the_spawn() -> None:
    term = Terminal([sys.executable, "-c", ECHO_KEYS], size=(80, 24))
    term.mark_when("drawn", lambda s: "size 80x24" in s)
    term.mark_when("typed", lambda s: "keys b'x'" in s)
    with term:
        drawn = term.wait_marks("drawn", timeout=20)["drawn"]
        pressed = time.monotonic() - term.started_at
        term.press("x")
        typed = term.wait_marks("typed")["typed"]
    assert 0 < drawn.seconds < pressed < typed.seconds
    assert not drawn.torch_loaded and not typed.torch_loaded


def test_a_torch_import_is_seen_in_the_process_maps() -> None:
    # The benchmark's "torch imported" column must be able to say yes.
    script = "input('before'); import torch; print('after', flush=True); input()"
    term = Terminal([sys.executable, "-c", script])
    term.mark_when("before", lambda s: "before" in s)
    term.mark_when("after", lambda s: "after" in s)
    with term:
        term.wait_marks("before", timeout=20)
        term.press("enter")  # only now does it import torch
        marks = term.wait_marks("before", "after", timeout=60)
    assert not marks["before"].torch_loaded
    assert marks["after"].torch_loaded
