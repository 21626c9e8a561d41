"""The backend settings → a backend: in-process at once; an endpoint after probing which
protocol it speaks; Inference Providers with the user's token.

Probing an endpoint (worker paths only: it is network): ``GET /info`` answers on TGI and TEI
(HF protocol); ``GET /v1/models`` on OpenAI-compatible servers (which model they hold);
neither: an HF-protocol server without ``/info`` (an Inference Endpoints pipeline container),
asked per head. A server that does not answer at all is one line at once (refused connections
fail in milliseconds; the connect timeout bounds the rest).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from hfbrowse.core.console.backends.hf_endpoint import HFEndpoint, server_from_info
from hfbrowse.core.console.backends.http import (
    PROBE_TIMEOUT_S,
    EndpointError,
    Http,
    authorization,
)
from hfbrowse.core.console.backends.in_process import InProcessBackend
from hfbrowse.core.console.backends.openai_endpoint import (
    TRANSFORMERS_SERVE,
    OpenAIEndpoint,
    OpenAIServer,
)
from hfbrowse.core.console.backends.providers import ProvidersBackend
from hfbrowse.core.console.backends.settings import IN_PROCESS, PROVIDER, BackendSettings

if TYPE_CHECKING:
    from hfbrowse.core.console.backends.base import Backend
    from hfbrowse.core.hub.gateway import HubGateway

# /v1/models' ``owned_by`` → the server's name, where servers say it.
OWNERS = {"vllm": "vLLM", "sglang": "SGLang", "llamacpp": "llama.cpp", "tgi": "TGI"}


def hf_token(gateway: HubGateway | None) -> str | None:
    """The user's HF token (HF_TOKEN, or the one ``hf auth login`` stored)."""
    if gateway is not None and gateway.token:
        return gateway.token
    token = os.environ.get("HF_TOKEN")
    if token:
        return token
    try:
        from huggingface_hub import get_token

        return get_token()
    except Exception:
        return None


def choose_backend(
    settings: BackendSettings, gateway: HubGateway | None, transport: Any = None
) -> Backend:
    """The backend for ``settings`` (probing an endpoint: network, worker paths only)."""
    if settings.kind == IN_PROCESS:
        return InProcessBackend(settings)
    if settings.kind == PROVIDER:
        if gateway is None:
            from hfbrowse.core.hub.gateway import HubGateway

            gateway = HubGateway.from_env(offline=settings.offline)
        return ProvidersBackend(settings, gateway, hf_token(gateway), transport)
    return probe_endpoint(settings, hf_token(gateway), transport)


def probe_endpoint(settings: BackendSettings, token: str | None, transport: Any = None) -> Backend:
    url = settings.endpoint or ""
    http = Http(
        url, authorization(url, settings.endpoint_key, token), settings.timeout_s, transport
    )
    info = _answer(http, "/info")
    if isinstance(info, dict) and ("model_type" in info or "max_input_tokens" in info):
        return HFEndpoint(settings, server_from_info(url, info), http)
    listed = _answer(http, "/v1/models")
    models = _model_ids(listed)
    if models is not None:
        return OpenAIEndpoint(settings, OpenAIServer(url, _flavour(http, listed), models), http)
    return HFEndpoint(settings, server_from_info(url, info), http)


def _answer(http: Http, path: str) -> Any:
    """The JSON at ``path``, or None when the server has no such route (a server that does not
    answer at all raises its one line)."""
    try:
        return http.get_json(path, path, min(http.timeout_s, PROBE_TIMEOUT_S))
    except EndpointError as exc:
        if exc.status is None:
            raise
        return None


def _model_ids(listed: Any) -> tuple[str, ...] | None:
    data = listed.get("data") if isinstance(listed, dict) else None
    if not isinstance(data, list):
        return None
    return tuple(str(m["id"]) for m in data if isinstance(m, dict) and m.get("id"))


def _flavour(http: Http, listed: Any) -> str:
    owners = {
        str(m.get("owned_by", "")).lower() for m in listed.get("data", []) if isinstance(m, dict)
    }
    for owner in owners:
        if owner in OWNERS:
            return OWNERS[owner]
    health = _answer(http, "/health")
    if isinstance(health, dict) and health.get("status") == "ok":
        return TRANSFORMERS_SERVE  # its /health answers {"status": "ok"}; vLLM/TGI: empty
    return "OpenAI-compatible"
