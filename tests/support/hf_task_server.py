"""A test double of an HF-protocol inference server (Inference Endpoints' pipeline containers,
TGI, TEI) on 127.0.0.1, answering with huggingface_hub's own inference types.

Each fixture model is served under its own URL, ``/models/<fixture>[/<variant>]``, which is
what ``InferenceClient(model=URL)`` posts to. Answers are computed by running the real tiny
model in this process (hfbrowse's in-process heads, or transformers directly for hidden
states and token-by-token generation), then shaped as the Hub's types say:

- fill-mask: ``list[FillMaskOutputElement]`` (a list of such lists for several masks);
- question-answering: one ``QuestionAnsweringOutputElement``;
- token-classification: ``list[TokenClassificationOutputElement]`` ("O" tokens left out, as
  the pipeline's ``ignore_labels``); ``aggregation_strategy="simple"`` gives ``entity_group``s;
- text-classification: ``[[TextClassificationOutputElement, …]]`` (what InferenceClient reads);
- feature-extraction: variant ``3d`` (pipeline: batch × tokens × hidden), ``2d`` (tokens ×
  hidden), ``tei`` (TEI: ``[[pooled]]``, and ``GET /info`` with ``model_type.embedding``), ``1d``;
- text generation (variant ``tgi``): TGI's ``GET /info`` and server-sent
  ``TextGenerationStreamOutput`` events, greedy, one token per event, details at the end.

Every request is logged (method, path, headers, JSON body) so tests can check exactly what was
sent — e.g. that no Authorization header reached this host.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from huggingface_hub import (
    FillMaskOutputElement,
    QuestionAnsweringOutputElement,
    TextClassificationOutputElement,
    TokenClassificationOutputElement,
)

from hfbrowse.core.console.session import ModelSession
from tests.support.console import run_local


@dataclass
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HFTaskServer:
    models: dict[str, Path]  # fixture name → folder
    log: list[Logged] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)  # model → last generated text
    _server: ThreadingHTTPServer | None = None
    _sessions: dict[str, ModelSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, name: str, variant: str = "") -> str:
        return f"{self.base}/models/{name}" + (f"/{variant}" if variant else "")

    def start(self) -> HFTaskServer:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                double._log(self, None)
                double._get(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                double._log(self, body)
                double._post(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def clear_log(self) -> None:
        self.log.clear()

    # -- plumbing -------------------------------------------------------------------------------
    def _log(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self.log.append(Logged(handler.command, handler.path, headers, body))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, doc: Any) -> None:
        data = json.dumps(doc).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, path: str) -> tuple[str, str, str] | None:
        """``/models/<name>[/<variant>][/info]`` → (name, variant, rest)."""
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) < 2 or parts[0] != "models" or parts[1] not in self.models:
            return None
        rest = parts[2:]
        tail = rest.pop() if rest and rest[-1] == "info" else ""
        return parts[1], (rest[0] if rest else ""), tail

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        route = self._route(handler.path)
        if route is None or route[2] != "info":
            self._send(handler, 404, {"error": "Not Found"})
            return
        name, variant, _ = route
        if variant == "tgi":
            self._send(
                handler,
                200,
                {
                    "model_id": f"hfbrowse-test/{name}",
                    "model_pipeline_tag": "text-generation",
                    "max_input_tokens": 64,
                    "max_total_tokens": 128,
                    "router": "text-generation-router",
                },
            )
        elif variant == "tei":
            info = {"model_id": f"hfbrowse-test/{name}", "model_type": {"embedding": {}}}
            self._send(handler, 200, info)
        else:  # a pipeline container: no /info
            self._send(handler, 404, {"error": "Not Found"})

    def _post(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        route = self._route(handler.path)
        if route is None or route[2] or not isinstance(body, dict) or "inputs" not in body:
            self._send(handler, 404 if route is None else 400, {"error": "bad request"})
            return
        name, variant, _ = route
        try:
            with self._lock:
                if variant == "tgi":
                    self._stream_generation(handler, name, body)
                    return
                answer = self._answer(name, variant, body)
        except Exception as exc:  # the client sees a 500 with the reason, as a server would
            self._send(handler, 500, {"error": f"{type(exc).__name__}: {exc}"})
            return
        self._send(handler, 200, answer)

    # -- answers --------------------------------------------------------------------------------
    def _session(self, name: str) -> ModelSession:
        return self._sessions.setdefault(name, ModelSession())

    def _answer(self, name: str, variant: str, body: dict[str, Any]) -> Any:
        folder = self.models[name]
        inputs = body["inputs"]
        parameters = body.get("parameters") or {}
        head = _HEAD_OF[name]
        if head == "AutoModel":
            return _features(folder, inputs, variant)
        if head == "AutoModelForQuestionAnswering":
            text = f"{inputs['question']} ||| {inputs['context']}"
            out = run_local(self._session(name), folder, text, head).output
            return QuestionAnsweringOutputElement(
                answer=out.answer, score=out.score, start=out.start, end=out.end
            )
        out = run_local(self._session(name), folder, inputs, head).output
        if head == "AutoModelForMaskedLM":
            top_k = int(parameters.get("top_k") or 5)
            answers = [
                [
                    FillMaskOutputElement(
                        score=c.probability,
                        token=c.token_id,
                        token_str=c.token,
                        sequence=inputs.replace(out.mask_token, c.token, 1),
                    )
                    for c in mask.candidates[:top_k]
                ]
                for mask in out.masks
            ]
            return answers[0] if len(answers) == 1 else answers
        if head == "AutoModelForTokenClassification":
            if parameters.get("aggregation_strategy") == "simple":
                return [
                    TokenClassificationOutputElement(
                        entity_group=e.type,
                        score=e.probability,
                        word=e.text,
                        start=e.start,
                        end=e.end,
                    )
                    for e in out.entities
                ]
            return [
                TokenClassificationOutputElement(
                    entity=t.label, score=t.probability, word=t.token, start=t.start, end=t.end
                )
                for t in out.tokens
                if t.label != "O"
            ]
        if head == "AutoModelForSequenceClassification":
            top_k = int(parameters.get("top_k") or 1)
            return [
                [
                    TextClassificationOutputElement(label=s.label, score=s.probability)
                    for s in out.labels[:top_k]
                ]
            ]
        raise ValueError(f"no task for {name}")

    def _stream_generation(
        self, handler: BaseHTTPRequestHandler, name: str, body: dict[str, Any]
    ) -> None:
        """TGI's stream: one event per token (greedy), the last with details."""
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        folder = self.models[name]
        parameters = body.get("parameters") or {}
        seq2seq = _HEAD_OF[name] == "AutoModelForSeq2SeqLM"
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        auto = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
        model = auto.from_pretrained(str(folder)).eval()
        inputs = tokenizer(body["inputs"], return_tensors="pt")
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=int(parameters.get("max_new_tokens") or 20),
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
        start = 1 if seq2seq else inputs["input_ids"].shape[1]
        ids = output[0, start:].tolist()
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        texts = []
        special = set(tokenizer.all_special_ids)
        for i, token_id in enumerate(ids):
            text = tokenizer.decode([token_id])
            if token_id not in special:
                texts.append(text)
            last = i == len(ids) - 1
            event = {
                "index": i + 1,
                "token": {
                    "id": token_id,
                    "text": text,
                    "logprob": -1.0,
                    "special": token_id in special,
                },
                "generated_text": "".join(texts) if last else None,
                "details": (
                    {"finish_reason": "length", "generated_tokens": len(ids), "seed": None}
                    if last
                    else None
                ),
            }
            handler.wfile.write(f"data:{json.dumps(event)}\n\n".encode())
            handler.wfile.flush()
        self.generated[name] = "".join(texts)
        handler.close_connection = True


def _features(folder: Path, text: str, variant: str) -> Any:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder)).eval()
    with torch.inference_mode():
        hidden = model(**tokenizer(text, return_tensors="pt")).last_hidden_state  # 1, T, H
    if variant == "2d":
        return hidden[0].tolist()
    if variant == "tei":
        return hidden[0].mean(0, keepdim=True).tolist()
    if variant == "1d":
        return hidden[0].mean(0).tolist()
    return hidden.tolist()


_HEAD_OF = {
    "tiny-bert-mlm": "AutoModelForMaskedLM",
    "tiny-bert-qa": "AutoModelForQuestionAnswering",
    "tiny-bert-ner": "AutoModelForTokenClassification",
    "tiny-distilbert-sst": "AutoModelForSequenceClassification",
    "tiny-bert-base": "AutoModel",
    "tiny-gpt2": "AutoModelForCausalLM",
    "tiny-t5": "AutoModelForSeq2SeqLM",
}
