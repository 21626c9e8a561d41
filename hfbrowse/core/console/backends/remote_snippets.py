"""The Python that repeats a remote run against the same server: OpenAI-client code for
OpenAI-compatible endpoints (and the Inference Providers router), ``InferenceClient`` code for
HF-protocol servers and providers.

Keys never appear in a snippet (it goes to the clipboard): the endpoint's key is read from
``HFBROWSE_ENDPOINT_KEY``, the HF token from ``HF_TOKEN``. An ``InferenceClient`` pointed at a
server that is not Hugging Face's is given ``headers={"authorization": None}``: without it,
huggingface_hub would send the user's HF token there (measured with huggingface_hub 2.4).
"""

from __future__ import annotations

import pprint
from typing import Any

from hfbrowse.core.console.backends.http import is_hugging_face_host
from hfbrowse.core.console.backends.settings import ENV_ENDPOINT_KEY


def literal(value: Any) -> str:
    return pprint.pformat(value, width=88, sort_dicts=False)


def call(function: str, args: dict[str, Any], indent: str = "") -> str:
    """``function(\\n    key=value,\\n)`` with each argument on its own line."""
    lines = [f"{indent}{function}("]
    for key, value in args.items():
        text = literal(value).replace("\n", "\n" + indent + "    ")
        lines.append(f"{indent}    {key}={text},")
    lines.append(f"{indent})")
    return "\n".join(lines)


def openai_client(base_url: str, timeout_s: float, *, hf_router: bool = False) -> str:
    """``client = OpenAI(...)`` for ``base_url`` (``…/v1``)."""
    if hf_router:
        key = 'os.environ["HF_TOKEN"]  # your Hugging Face token (Inference Providers)'
    else:
        key = f'os.environ.get("{ENV_ENDPOINT_KEY}", "none")  # the endpoint\'s key, if any'
    return (
        "import os\n\n"
        "from openai import OpenAI\n\n"
        "client = OpenAI(\n"
        f"    base_url={base_url!r},\n"
        f"    timeout={timeout_s!r},\n"
        f"    api_key={key}\n"
        ")\n"
    )


def inference_client(
    *, url: str | None = None, provider: str | None = None, timeout_s: float, has_key: bool
) -> str:
    """``client = InferenceClient(...)`` for an endpoint URL or a provider."""
    lines = ["import os", "", "from huggingface_hub import InferenceClient", ""]
    lines.append("client = InferenceClient(")
    if provider is not None:
        lines.append(f"    provider={provider!r},")
        lines.append('    api_key=os.environ["HF_TOKEN"],  # your Hugging Face token')
    else:
        lines.append(f"    model={url!r},")
        if has_key:
            lines.append(f'    api_key=os.environ["{ENV_ENDPOINT_KEY}"],  # the endpoint\'s key')
        elif url is not None and not is_hugging_face_host(url):
            lines.append(
                '    headers={"authorization": None},  # never send your HF token to this server'
            )
    lines.append(f"    timeout={timeout_s!r},")
    lines.append(")")
    return "\n".join(lines) + "\n"
