"""config.json explained for any model: by transformers' built-in config class, or — for a repo
with its own code (``auto_map``) — by that repo's config class, read as text and never run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from hfbrowse.core.config.class_docs import class_docs_from_file
from hfbrowse.core.config.keys import ConfigExplanation, explain_config, explain_with
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.remote_code import RemoteCode, load_remote_code


def explain_remote_config(remote: RemoteCode, config: dict[str, Any]) -> ConfigExplanation | None:
    """config.json explained by the repo's own config class (``auto_map["AutoConfig"]``)."""
    found = remote.entry_for("AutoConfig")
    file = remote.file(found.file) if found and found.file else None
    if file is None or file.path is None:
        return None
    docs = class_docs_from_file(Path(file.path), found.entry.class_name)
    if docs is None:
        return None
    code = tuple((f.name, f.text) for f in remote.files if f.text)
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    return replace(explain_with(docs, config, model_type, code), remote=True)


def explain_model_config(
    ref: ModelRef, config: dict[str, Any], gateway: Any, siblings: tuple[str, ...] = ()
) -> ConfigExplanation:
    """Keys explained by the built-in config class, else by the repo's own one (read as text)."""
    explanation = explain_config(config)
    if explanation.config_class is None and isinstance(config.get("auto_map"), dict):
        remote = load_remote_code(ref, config, gateway, siblings)
        found = explain_remote_config(remote, config) if remote else None
        if found is not None:
            return found
    return explanation
