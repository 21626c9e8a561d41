"""A misbehaving OpenAI-compatible server on 127.0.0.1, for the errors a real one is hard to
make on demand: slow to answer, stalling mid-stream, 4xx/5xx/429 with a reason, a connection
reset before answering. Each test sets ``script`` (what the next requests get); every request
is logged with its headers.

Streams are server-sent events shaped as OpenAI's (and transformers serve's) completion chunks.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "double/model"


@dataclass
class Step:
    """What one request gets."""

    status: int = 200
    body: Any = None  # JSON for a plain answer
    headers: dict[str, str] = field(default_factory=dict)
    pieces: tuple[str, ...] = ()  # streamed completion text, one event each
    delay_s: float = 0.0  # before the status line (a slow server)
    stall_s: float = 0.0  # after the pieces, before ending (a stalled stream)
    reset: bool = False  # close the connection without answering


@dataclass
class OpenAIDouble:
    script: list[Step] = field(default_factory=list)  # consumed first to last; then 200 pieces
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    health: Any = None  # GET /health's JSON (None: an empty 200, as vLLM)
    bodies: list[tuple[str, Any]] = field(default_factory=list)  # each POST's path and JSON
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OpenAIDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                double.log.append(
                    ("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                if self.path == "/v1/models":
                    double._json(
                        self, 200, {"object": "list", "data": [{"id": MODEL, "owned_by": "me"}]}
                    )
                elif self.path == "/health":
                    double._json(self, 200, double.health if double.health is not None else "")
                else:
                    double._json(self, 404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                double.log.append(
                    ("POST", self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    double.bodies.append((self.path, json.loads(raw) if raw else None))
                except ValueError:
                    double.bodies.append((self.path, raw))
                step = double.script.pop(0) if double.script else Step(pieces=("a", "b"))
                double._answer(self, step)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @staticmethod
    def _json(handler: BaseHTTPRequestHandler, status: int, doc: Any, headers=None) -> None:
        data = json.dumps(doc).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, handler: BaseHTTPRequestHandler, step: Step) -> None:
        if step.reset:
            handler.close_connection = True
            handler.connection.close()
            return
        time.sleep(step.delay_s)
        if step.status != 200 or step.body is not None:
            self._json(handler, step.status, step.body, step.headers)
            return
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        for piece in step.pieces:
            chunk = {"object": "text_completion", "choices": [{"index": 0, "text": piece}]}
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            handler.wfile.flush()
        if step.stall_s:
            time.sleep(step.stall_s)
        handler.close_connection = True
