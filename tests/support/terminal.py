"""A real terminal for end-to-end tests: the real process on a pseudo-terminal, drawn by ``pyte``.

Why not Textual's Pilot: Pilot runs the app headless in the test's own process, so it cannot see
what only a real terminal shows — the driver's escape sequences, start-up in a fresh interpreter,
``NO_COLOR``/``TERM``/locale handling, ``SIGWINCH`` resizes, keys arriving in one burst the way a
fast typist or a paste sends them, and whether the process really exits after ``q``.

Why a pty and ``pyte`` rather than tmux: pure Python, so CI needs nothing but the test extra; no
server process to outlive the test; and the screen is read in-process after every chunk, so a
wait returns within milliseconds of the text being drawn (the start-up benchmark needs that).

Every wait has a timeout and fails with the last screen and the process's state; the process
runs in its own session and its whole group is killed when the ``with`` block ends, so a stuck
app can never hang the suite.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyte

# Variables that would change how the app sees its terminal, whatever the test asked for.
_SCRUBBED = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM_PROGRAM", "COLORTERM")
_TRANSCRIPT_LIMIT = 16 * 2**20  # bytes of raw output kept for failure messages and searches
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")

KEYS: dict[str, bytes] = {
    "enter": b"\r",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "escape": b"\x1b",
    "backspace": b"\x7f",
    "space": b" ",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "home": b"\x1b[H",
    "end": b"\x1b[F",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "delete": b"\x1b[3~",
    "f1": b"\x1bOP",
    "colon": b":",
    "slash": b"/",
}


@dataclass(frozen=True)
class Mark:
    """A moment on screen: seconds since the spawn, and whether torch was loaded by then."""

    seconds: float
    torch_loaded: bool


class TerminalTimeout(AssertionError):
    """A wait ran out; the message carries the screen as it was and the process's state."""


def key_bytes(key: str) -> bytes:
    """What a terminal sends for a Textual key name (``q``, ``enter``, ``ctrl+p``, ``f1`` …)."""
    if key in KEYS:
        return KEYS[key]
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - 96])
    if len(key) == 1:
        return key.encode()
    raise ValueError(f"no terminal bytes known for key {key!r}")


def strip_ansi(text: str) -> str:
    """Raw terminal output without escape sequences (for searching a transcript)."""
    return _ANSI.sub("", text)


class Terminal:
    """Run ``argv`` on a pty of ``size`` (columns, rows) and emulate the screen it draws.

    Use as a context manager; the process group is killed on exit from the block::

        with Terminal([hfbrowse, folder], size=(120, 40), env={"NO_COLOR": "1"}) as term:
            term.wait_for_text("config.json")
            term.press("q")
            assert term.wait_exit() == 0
    """

    def __init__(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        size: tuple[int, int] = (120, 40),
        env: Mapping[str, str | None] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        term: str = "xterm-256color",
    ) -> None:
        self.argv = [os.fspath(a) for a in argv]
        self.columns, self.rows = size
        self.cwd = cwd
        self.env = self._environment(term, env or {})
        self.screen = pyte.Screen(self.columns, self.rows)
        self._stream = pyte.ByteStream(self.screen)
        self._cond = threading.Condition()
        self._transcript = bytearray()
        self._eof = False
        self._chunks = 0  # output chunks fed so far: lets a wait ask for a redraw after an input
        self._stop = threading.Event()
        self.proc: subprocess.Popen[bytes] | None = None
        self._watches: dict[str, Callable[[str], bool]] = {}
        self.marks: dict[str, Mark] = {}  # moments timed by mark_when()
        self.started_at = 0.0  # time.monotonic() just before spawning
        self._master = -1
        self._reader: threading.Thread | None = None

    @staticmethod
    def _environment(term: str, overrides: Mapping[str, str | None]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env = {k: v for k, v in env.items() if not k.startswith(("TEXTUAL_", "PYTEST_"))}
        env["TERM"] = term
        env.setdefault("LANG", "C.UTF-8")
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> Terminal:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Terminal:
        master, slave = os.openpty()
        self._set_winsize(slave)
        self._master = master
        self.started_at = time.monotonic()
        try:
            # Own session: its own process group, killed as one. No controlling terminal is
            # set (that needs a pre-exec hook, unsafe in a threaded test process), so resize()
            # sends SIGWINCH itself, as the kernel would.
            self.proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(slave)  # only the child holds it now: its exit gives us EOF
        self._reader = threading.Thread(target=self._read_loop, name="terminal-reader", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        """Kill the process group (if still alive), stop the reader, free the pty."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        elif self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # grandchildren left behind
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = -1

    def _read_loop(self) -> None:
        """Feed every byte the process writes to the emulator, as soon as it arrives."""
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._master, 1 << 16)
                arrived = time.monotonic()
            except (OSError, ValueError):
                data = b""  # EIO: every slave fd is closed, the process (group) is gone
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                if len(self._transcript) < _TRANSCRIPT_LIMIT:
                    self._transcript += data
                self._stream.feed(data)
                self._chunks += 1
                if self._watches:
                    self._check_watches(arrived)
                self._cond.notify_all()

    def _check_watches(self, arrived: float) -> None:
        """Time the moments asked for by :meth:`mark_when` (with the lock held)."""
        text = "\n".join(self._lines())
        for name, predicate in list(self._watches.items()):
            if predicate(text):
                del self._watches[name]
                self.marks[name] = Mark(arrived - self.started_at, self._torch_loaded())

    def _torch_loaded(self) -> bool:
        return self.uses_library("libtorch")

    # -- input -----------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Bytes as the terminal would send them, in one write (one read for the app)."""
        view = memoryview(data)
        while view:
            n = os.write(self._master, view)
            view = view[n:]

    def press(self, *keys: str) -> None:
        """Press keys one after another (each its own write). After ``escape``, wait for its
        effect before the next key: an escape followed at once by a byte is read as alt+key."""
        for key in keys:
            self.write(key_bytes(key))

    def type(self, text: str) -> None:
        """Type ``text`` in one burst, as a fast typist or a terminal's paste without
        bracketed-paste markers delivers it."""
        self.write(text.encode())

    def resize(self, columns: int, rows: int) -> None:
        """Change the terminal's size and tell the process (SIGWINCH), as a window resize does."""
        with self._cond:
            self.columns, self.rows = columns, rows
            self.screen.resize(rows, columns)
        self._set_winsize(self._master)
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGWINCH)

    def _set_winsize(self, fd: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))

    # -- output ----------------------------------------------------------------------------
    def screen_lines(self) -> list[str]:
        with self._cond:
            return self._lines()

    def _lines(self) -> list[str]:
        """The rows as text (call with the lock held). Not ``pyte.Screen.display``: it fails
        (IndexError) on the empty stub a wide character leaves when it is partly overdrawn;
        stubs are simply skipped here, so a wide character is one character of the row."""
        screen, columns = self.screen, self.columns
        rows = (screen.buffer[y] for y in range(screen.lines))
        return ["".join(row[x].data for x in range(columns)).rstrip() for row in rows]

    def screen_text(self) -> str:
        """The screen as text, one line per row, trailing blanks removed."""
        return "\n".join(self.screen_lines())

    def transcript(self) -> str:
        """Everything the process wrote, escape sequences removed (text drawn then overdrawn,
        and what was printed after the app left the alternate screen)."""
        with self._cond:
            raw = bytes(self._transcript)
        return strip_ansi(raw.decode("utf-8", "replace"))

    @property
    def output_chunks(self) -> int:
        """How many chunks of output have been drawn: pass to ``wait_for(after=…)``."""
        with self._cond:
            return self._chunks

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- timing ----------------------------------------------------------------------------
    def mark_when(self, name: str, predicate: Callable[[str], bool]) -> None:
        """Time the first screen on which ``predicate`` holds: seconds from the spawn to the
        arrival of the output chunk that drew it (checked after every chunk, in the reader, so
        a busy test thread does not delay it), and whether libtorch was mapped by then. Call
        before :meth:`start` to miss nothing."""
        with self._cond:
            self._watches[name] = predicate

    def wait_marks(self, *names: str, timeout: float = 60.0) -> dict[str, Mark]:
        """Wait until every named moment is marked; return the marks."""
        self.wait_for(
            lambda _: all(n in self.marks for n in names),
            timeout=timeout,
            what=" and ".join(names),
        )
        return {n: self.marks[n] for n in names}

    # -- waiting ---------------------------------------------------------------------------
    def wait_for(
        self,
        predicate: Callable[[str], bool],
        *,
        timeout: float = 30.0,
        what: str = "condition",
        after: int | None = None,
    ) -> str:
        """Wait until ``predicate(screen_text)`` holds (checked after each chunk of output);
        return that screen. ``after``: only screens drawn after that many chunks count.
        Fails at once if the process exits first, else after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if after is None or self._chunks > after:
                    text = "\n".join(self._lines())
                    if predicate(text):
                        return text
                if self._eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.25))
        if self._eof:
            with contextlib.suppress(subprocess.TimeoutExpired):
                if self.proc is not None:
                    self.proc.wait(timeout=2)  # so the message can give its exit status
            raise TerminalTimeout(self.describe(f"the terminal closed while waiting for {what}"))
        raise TerminalTimeout(self.describe(f"waited {timeout:.0f} s for {what}"))

    def wait_for_text(self, *texts: str, timeout: float = 30.0) -> str:
        """Wait until every one of ``texts`` is on the screen (each within one row)."""
        return self.wait_for(
            lambda screen: all(t in screen for t in texts),
            timeout=timeout,
            what=" and ".join(repr(t) for t in texts),
        )

    def wait_for_no_text(self, *texts: str, timeout: float = 30.0) -> str:
        """Wait until none of ``texts`` is on the screen."""
        return self.wait_for(
            lambda screen: not any(t in screen for t in texts),
            timeout=timeout,
            what="no " + " or ".join(repr(t) for t in texts),
        )

    def wait_exit(self, timeout: float = 10.0) -> int:
        """The exit status, once the process has exited; fails if it is still running."""
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TerminalTimeout(self.describe(f"still running {timeout:.1f} s later")) from None
        with self._cond:  # drain what it wrote last (a traceback) before the caller looks
            deadline = time.monotonic() + 2.0
            while not self._eof and time.monotonic() < deadline:
                self._cond.wait(0.05)
        return code

    def describe(self, problem: str) -> str:
        """A failure message: the problem, the command, the process state and the screen."""
        state = "not started"
        if self.proc is not None:
            code = self.proc.poll()
            state = "running" if code is None else f"exited with status {code}"
        elapsed = time.monotonic() - self.started_at
        tail = self.transcript()[-1500:]
        return (
            f"{problem}\ncommand: {' '.join(self.argv)}\nprocess: {state}, {elapsed:.1f} s after"
            f" start\n--- screen {self.columns}x{self.rows} ---\n{self.screen_text()}\n"
            f"--- end of screen; last output without escapes ---\n{tail}"
        )

    def uses_library(self, fragment: str) -> bool:
        """Whether the process has a shared library matching ``fragment`` mapped (``libtorch``):
        proof that a heavy import happened, without any hook in the app."""
        if self.proc is None:
            return False
        try:
            return fragment in Path(f"/proc/{self.proc.pid}/maps").read_text()
        except OSError:
            return False
