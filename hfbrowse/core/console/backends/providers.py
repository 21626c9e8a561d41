"""Hugging Face Inference Providers (``--provider NAME|auto``): the opened Hub model, run by a
provider the Hub lists for it.

Which providers serve a model, for which task, comes from the Hub
(``model_info(id, expand=["inferenceProviderMapping"])``) and is shown when the backend is
chosen. Causal LMs mapped to ``conversational`` stream through the router's OpenAI-compatible
``/v1/chat/completions`` (``model="<id>:<provider>"``; ``auto`` lets the router choose), so
streaming, cancel and the snippet are the endpoint backend's. The other tasks go through
``huggingface_hub.InferenceClient(provider=…)``, which knows each provider's routes.

Needs the user's HF token (the router bills it) — sent to Hugging Face hosts only — and the
Hub: ``--offline`` refuses providers before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends import remote_outputs, remote_snippets
from hfbrowse.core.console.backends.base import (
    CAUSAL_LM,
    RemoteRun,
    RunContext,
    call_cancellable,
    check_served,
    generation_settings,
)
from hfbrowse.core.console.backends.hf_endpoint import (
    AUTO_MODEL,
    MASKED_LM,
    QA,
    SEQUENCES,
    TOKENS,
    mask_token_of,
)
from hfbrowse.core.console.backends.http import EndpointError, Http, authorization
from hfbrowse.core.console.backends.openai_endpoint import OpenAIEndpoint, OpenAIServer
from hfbrowse.core.console.backends.settings import PROVIDER, BackendSettings
from hfbrowse.core.console.chat import ChatMessage
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads.extractive_qa import MAX_ANSWER_TOKENS
from hfbrowse.core.console.heads.fill_mask import TOP_K
from hfbrowse.core.console.heads.sequence_classes import MULTI_LABEL
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, require_text, split_pair
from hfbrowse.core.console.results import HeadOutput, RunResult
from hfbrowse.core.errors import one_line
from hfbrowse.core.heads.registry import head_spec

if TYPE_CHECKING:
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.hub.gateway import HubGateway
    from hfbrowse.core.model import ModelFacts

ROUTER = "https://router.huggingface.co"
AUTO = "auto"
MAPPING_TIMEOUT_S = 10.0
# Provider task → the console head that runs it.
HEAD_OF_TASK = {
    "conversational": CAUSAL_LM,
    "text-generation": CAUSAL_LM,
    "fill-mask": MASKED_LM,
    "question-answering": QA,
    "token-classification": TOKENS,
    "text-classification": SEQUENCES,
    "feature-extraction": AUTO_MODEL,
    "sentence-similarity": AUTO_MODEL,
}


@dataclass(frozen=True)
class ProviderMapping:
    provider: str
    provider_id: str  # the model's name on the provider's side
    task: str
    status: str  # "live", "staging" or "error"


def mappings_from(info: Any) -> list[ProviderMapping]:
    found = getattr(info, "inference_provider_mapping", None) or []
    return [
        ProviderMapping(
            str(getattr(m, "provider", "")),
            str(getattr(m, "provider_id", "")),
            str(getattr(m, "task", "")),
            str(getattr(m, "status", "")),
        )
        for m in found
    ]


def describe_mappings(model: str, mappings: list[ProviderMapping]) -> str:
    if not mappings:
        return f"no Inference Provider serves {model} (the Hub lists none)"
    parts = [
        f"{m.provider} ({m.task}{'' if m.status == 'live' else ', ' + m.status})" for m in mappings
    ]
    return f"providers serving {model}: " + ", ".join(parts)


class ProvidersBackend:
    """The console on Inference Providers."""

    kind = PROVIDER

    def __init__(
        self,
        settings: BackendSettings,
        gateway: HubGateway,
        token: str | None,
        transport: Any = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.token = token
        self.name = settings.provider or AUTO
        self._mappings: dict[str, list[ProviderMapping]] = {}
        self._router = Http(
            ROUTER,
            authorization(ROUTER, None, token),
            settings.timeout_s,
            transport=transport,
        )

    def describe(self) -> str:
        return f"provider {self.name}"

    def refusal(self, head: str, chat: bool) -> str | None:
        if chat and head != CAUSAL_LM:
            return "chat mode runs a causal LM (AutoModelForCausalLM): /chat off for this head"
        return None

    def remarks(self, facts: ModelFacts) -> list[str]:
        if facts.ref.is_local:
            return [self._local(facts)]
        try:
            return [describe_mappings(facts.ref.id, self.mappings(facts))]
        except RunError as exc:
            return [str(exc)]

    def close(self) -> None:
        self._router.close()

    @staticmethod
    def _local(facts: ModelFacts) -> str:
        return (
            f"Inference Providers serve Hub models; {facts.ref.display_name} is a local folder:"
            " /backend in-process, or an --endpoint serving it"
        )

    def mappings(self, facts: ModelFacts) -> list[ProviderMapping]:
        """The Hub's list for the model on screen (asked once per model)."""
        model = facts.ref.id
        if model not in self._mappings:
            if self.gateway.offline:
                raise RunError("Inference Providers need the Hub, and this session is offline")
            api = self.gateway.api()
            try:
                info = api.model_info(
                    model, expand=["inferenceProviderMapping"], timeout=MAPPING_TIMEOUT_S
                )
            except Exception as exc:
                raise RunError(
                    f"cannot ask the Hub which providers serve {model}: {one_line(exc)}"
                ) from None
            self._mappings[model] = mappings_from(info)
        return self._mappings[model]

    def choose(self, facts: ModelFacts, head: str) -> ProviderMapping:
        """The mapping that runs ``head`` for the model on screen, or the one line why none."""
        mappings = self.mappings(facts)
        model = facts.ref.id
        if not mappings:
            raise RunError(f"no Inference Provider serves {model} (the Hub lists none)")
        named = [m for m in mappings if self.name in (AUTO, m.provider)]
        if not named:
            listed = ", ".join(sorted({m.provider for m in mappings}))
            raise RunError(f"{self.name} does not serve {model}; providers that do: {listed}")
        fitting = [m for m in named if HEAD_OF_TASK.get(m.task) == head]
        if not fitting:
            tasks = ", ".join(sorted({m.task for m in named}))
            who = "the providers" if self.name == AUTO else self.name
            raise RunError(
                f"{who} serve{'' if self.name == AUTO else 's'} {model} for {tasks} only;"
                f" {head_spec(head).task} needs an HF-protocol server or in-process"
            )
        live = [m for m in fitting if m.status == "live"]
        return (live or fitting)[0]

    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult:
        check_served(self, request)
        require_text(request.text)
        facts = ctx.facts
        if facts.ref.is_local:
            raise RunError(self._local(facts))
        if not self.token:
            raise RunError(
                "Inference Providers need your Hugging Face token: set HF_TOKEN"
                " (or run `hf auth login`)"
            )
        mapping = self.choose(facts, request.head)
        provider = mapping.provider if self.name != AUTO else AUTO
        if request.head == CAUSAL_LM and mapping.task == "conversational":
            return self._chat(request, ctx, hooks, mapping)
        if request.chat is not None:
            raise RunError(
                f"{mapping.provider} serves {facts.ref.id} for {mapping.task}, not chat:"
                " /chat off for plain completion"
            )
        frame = RemoteRun(request, self, facts.ref.id, f"provider {mapping.provider}")
        if mapping.status != "live":
            frame.notices.append(f"{mapping.provider} serves {facts.ref.id} as {mapping.status}")
        output, snippet = call_cancellable(
            lambda: self._task(request, facts, provider, mapping),
            hooks.cancel,
            f"the {mapping.provider} request",
        )
        return frame.finish(output, snippet)

    def _chat(
        self, request: RunRequest, ctx: RunContext, hooks: RunHooks, mapping: ProviderMapping
    ) -> RunResult:
        """Streamed through the router's OpenAI-compatible API (``<id>:<provider>``)."""
        from dataclasses import replace

        model = ctx.facts.ref.id + ("" if self.name == AUTO else f":{mapping.provider}")
        server = OpenAIServer(ROUTER, f"provider {mapping.provider}", (model,))
        chat = OpenAIEndpoint(
            self.settings,
            server,
            self._router,
            kind=PROVIDER,
            title=self.describe(),
            fixed_model=model,
            hf_router=True,
            where=f"provider {mapping.provider}",
        )
        if request.chat is None:
            request = replace(request, chat=(ChatMessage("user", request.text),))
            result = chat.run(request, ctx, hooks)
            note = (
                f"{mapping.provider} serves {ctx.facts.ref.id} as chat only: your text was sent"
                " as one user message"
            )
            return replace(result, notices=(note, *result.notices))
        return chat.run(request, ctx, hooks)

    def client(self, provider: str) -> Any:
        from huggingface_hub import InferenceClient

        return InferenceClient(
            provider=provider, api_key=self.token, timeout=self.settings.timeout_s
        )

    def _task(
        self, request: RunRequest, facts: ModelFacts, provider: str, mapping: ProviderMapping
    ) -> tuple[HeadOutput, str]:
        """One non-streamed task through InferenceClient, and its snippet."""
        client = self.client(provider)
        model = facts.ref.id
        text = request.text
        head = request.head
        header = remote_snippets.inference_client(
            provider=provider, timeout_s=self.settings.timeout_s, has_key=False
        )
        try:
            if head == MASKED_LM:
                sent, mask = remote_outputs.with_mask(text, mask_token_of(facts))
                answer = client.fill_mask(sent, model=model, top_k=TOP_K)
                args = {"text": sent, "model": model, "top_k": TOP_K}
                body = (
                    f"for candidate in {remote_snippets.call('client.fill_mask', args)}:\n"
                    '    print(candidate.token_str.strip(), f"{candidate.score:.4f}")\n'
                )
                return remote_outputs.fill_mask_output(sent, mask, list(answer)), header + body
            if head == QA:
                question, context = split_pair(text, "a question and its context")
                args = {"question": question, "context": context, "model": model}
                args["max_answer_len"] = MAX_ANSWER_TOKENS
                answer = client.question_answering(**args)
                body = (
                    f"answer = {remote_snippets.call('client.question_answering', args)}\n"
                    'print(repr(answer.answer), answer.start, answer.end, f"{answer.score:.4f}")\n'
                )
                return remote_outputs.answer_output(question, context, answer), header + body
            if head == TOKENS:
                args = {"text": text, "model": model}
                answer = client.token_classification(**args)
                body = (
                    f"for token in {remote_snippets.call('client.token_classification', args)}:\n"
                    "    label = token.entity or token.entity_group\n"
                    '    print(token.word, label, f"{token.score:.4f}", token.start, token.end)\n'
                )
                return remote_outputs.token_classes_output(text, list(answer)), header + body
            if head == SEQUENCES:
                if PAIR_SEPARATOR in text:
                    raise RunError("a sentence pair (a ||| b) runs in-process only")
                label2id = remote_outputs.label2id_of(facts.config)
                multi = facts.config.get("problem_type") == MULTI_LABEL
                args = {"text": text.strip(), "model": model, "top_k": len(label2id) or None}
                args = {k: v for k, v in args.items() if v is not None}
                answer = client.text_classification(**args)
                body = (
                    f"for label in {remote_snippets.call('client.text_classification', args)}:\n"
                    '    print(label.label, f"{label.score:.4f}")\n'
                )
                output = remote_outputs.sequence_classes_output(text, list(answer), label2id, multi)
                return output, header + body
            if head == AUTO_MODEL:
                texts = list(split_pair(text, "two texts")) if PAIR_SEPARATOR in text else [text]
                answers = [client.feature_extraction(t, model=model) for t in texts]
                body = (
                    f"for text in {texts!r}:\n"
                    f"    array = client.feature_extraction(text, model={model!r})\n"
                    "    print(array.shape, array.reshape(-1)[:6].round(4).tolist())\n"
                )
                return remote_outputs.features_output(texts, answers), header + body
            if head == CAUSAL_LM:  # a provider mapped for plain text-generation
                settings = generation_settings(request, facts)
                args = {"prompt": text, "model": model, "details": True}
                args["max_new_tokens"] = settings.max_new_tokens
                answer = client.text_generation(**args)
                from hfbrowse.core.console.heads.generate import GenerationOutput

                generate = remote_snippets.call("client.text_generation", args)
                body = f"print({generate}.generated_text)\n"
                details = getattr(answer, "details", None)
                output = GenerationOutput(
                    prompt=text,
                    text=str(getattr(answer, "generated_text", answer)),
                    new_tokens=int(getattr(details, "generated_tokens", 0) or 0),
                    stopped=False,
                    streamed=False,
                )
                return output, header + body
        except RunError:
            raise
        except Exception as exc:
            raise provider_error(exc, mapping.provider) from None
        raise RunError(f"{head_spec(head).task} is not served through Inference Providers")


def provider_error(exc: BaseException, provider: str) -> RunError:
    """A failed provider call as one line, with the server's own reason when it gave one."""
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None):
        from hfbrowse.core.console.backends.http import status_error

        return status_error(response, f"the {provider} request")
    names = {c.__name__ for c in type(exc).__mro__}
    if "InferenceTimeoutError" in names or "TimeoutException" in names:
        return EndpointError(f"{provider} did not answer in time (--timeout)")
    return RunError(f"{provider}: {one_line(exc)}")
