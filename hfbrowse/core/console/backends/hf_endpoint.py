"""An HF-protocol endpoint (TGI, TEI, Inference Endpoints): the protocol
``huggingface_hub.InferenceClient(model=URL)`` speaks — ``POST URL`` with ``{"inputs": …,
"parameters": …}`` — for text generation (streamed, with details), fill-mask, extractive QA,
token and text classification, and feature extraction.

The requests are the ones InferenceClient builds (same payloads, same parsing types), sent on
this package's own HTTP client: finite timeouts, a cancel that closes the connection, no HF
token to a host that is not Hugging Face's, and no refusal under ``--offline`` for a server on
this machine (huggingface_hub's own session refuses even 127.0.0.1 when offline). The snippet
is the InferenceClient call itself, and the tests run it against the same server.

What the server is comes from ``GET /info``: TGI (``model_pipeline_tag``, text generation;
chat through its ``/v1/chat/completions``), TEI (``model_type``: embedding or classifier), or
an endpoint without ``/info`` (a pipeline container), which is asked for whatever head is shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends import remote_outputs, remote_snippets
from hfbrowse.core.console.backends.base import (
    CAUSAL_LM,
    SEQ2SEQ,
    RemoteRun,
    RunContext,
    check_served,
    generation_settings,
    local_folder,
    not_served,
    positions_of,
)
from hfbrowse.core.console.backends.http import Http, host_of
from hfbrowse.core.console.backends.openai_endpoint import (
    OpenAIEndpoint,
    OpenAIServer,
    model_name_matches,
)
from hfbrowse.core.console.backends.settings import ENDPOINT, BackendSettings
from hfbrowse.core.console.backends.streaming import Streamed, stream_text, tgi_piece, tgi_tokens
from hfbrowse.core.console.errors import RunError
from hfbrowse.core.console.heads.extractive_qa import MAX_ANSWER_TOKENS
from hfbrowse.core.console.heads.fill_mask import TOP_K
from hfbrowse.core.console.heads.generate import GenerationOutput, plan_settings
from hfbrowse.core.console.heads.sequence_classes import MULTI_LABEL
from hfbrowse.core.console.inputs import PAIR_SEPARATOR, require_text, split_pair
from hfbrowse.core.console.results import HeadOutput, RunResult
from hfbrowse.core.console.settings import GenerationSettings

if TYPE_CHECKING:
    from hfbrowse.core.console.runner import RunHooks, RunRequest
    from hfbrowse.core.model import ModelFacts

AUTO_MODEL = "AutoModel"
MASKED_LM = "AutoModelForMaskedLM"
QA = "AutoModelForQuestionAnswering"
TOKENS = "AutoModelForTokenClassification"
SEQUENCES = "AutoModelForSequenceClassification"
GENERATION_HEADS = frozenset({CAUSAL_LM, SEQ2SEQ})
TASK_OF_HEAD = {
    CAUSAL_LM: "text-generation",
    SEQ2SEQ: "text-generation",
    MASKED_LM: "fill-mask",
    QA: "question-answering",
    TOKENS: "token-classification",
    SEQUENCES: "text-classification",
    AUTO_MODEL: "feature-extraction",
}


@dataclass(frozen=True)
class HFServer:
    url: str
    flavour: str  # "TGI", "TEI" or "HF protocol" (no /info)
    model_id: str | None  # from /info
    heads: frozenset[str] | None  # what it serves; None: not known (asked per head)
    serves: str = ""  # those heads in words, for the refusal line


def server_from_info(url: str, info: Any) -> HFServer:
    """``GET /info``'s answer → what the server is (None/odd answers: an unknown HF server)."""
    if not isinstance(info, dict):
        return HFServer(url, "HF protocol", None, None)
    model_id = info.get("model_id") if isinstance(info.get("model_id"), str) else None
    model_type = info.get("model_type")
    if isinstance(model_type, dict):  # TEI
        if "classifier" in model_type:
            return HFServer(url, "TEI", model_id, frozenset({SEQUENCES}), "text classification")
        if "embedding" in model_type:
            return HFServer(url, "TEI", model_id, frozenset({AUTO_MODEL}), "embeddings")
        return HFServer(url, "TEI", model_id, frozenset(), "reranking")
    if "max_input_tokens" in info or "model_pipeline_tag" in info or "router" in info:
        return HFServer(url, "TGI", model_id, GENERATION_HEADS, "text generation")
    return HFServer(url, "HF protocol", model_id, None)


class HFEndpoint:
    """The console on a TGI / TEI / Inference Endpoints server."""

    kind = ENDPOINT

    def __init__(self, settings: BackendSettings, server: HFServer, http: Http) -> None:
        self.settings = settings
        self.server = server
        self.http = http
        self.where = "this endpoint"
        name = server.model_id or "tgi"  # TGI's Messages API answers whatever name is sent
        self._chat = OpenAIEndpoint(
            settings,
            OpenAIServer(server.url, server.flavour, (name,)),
            http,
            title=self.describe(),
            fixed_model=name,
        )

    def describe(self) -> str:
        model = f" · {self.server.model_id}" if self.server.model_id else ""
        return f"endpoint {host_of(self.server.url)} · {self.server.flavour}{model}"

    def refusal(self, head: str, chat: bool) -> str | None:
        if chat and head != CAUSAL_LM:
            return "chat mode runs a causal LM (AutoModelForCausalLM): /chat off for this head"
        heads = self.server.heads
        if heads is None or head in heads:
            return None
        return not_served(f"{self.where} ({self.server.flavour})", self.server.serves, head)

    def remarks(self, facts: ModelFacts) -> list[str]:
        served = self.server.model_id
        if served and not model_name_matches(served, facts):
            return [
                f"{self.where} serves {served}, not {facts.ref.display_name} (the model on"
                f" screen): results are {served}'s"
            ]
        return []

    def close(self) -> None:
        self.http.close()

    # -- running -------------------------------------------------------------------------------
    def run(self, request: RunRequest, ctx: RunContext, hooks: RunHooks) -> RunResult:
        check_served(self, request)
        require_text(request.text)
        if request.chat is not None:
            return self._chat.run(request, ctx, hooks)
        frame = RemoteRun(
            request, self, self.server.model_id or self.server.url, self.server.flavour
        )
        frame.notices.extend(self.remarks(ctx.facts))
        head = request.head
        if head in GENERATION_HEADS:
            return self._generate(request, ctx.facts, hooks, frame)
        runners = {
            MASKED_LM: self._fill_mask,
            QA: self._question_answering,
            TOKENS: self._token_classification,
            SEQUENCES: self._text_classification,
            AUTO_MODEL: self._feature_extraction,
        }
        output, snippet = runners[head](request.text, ctx.facts)
        return frame.finish(output, snippet)

    def post(self, inputs: Any, parameters: dict[str, Any], task: str) -> Any:
        """The request InferenceClient sends for ``task`` (None parameters left out)."""
        payload = {"inputs": inputs, "parameters": _no_none(parameters)}
        return self.http.post_json("", payload, task)

    def client_code(self) -> str:
        return remote_snippets.inference_client(
            url=self.server.url,
            timeout_s=self.settings.timeout_s,
            has_key=bool(self.settings.endpoint_key),
        )

    def _generate(
        self, request: RunRequest, facts: ModelFacts, hooks: RunHooks, frame: RemoteRun
    ) -> RunResult:
        seq2seq = request.head == SEQ2SEQ
        settings = generation_settings(request, facts)
        same = not self.remarks(facts)
        settings = plan_settings(
            settings, positions_of(facts.config) if same else None, seq2seq, frame.notices
        )
        parameters = tgi_parameters(settings, frame.notices)
        payload = {"inputs": request.text, "parameters": parameters, "stream": True}
        snippet = self.generation_snippet(request.text, parameters)

        def output(done: Streamed) -> GenerationOutput:
            from dataclasses import asdict

            return GenerationOutput(
                prompt=request.text,
                text=done.text,
                new_tokens=done.new_tokens,
                stopped=done.stopped,
                streamed=True,
                settings=asdict(settings),
                continuation=not seq2seq,
            )

        done = stream_text(
            self.http,
            "",
            payload,
            tgi_piece,
            hooks,
            frame,
            "text generation",
            output,
            snippet,
            tgi_tokens,
        )
        return frame.finish(output(done), snippet)

    def generation_snippet(self, text: str, parameters: dict[str, Any]) -> str:
        args = {"prompt": text, **parameters, "stream": True}
        call = remote_snippets.call("client.text_generation", args)
        return (
            f"{self.client_code()}\nfor chunk in {call}:\n"
            "    if not chunk.token.special:\n"
            '        print(chunk.token.text, end="", flush=True)\n'
            "print()\n"
        )

    def _fill_mask(self, text: str, facts: ModelFacts) -> tuple[HeadOutput, str]:
        sent, mask = remote_outputs.with_mask(text, mask_token_of(facts))
        answer = self.post(sent, {"top_k": TOP_K}, "fill-mask")
        output = remote_outputs.fill_mask_output(sent, mask, answer)
        call = remote_snippets.call("client.fill_mask", {"text": sent, "top_k": TOP_K})
        snippet = (
            f"{self.client_code()}\nfor candidate in {call}:\n"
            '    print(candidate.token_str.strip(), f"{candidate.score:.4f}")\n'
        )
        return output, snippet

    def _question_answering(self, text: str, facts: ModelFacts) -> tuple[HeadOutput, str]:
        question, context = split_pair(text, "a question and its context, e.g. Who? ||| context")
        parameters = {"max_answer_len": MAX_ANSWER_TOKENS}
        answer = self.post({"question": question, "context": context}, parameters, "QA")
        output = remote_outputs.answer_output(question, context, answer)
        args = {"question": question, "context": context, **parameters}
        answer_call = remote_snippets.call("client.question_answering", args)
        snippet = (
            f"{self.client_code()}\nanswer = {answer_call}\n"
            'print(repr(answer.answer), answer.start, answer.end, f"{answer.score:.4f}")\n'
        )
        return output, snippet

    def _token_classification(self, text: str, facts: ModelFacts) -> tuple[HeadOutput, str]:
        parameters = {"aggregation_strategy": "none"}
        answer = self.post(text, parameters, "token classification")
        output = remote_outputs.token_classes_output(text, answer)
        args = {"text": text, **parameters}
        snippet = (
            f"{self.client_code()}\n"
            f"for token in {remote_snippets.call('client.token_classification', args)}:\n"
            "    label = token.entity or token.entity_group\n"
            '    print(token.word, label, f"{token.score:.4f}", token.start, token.end)\n'
        )
        return output, snippet

    def _text_classification(self, text: str, facts: ModelFacts) -> tuple[HeadOutput, str]:
        if PAIR_SEPARATOR in text:
            raise RunError(
                "a sentence pair (a ||| b) runs in-process only: the HF text-classification"
                " API takes one text"
            )
        config = facts.config
        label2id = remote_outputs.label2id_of(config)
        multi = config.get("problem_type") == MULTI_LABEL
        parameters: dict[str, Any] = {"top_k": len(label2id) or None}
        if multi:
            parameters["function_to_apply"] = "sigmoid"
        answer = self.post(text.strip(), parameters, "text classification")
        output = remote_outputs.sequence_classes_output(text, answer, label2id, multi)
        args = {"text": text.strip(), **_no_none(parameters)}
        snippet = (
            f"{self.client_code()}\n"
            f"for label in {remote_snippets.call('client.text_classification', args)}:\n"
            '    print(label.label, f"{label.score:.4f}")\n'
        )
        return output, snippet

    def _feature_extraction(self, text: str, facts: ModelFacts) -> tuple[HeadOutput, str]:
        texts = list(split_pair(text, "two texts")) if PAIR_SEPARATOR in text else [text.strip()]
        answers = [self.post(item, {}, "feature extraction") for item in texts]
        output = remote_outputs.features_output(texts, answers)
        snippet = (
            f"{self.client_code()}\nimport numpy as np\n\n"
            f"texts = {texts!r}\n"
            "vectors = []\n"
            "for text in texts:\n"
            "    array = client.feature_extraction(text)  # 1-D, 2-D or 3-D: see below\n"
            "    if array.ndim == 3:  # batch, tokens, hidden: mean over tokens\n"
            "        vector = array[0].mean(0)\n"
            "    elif array.ndim == 2:  # one pooled vector per input, or one per token\n"
            "        vector = array[0] if array.shape[0] == 1 else array.mean(0)\n"
            "    else:\n"
            "        vector = array\n"
            "    vectors.append(vector)\n"
            "    first = vector[:6].round(4).tolist()\n"
            '    print(array.shape, f"{np.linalg.norm(vector):.4f}", first)\n'
            + (
                "a, b = vectors\n"
                'print(f"cosine {np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)):.4f}")\n'
                if len(texts) == 2
                else ""
            )
        )
        return output, snippet


def tgi_parameters(settings: GenerationSettings, notices: list[str]) -> dict[str, Any]:
    """``text_generation``'s parameters for ``settings``: TGI refuses ``top_p`` outside (0, 1)
    and a temperature with greedy decoding, so only what changes the decoding is sent."""
    parameters: dict[str, Any] = {
        "details": True,
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": settings.do_sample,
    }
    if settings.do_sample:
        if settings.temperature != 1.0:
            parameters["temperature"] = settings.temperature
        if 0 < settings.top_p < 1:
            parameters["top_p"] = settings.top_p
        parameters["seed"] = settings.seed
    if settings.repetition_penalty != 1.0:
        parameters["repetition_penalty"] = settings.repetition_penalty
    if settings.num_beams > 1:
        notices.append(
            f"num_beams={settings.num_beams}: the endpoint streams greedy or sampled tokens,"
            " not beam search"
        )
    return parameters


def mask_token_of(facts: ModelFacts) -> str | None:
    """The model's mask token from its tokenizer files, when they are here to read."""
    folder: Path | None = local_folder(facts)
    if folder is None:
        return None
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        try:
            doc = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        mask = doc.get("mask_token") if isinstance(doc, dict) else None
        if isinstance(mask, dict):
            mask = mask.get("content")
        if isinstance(mask, str) and mask:
            return mask
    return None


def _no_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
