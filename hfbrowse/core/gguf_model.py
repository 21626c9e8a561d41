"""Open one GGUF file of a folder or a Hub repo: its header facts, and what transformers makes
of it.

A Hub file is read by bounded ranged reads of its header (``hub/remote_headers``), never its
tensor data; a file already in the HF cache (or any file when offline) is read from disk. The
config transformers derives (``gguf_file=``) comes from transformers' own GGUF loader, which
needs torch: without torch that part says so in one line and the header facts still show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hfbrowse.core.checkpoint.gguf_file import GGUFInfo, file_of, read_local_gguf
from hfbrowse.core.errors import HFBrowseError, ModelNotFound, OfflineError, as_user_error
from hfbrowse.core.heads.resolve import HeadReport, resolve_heads
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.remote_headers import fetch_gguf_header
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.paths import GGUF_SUFFIX
from hfbrowse.core.safe_paths import check_repo_name
from hfbrowse.core.source.classes import ClassSource, class_source

if TYPE_CHECKING:
    from hfbrowse.core.model import ModelFacts


@dataclass(frozen=True)
class GGUFTarget:
    """Which GGUF file: a file of a local folder, or a path inside a Hub repo."""

    ref: ModelRef
    filename: str

    @property
    def display(self) -> str:
        return (
            f"{self.ref.display_name}/{self.filename}" if not self.ref.is_local else self.filename
        )


@dataclass(frozen=True)
class DerivedModel:
    """The config transformers derives from the GGUF metadata, and the heads it implies."""

    config: dict[str, Any]
    heads: HeadReport
    source: ClassSource | None = None  # __init__/forward of the recommended head (ast, no torch)


def gguf_target(model: str, gguf: str | None, revision: str | None = None) -> GGUFTarget | None:
    """The GGUF file the command line names, or None when it names none: ``FILE.gguf`` (a
    local file), or MODEL (a folder or a Hub id) with ``--gguf FILE``."""
    from hfbrowse.core.model_ref import parse_model_arg

    path = Path(model).expanduser()
    if model.endswith(GGUF_SUFFIX) and path.is_file():
        if gguf:
            raise ModelNotFound("--gguf names a file inside MODEL: give a folder or a Hub id.")
        resolved = path.resolve()
        return GGUFTarget(ModelRef("local", str(resolved.parent)), resolved.name)
    if not gguf:
        return None
    if not gguf.endswith(GGUF_SUFFIX):
        raise ModelNotFound(f"--gguf {gguf}: not a .gguf file name.")
    return GGUFTarget(parse_model_arg(model, revision), gguf)


def open_gguf(target: GGUFTarget, gateway: HubGateway) -> GGUFInfo:
    """The header facts: from disk (a folder, the HF cache) or by ranged Hub reads."""
    ref = target.ref
    if ref.is_local:
        path = Path(ref.id) / target.filename
        if not path.is_file():
            raise ModelNotFound(f"No such file: {path}")
        return read_local_gguf(path)
    check_repo_name(target.filename, f"the GGUF file of {ref.id}")  # it becomes a cache path
    cached = _cached(ref, target.filename)
    if cached is not None:
        return read_local_gguf(cached)
    info = gateway.online(
        ref,
        target.filename,
        lambda: fetch_gguf_header(
            ref.id,
            target.filename,
            revision=ref.revision,
            endpoint=gateway.endpoint,
            token=gateway.token,
        ),
    )
    if info is None:
        raise OfflineError(f"Offline, and {target.filename} of {ref.id} is not in the local cache.")
    return info


def gguf_files(names: list[str] | tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n.endswith(GGUF_SUFFIX))


def derive_with_transformers(info: GGUFInfo) -> DerivedModel | HFBrowseError:
    """transformers' reading of the same file (``load_gguf_checkpoint``, metadata only): the
    config it would build and the heads that config supports. Needs torch (transformers' GGUF
    loader refuses to run without it); a Hub file is read from its header's stand-in file."""
    from hfbrowse.core.torch_check import require_torch

    try:
        require_torch("transformers' reading of GGUF")
        from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

        with file_of(info) as path:
            config = dict(load_gguf_checkpoint(str(path), return_tensors=False)["config"])
    except Exception as exc:  # torch missing, an unsupported architecture …: one line
        return as_user_error(exc)
    config.setdefault("architectures", _architectures(config.get("model_type")))
    heads = resolve_heads(config)
    option = heads.option(heads.recommended)
    source = class_source(option.class_name, heads.model_type) if option else None
    return DerivedModel(config, heads, source)


def gguf_facts(
    target: GGUFTarget, info: GGUFInfo, derived: DerivedModel | HFBrowseError, offline: bool
) -> ModelFacts:
    """The GGUF file as the console sees a model: the config transformers derives (its heads),
    or, when it derives none, no head and the reason (the console says it in one line)."""
    from dataclasses import replace

    from hfbrowse.core.model import ModelFacts

    where = f"{target.filename} (GGUF)"
    if isinstance(derived, HFBrowseError):
        config = {"general.architecture": info.architecture}
        heads = replace(resolve_heads({}), reason=str(derived))
        return ModelFacts(target.ref, config, where, heads, None, offline)
    return ModelFacts(target.ref, derived.config, where, derived.heads, None, offline)


def _architectures(model_type: str | None) -> list[str]:
    """transformers' GGUF config has no ``architectures``: the family's CausalLM class (GGUF
    holds decoder LMs), read from the Auto tables without torch."""
    from hfbrowse.core.source.auto_tables import model_tables

    name = model_tables()["MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"].get(model_type or "")
    return [name] if name else []


def _cached(ref: ModelRef, filename: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(ref.id, filename, revision=ref.revision)
    return Path(found) if isinstance(found, str) else None
