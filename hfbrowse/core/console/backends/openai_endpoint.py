"""An OpenAI-compatible endpoint (``transformers serve``, vLLM, SGLang, …; also the Inference
Providers router): CausalLM through streamed ``/v1/completions``, chat mode through
``/v1/chat/completions``, the features head through ``/v1/embeddings`` where the server has it.

``/v1/models`` says which model the server holds; requests name it exactly (a pinned
``transformers serve`` answers 400 to any other name), and when it is not the model on screen
the console says so with every result.

What transformers serve needs (measured, transformers 5.24): ``max_tokens`` always (without it,
1024, which crashes a 128-position model); ``temperature: 0`` decodes greedily; sampling only
through a ``generation_config`` JSON string (``do_sample``, ``top_k`` as fields get 422), which
replaces the model's generation config — so its special tokens are copied into it;
``frequency_penalty`` becomes ``repetition_penalty = 1 + frequency_penalty``. Other servers get
the portable fields only (``temperature``, ``top_p``, ``seed``), and a setting that cannot be
sent is said in a notice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends import remote_outputs, remote_snippets
from hfbrowse.core.console.backends.base import (
    CAUSAL_LM,
    RemoteRun,
    RunContext,
    check_served,
    generation_settings,
    local_folder,
    not_served,
    positions_of,
)
from hfbrowse.core.console.backends.http import EndpointError, Http, host_of
from hfbrowse.core.console.backends.settings import ENDPOINT, BackendSettings
from hfbrowse.core.console.backends.streaming import (
    Streamed,
    chat_piece,
    completion_piece,
    stream_text,
    usage_tokens,
)
from hfbrowse.core.console.chat import ChatMessage, NoChatTemplate, as_dicts, has_chat_template
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads.chat import ChatOutput
from hfbrowse.core.console.heads.generate import GenerationOutput, plan_settings
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, require_text, split_pair
from hfbrowse.core.console.results import RunResult
from hfbrowse.core.console.settings import GenerationSettings, read_generation_config

if TYPE_CHECKING:
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.model import ModelFacts

TRANSFORMERS_SERVE = "transformers serve"
AUTO_MODEL = "AutoModel"
_SPECIAL_TOKEN_KEYS = ("bos_token_id", "eos_token_id", "pad_token_id")


@dataclass(frozen=True)
class OpenAIServer:
    url: str  # base URL, without /v1
    flavour: str  # "transformers serve", "vLLM", "SGLang", "OpenAI-compatible", …
    models: tuple[str, ...]  # what /v1/models lists


def model_name_matches(served: str, facts: ModelFacts) -> bool:
    """A served name is the model on screen: the same id or path, or the same last path part
    (a Hub id served from its folder, a folder served under its path)."""
    shown = facts.ref.id.rstrip("/")
    served = served.rstrip("/")
    if served == shown:
        return True
    return PurePosixPath(served).name.lower() == PurePosixPath(shown).name.lower()


def pick_model(models: tuple[str, ...], facts: ModelFacts, where: str) -> tuple[str, str | None]:
    """The name to send, and a notice when the server holds another model than the one shown."""
    if not models:
        raise RunError(f"{where} lists no model in /v1/models: nothing to run")
    for name in models:
        if model_name_matches(name, facts):
            return name, None
    others = ", ".join(models[:3]) + (" …" if len(models) > 3 else "")
    return models[0], (
        f"{where} serves {others}, not {facts.ref.display_name} (the model on screen):"
        f" this result is {models[0]}'s"
    )


class OpenAIEndpoint:
    """The console on an OpenAI-compatible server."""

    def __init__(
        self,
        settings: BackendSettings,
        server: OpenAIServer,
        http: Http,
        *,
        kind: str = ENDPOINT,
        title: str | None = None,
        fixed_model: str | None = None,
        hf_router: bool = False,
        where: str = "this endpoint",
    ) -> None:
        self.settings = settings
        self.server = server
        self.http = http
        self.kind = kind
        self.title = title  # the console title's words, when another backend owns this one
        self.fixed_model = fixed_model  # sent as is (TGI; the Providers router's id:provider)
        self.hf_router = hf_router  # the snippet reads HF_TOKEN (Inference Providers)
        self.where = where
        self.embeddings: bool | None = None  # learnt on the first /v1/embeddings call

    # -- what it is and serves -----------------------------------------------------------------
    def describe(self) -> str:
        if self.title is not None:
            return self.title
        models = self.server.models
        name = models[0] if len(models) == 1 else f"{len(models)} models"
        return f"endpoint {host_of(self.server.url)} · {self.server.flavour} · {name}"

    def refusal(self, head: str, chat: bool) -> str | None:
        if head == CAUSAL_LM:
            return None
        if chat:
            return "chat mode runs a causal LM (AutoModelForCausalLM): /chat off for this head"
        if head == AUTO_MODEL and self.embeddings is not False:
            return None
        serves = "text generation" + (" and embeddings" if self.embeddings else "")
        return not_served(self.where, serves, head)

    def remarks(self, facts: ModelFacts) -> list[str]:
        if self.fixed_model is not None:
            return []
        _, notice = pick_model(self.server.models, facts, self.where)
        return [notice] if notice else []

    def close(self) -> None:
        self.http.close()

    # -- running -------------------------------------------------------------------------------
    def model_for(self, facts: ModelFacts) -> tuple[str, str | None]:
        if self.fixed_model is not None:
            return self.fixed_model, None
        return pick_model(self.server.models, facts, self.where)

    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult:
        check_served(self, request)
        require_text(request.text)
        model, notice = self.model_for(ctx.facts)
        frame = RemoteRun(request, self, model, self.server.flavour)
        if notice:
            frame.notices.append(notice)
        if request.head == AUTO_MODEL:
            return self._embed(request, frame, model)
        settings = self._settings(request, ctx.facts, frame, same=notice is None)
        if request.chat is not None:
            return self._chat(request, ctx.facts, hooks, frame, model, settings, notice is None)
        return self._complete(request, ctx.facts, hooks, frame, model, settings)

    def _settings(
        self, request: RunRequest, facts: ModelFacts, frame: RemoteRun, same: bool
    ) -> GenerationSettings:
        settings = generation_settings(request, facts)
        limit = positions_of(facts.config) if same else None
        return plan_settings(settings, limit, False, frame.notices)

    def sampling(
        self, settings: GenerationSettings, facts: ModelFacts, notices: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(OpenAI fields, fields outside the OpenAI API) that carry ``settings``."""
        if self.server.flavour == TRANSFORMERS_SERVE:
            return self._transformers_serve_sampling(settings, facts)
        fields: dict[str, Any] = {
            "temperature": settings.temperature if settings.do_sample else 0.0
        }
        if settings.do_sample:
            fields |= {"top_p": settings.top_p, "seed": settings.seed}
        if settings.repetition_penalty != 1.0:
            notices.append(
                f"repetition_penalty={settings.repetition_penalty:g} is not an OpenAI API field:"
                " not sent to this server"
            )
        return fields, {}

    def _transformers_serve_sampling(
        self, settings: GenerationSettings, facts: ModelFacts
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if not settings.do_sample:
            fields: dict[str, Any] = {"temperature": 0.0}
            if settings.repetition_penalty != 1.0:  # served as repetition_penalty = 1 + this
                fields["frequency_penalty"] = round(settings.repetition_penalty - 1.0, 6)
            return fields, {}
        model_config = read_generation_config(local_folder(facts)) or {}
        config = {k: model_config[k] for k in _SPECIAL_TOKEN_KEYS if k in model_config}
        config |= {
            "do_sample": True,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "repetition_penalty": settings.repetition_penalty,
            "max_new_tokens": settings.max_new_tokens,
        }
        return {"seed": settings.seed}, {"generation_config": json.dumps(config)}

    def _complete(
        self,
        request: RunRequest,
        facts: ModelFacts,
        hooks: RunHooks,
        frame: RemoteRun,
        model: str,
        settings: GenerationSettings,
    ) -> RunResult:
        fields, extra = self.sampling(settings, facts, frame.notices)
        args = {"model": model, "prompt": request.text, "max_tokens": settings.max_new_tokens}
        args |= {"stream": True, **fields}
        snippet = self.completion_snippet(args, extra)

        def output(done: Streamed) -> GenerationOutput:
            return GenerationOutput(
                prompt=request.text,
                text=done.text,
                new_tokens=done.new_tokens,
                stopped=done.stopped,
                streamed=True,
                settings=_settings_dict(settings),
            )

        done = stream_text(
            self.http,
            "/v1/completions",
            args | extra,
            completion_piece,
            hooks,
            frame,
            "the completion",
            output,
            snippet,
            usage_tokens,
        )
        return frame.finish(output(done), snippet)

    def _chat(
        self,
        request: RunRequest,
        facts: ModelFacts,
        hooks: RunHooks,
        frame: RemoteRun,
        model: str,
        settings: GenerationSettings,
        same: bool,
    ) -> RunResult:
        if same and has_chat_template(local_folder(facts)) is False:
            raise NoChatTemplate
        messages = request.chat or (ChatMessage("user", request.text),)
        fields, extra = self.sampling(settings, facts, frame.notices)
        args = {"model": model, "messages": as_dicts(messages)}
        args |= {"max_tokens": settings.max_new_tokens, "stream": True, **fields}
        snippet = self.chat_snippet(args, extra)
        prompt = json.dumps(as_dicts(messages), indent=1, ensure_ascii=False)

        def output(done: Streamed) -> ChatOutput:
            return ChatOutput(
                messages=tuple(as_dicts(messages)),
                reply=done.text,
                prompt=prompt,
                new_tokens=done.new_tokens,
                stopped=done.stopped,
                streamed=True,
                settings=_settings_dict(settings),
            )

        try:
            done = stream_text(
                self.http,
                "/v1/chat/completions",
                args | extra,
                chat_piece,
                hooks,
                frame,
                "the chat completion",
                output,
                snippet,
                usage_tokens,
            )
        except EndpointError as exc:
            if exc.status == 500 and self.server.flavour == TRANSFORMERS_SERVE:
                raise EndpointError(
                    f"{exc} — transformers serve answers 500 when the model has no chat"
                    " template: /chat off for plain completion",
                    500,
                ) from None
            raise
        return frame.finish(output(done), snippet)

    def _embed(self, request: RunRequest, frame: RemoteRun, model: str) -> RunResult:
        text = request.text
        texts = list(split_pair(text, "two texts")) if PAIR_SEPARATOR in text else [text.strip()]
        try:
            answer = self.http.post_json(
                "/v1/embeddings", {"model": model, "input": texts}, "/v1/embeddings"
            )
        except EndpointError as exc:
            if exc.status in (404, 405):
                self.embeddings = False
                raise RunError(not_served(self.where, "text generation", AUTO_MODEL)) from None
            raise
        self.embeddings = True
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != len(texts):
            raise RunError(f"{host_of(self.server.url)}: /v1/embeddings answered no vectors")
        data = sorted(data, key=lambda item: item.get("index", 0))
        vectors = [item.get("embedding") for item in data]
        output = remote_outputs.features_output(texts, vectors)
        return frame.finish(output, self.embeddings_snippet(model, texts))

    # -- snippets ------------------------------------------------------------------------------
    def client_code(self) -> str:
        return remote_snippets.openai_client(
            self.server.url + "/v1", self.settings.timeout_s, hf_router=self.hf_router
        )

    def completion_snippet(self, args: dict[str, Any], extra: dict[str, Any]) -> str:
        create = remote_snippets.call("client.completions.create", _with_extra(args, extra))
        return (
            f"{self.client_code()}\nstream = {create}\n"
            "for chunk in stream:\n"
            "    if chunk.choices:\n"
            '        print(chunk.choices[0].text, end="", flush=True)\n'
            "print()\n"
        )

    def chat_snippet(self, args: dict[str, Any], extra: dict[str, Any]) -> str:
        create = remote_snippets.call("client.chat.completions.create", _with_extra(args, extra))
        return (
            f"{self.client_code()}\nstream = {create}\n"
            "for chunk in stream:\n"
            "    if chunk.choices and chunk.choices[0].delta.content:\n"
            '        print(chunk.choices[0].delta.content, end="", flush=True)\n'
            "print()\n"
        )

    def embeddings_snippet(self, model: str, texts: list[str]) -> str:
        create = remote_snippets.call("client.embeddings.create", {"model": model, "input": texts})
        cosine = (
            "a, b = vectors\n"
            "cosine = sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))\n"
            'print(f"cosine {cosine:.4f}")\n'
            if len(texts) == 2
            else ""
        )
        return (
            f"{self.client_code()}\n\ndef norm(v):\n    return sum(x * x for x in v) ** 0.5\n\n\n"
            f"response = {create}\n"
            "vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]\n"
            "for vector in vectors:\n"
            '    print(len(vector), f"{norm(vector):.4f}", [round(v, 4) for v in vector[:6]])\n'
            f"{cosine}"
        )


def _with_extra(args: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return args | ({"extra_body": extra} if extra else {})


def _settings_dict(settings: GenerationSettings) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(settings)
