"""Generation settings: defaults from the model's generation_config, changed with ``/set k=v``.

Every setting is passed to ``generate`` explicitly (by the console and by its snippet), so a
run never depends on defaults hidden in a config the user has not seen.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from hfbrowse.core.console.errors import SettingsError
from hfbrowse.core.model_ref import ModelRef

DEFAULT_MAX_NEW_TOKENS = 50
SEQ2SEQ_DEFAULT_BEAMS = 4  # like translation/summarization checkpoints
_LIMITS: dict[str, tuple[float, float]] = {
    "max_new_tokens": (1, 4096),
    "temperature": (1e-4, 100.0),
    "top_p": (1e-4, 1.0),
    "repetition_penalty": (1e-4, 100.0),
    "num_beams": (1, 32),
    "seed": (0, 2**32 - 1),
}
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    num_beams: int = 1
    seed: int = 0  # torch.manual_seed before sampling, so a sampled run can be reproduced

    def generate_kwargs(self) -> dict[str, Any]:
        """What ``model.generate`` receives (the seed is applied separately)."""
        doc = asdict(self)
        doc.pop("seed")
        return doc

    def line(self) -> str:
        """``max_new_tokens=50 do_sample=False …`` for the console's settings line."""
        return " ".join(f"{k}={_show(v)}" for k, v in asdict(self).items())

    @property
    def streams(self) -> bool:
        """transformers streams greedy and sampled decoding, not beam search."""
        return self.num_beams == 1


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_keys() -> tuple[str, ...]:
    return tuple(f.name for f in fields(GenerationSettings))


def defaults_for(head: str, generation_config: dict[str, Any] | None) -> GenerationSettings:
    """The model's own generation defaults where its generation_config has them."""
    gen = generation_config or {}
    seq2seq = head == "AutoModelForSeq2SeqLM"
    max_new = gen.get("max_new_tokens")
    if not isinstance(max_new, int) and seq2seq and isinstance(gen.get("max_length"), int):
        max_new = gen["max_length"]  # the decoder starts empty: max_length bounds new tokens
    beams = gen.get("num_beams")
    if not isinstance(beams, int) or beams < 1:
        beams = 1
    if seq2seq and beams == 1 and not gen.get("do_sample"):
        beams = SEQ2SEQ_DEFAULT_BEAMS
    base = GenerationSettings()
    values: dict[str, Any] = {
        "max_new_tokens": max_new if isinstance(max_new, int) and max_new > 0 else None,
        "do_sample": gen.get("do_sample"),
        "temperature": gen.get("temperature"),
        "top_p": gen.get("top_p"),
        "repetition_penalty": gen.get("repetition_penalty"),
        "num_beams": beams,
    }
    clean = {}
    for key, value in values.items():
        if value is None:
            continue
        try:
            clean[key] = _coerce(key, value)
        except SettingsError:
            continue  # an odd value in a model's config falls back to the console default
    return replace(base, **clean)


def model_folder(ref: ModelRef) -> Path | None:
    """Where the model's small files can be read without a request: its folder, or the HF
    cache's snapshot (None when it was never downloaded)."""
    if ref.is_local:
        return Path(ref.id)
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(ref.id, "config.json", revision=ref.revision)
    except Exception:
        return None
    return Path(cached).parent if isinstance(cached, str) else None


def read_generation_config(folder: Path | None) -> dict[str, Any] | None:
    """generation_config.json of a local (or cached) folder, when it has one."""
    if folder is None:
        return None
    path = folder / "generation_config.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def parse_assignment(text: str) -> tuple[str, Any]:
    """``temperature=0.7`` → ``("temperature", 0.7)``; raise SettingsError with the reason."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SettingsError(f"/set needs key=value, e.g. /set max_new_tokens=40 (keys: {_keys()})")
    if key not in settings_keys():
        raise SettingsError(f"unknown setting {key!r}; keys: {_keys()}")
    return key, _coerce(key, raw.strip())


def apply_overrides(defaults: GenerationSettings, overrides: dict[str, Any]) -> GenerationSettings:
    return replace(defaults, **{k: v for k, v in overrides.items() if k in settings_keys()})


def _keys() -> str:
    return ", ".join(settings_keys())


def _coerce(key: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(GenerationSettings)}[key]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError
        number = float(value) if kind == "float" else int(str(value).strip())
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be {_article(kind)}, not {value!r}") from None
    low, high = _LIMITS[key]
    if not low <= number <= high:
        raise SettingsError(f"{key} must be between {low:g} and {high:g}, not {value}")
    return number


def _article(kind: str) -> str:
    return {"bool": "true or false", "int": "a whole number", "float": "a number"}[kind]
