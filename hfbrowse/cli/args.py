"""The command line's arguments: the parser, and the checks made before anything is fetched.

Building the parser imports nothing but argparse and the light search constants, so
``hfbrowse --help`` answers at once.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from hfbrowse.cli.about import VersionAction, prog_name

if TYPE_CHECKING:
    from hfbrowse.core.console.backends.settings import BackendSettings


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog_name(),
        description="Understand a Hugging Face model from a terminal: config, tensors, head"
        " source, and a console that runs it.",
    )
    p.add_argument(
        "model", nargs="?", help="Hub id (gpt2, org/name), a local folder or a .gguf file"
    )
    p.add_argument("--revision", help="branch, tag or commit of a Hub model")
    p.add_argument(
        "--gguf", metavar="FILE", help="a GGUF file of MODEL's repo or folder (header only)"
    )
    p.add_argument("--head", help="Auto class to show/run, e.g. AutoModelForCausalLM or causallm")
    p.add_argument("--run", metavar="TEXT", help="run the console once on TEXT")
    p.add_argument("--device", help="device for the console: cpu, cuda, cuda:1, mps (default auto)")
    p.add_argument("--dtype", help="dtype for the console (default: the checkpoint's)")
    p.add_argument("--context", type=int, help="KV-cache context length for the memory estimate")
    p.add_argument("--batch", type=int, default=1, help="batch size for the memory estimate")
    p.add_argument("--offline", action="store_true", help="never use the network (HF cache only)")
    p.add_argument(
        "--trust-remote-code", action="store_true", help="allow a repo's own code to run"
    )
    p.add_argument("--demo", action="store_true", help="open built-in tiny demo models (offline)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--print", dest="print_text", action="store_true", help="print facts as text")
    out.add_argument("--json", dest="print_json", action="store_true", help="print facts as JSON")
    p.add_argument(
        "--yes", action="store_true", help="with --run --print/--json: load .bin or large models"
    )
    p.add_argument("--version", action=VersionAction)
    r = p.add_argument_group(
        "where the console runs (default: in this process)",
        "An OpenAI-compatible server (transformers serve, vLLM, SGLang), an HF-protocol server"
        " (TGI, TEI, Inference Endpoints) or Inference Providers run the shown head; or, in"
        " this process, accelerate spreads a big model over GPUs, CPU and disk.",
    )
    r.add_argument(
        "--endpoint", metavar="URL", help="an inference server's URL (or HFBROWSE_ENDPOINT)"
    )
    r.add_argument(
        "--endpoint-key",
        metavar="KEY",
        help="the endpoint's API key (or HFBROWSE_ENDPOINT_KEY); your HF token is sent only"
        " to Hugging Face hosts",
    )
    r.add_argument(
        "--provider", metavar="NAME", help="Inference Providers: a provider or auto (HF_TOKEN)"
    )
    r.add_argument(
        "--device-map", metavar="MAP", help="auto: spread the weights over GPUs, CPU, disk"
    )
    r.add_argument(
        "--max-memory", metavar="LIMITS", help="with --device-map: e.g. cuda:0=20GiB,cpu=64GiB"
    )
    r.add_argument(
        "--timeout",
        metavar="S",
        help="seconds to wait for an endpoint or provider to answer or go on streaming"
        " (default 60)",
    )
    r.add_argument(
        "--chat", action="store_true", help="console in chat mode (a model with a chat template)"
    )
    r.add_argument("--system", metavar="TEXT", help="the chat's system message")
    from hfbrowse.cli.search import add_search_arguments

    add_search_arguments(p)
    g = p.add_argument_group("reading code and config (with --print/--json)")
    g.add_argument("--diff-head", metavar="HEAD", help="diff the shown head's source with HEAD's")
    g.add_argument(
        "--diff-model", metavar="MODEL", help="diff with the same head of MODEL (id or folder)"
    )
    g.add_argument("--diff-config", metavar="MODEL", help="diff config.json with MODEL's")
    g.add_argument(
        "--explain-config", action="store_true", help="each config key: docs, type, default"
    )
    g.add_argument("--tokenize", metavar="TEXT", help="what TEXT becomes (tokenizer section)")
    g.add_argument(
        "--revisions", action="store_true", help="branches, tags and recent commits of a Hub model"
    )
    g.add_argument(
        "--family",
        action="store_true",
        help="the models derived from MODEL, by relation (finetune, adapter, quantized, merge;"
        " --limit per relation)",
    )
    g.add_argument(
        "--diff-revision",
        metavar="REV",
        help="diff config.json and the tensor table with revision REV (headers only)",
    )
    return p


def arguments_error(args: argparse.Namespace) -> str | None:
    """A one-line problem with the arguments, found before anything is fetched."""
    from hfbrowse.core.errors import UnsafeInput
    from hfbrowse.core.heads.registry import ALIAS_EXAMPLES, normalise_head
    from hfbrowse.core.safe_paths import check_revision

    try:
        check_revision(args.revision)  # it becomes a file name in the HF cache
    except UnsafeInput as exc:
        return f"--{exc}"
    if args.head is not None and normalise_head(args.head) is None:
        return f"unknown head {args.head!r}; try {ALIAS_EXAMPLES}"
    try:
        check_revision(args.diff_revision)
    except UnsafeInput as exc:
        return f"--diff-{exc}"
    flags = ("diff_head", "diff_model", "diff_config", "revisions", "diff_revision", "family")
    used = [f for f in flags if getattr(args, f, None)]
    if args.explain_config:
        used.append("explain_config")
    if args.tokenize is not None:
        used.append("tokenize")
    if used and not (args.print_text or args.print_json):
        flags = ", ".join("--" + f.replace("_", "-") for f in used)
        in_tui = "d, D, T, R, F and the config pane"
        return f"{flags}: only with --print or --json (in the TUI: {in_tui})"
    if args.gguf and not args.model:
        return "--gguf FILE needs a MODEL: the Hub id or folder that holds FILE"
    if args.diff_head is not None and normalise_head(args.diff_head) is None:
        return f"unknown head {args.diff_head!r}; try {ALIAS_EXAMPLES}"
    return None


def backend_settings(args: argparse.Namespace, env: dict[str, str]) -> BackendSettings:
    """Where console runs go, from the flags and the environment (BackendSettingsError: one
    line, before anything is fetched)."""
    from hfbrowse.core.console.backends.settings import settings_from

    return settings_from(
        endpoint=args.endpoint,
        endpoint_key=args.endpoint_key,
        provider=args.provider,
        device_map=args.device_map,
        max_memory=args.max_memory,
        timeout=args.timeout,
        offline=args.offline,
        env=env,
    )
