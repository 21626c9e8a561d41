"""An opened adapter measured against its base model: modules touched, parameters added.

One function both front ends call (the TUI's adapter view in a worker, ``--print/--json``'s
``adapter`` section): the base is opened by the same stages as any model — config, then the
safetensors headers, or its head on the meta device where it ships none — so its module paths
and parameter count cost no weight bytes. When the base cannot be read (offline, gated, a path
that no longer exists) the adapter's own facts still stand and ``base_error`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hfbrowse.core.adapters import AdapterConfig, ModuleMatch, match_modules
from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.errors import HFBrowseError, MalformedConfig, as_user_error
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model import ModelFacts, load_checkpoint, load_facts
from hfbrowse.core.model_ref import ModelRef, parse_model_arg

if TYPE_CHECKING:
    from hfbrowse.core.source.init_lines import InitLine


@dataclass(frozen=True)
class AdapterReport:
    config: AdapterConfig
    table: TensorTable | None  # the adapter's own tensors (headers)
    base_ref: ModelRef | None
    base_parameters: int | None
    base_source: str | None  # where the base's count comes from (headers / meta device)
    match: ModuleMatch | None  # None when the base's modules are unknown
    base_error: str | None  # why the base could not be read
    # touched module → the base's ``__init__`` line that creates it (absent: not found)
    init_lines: dict[str, InitLine] = field(default_factory=dict)

    @property
    def added_parameters(self) -> int | None:
        return self.table.parameters if self.table is not None else None

    @property
    def added_percent(self) -> float | None:
        """Parameters the adapter adds, as a percentage of the base's."""
        if self.added_parameters is None or not self.base_parameters:
            return None
        return 100.0 * self.added_parameters / self.base_parameters


def base_ref_of(config: AdapterConfig) -> ModelRef:
    """The base model as a reference (a Hub id or a folder); MalformedConfig when there is none
    or it names neither."""
    if not config.base_model:
        raise MalformedConfig("adapter_config.json names no base_model_name_or_path.")
    try:
        return parse_model_arg(config.base_model)
    except HFBrowseError as exc:
        raise MalformedConfig(f"adapter_config.json: base model {exc}") from None


def inspect_adapter(
    facts: ModelFacts, table: TensorTable | None, gateway: HubGateway
) -> AdapterReport:
    """The adapter against its base (never raises for a base that cannot be read)."""
    config = facts.adapter
    if config is None:
        raise HFBrowseError(f"{facts.ref.display} is not an adapter (no adapter_config.json).")
    try:
        base_ref = base_ref_of(config)
    except HFBrowseError as exc:
        return AdapterReport(config, table, None, None, None, None, str(exc))
    try:
        base = load_facts(base_ref, gateway)
        checkpoint = load_checkpoint(base, gateway, base.heads.shown(None))
    except Exception as exc:
        error = f"base model {base_ref.display} cannot be read: {as_user_error(exc)}"
        return AdapterReport(config, table, base_ref, None, None, None, error)
    if checkpoint.table is None:
        error = f"base model {base_ref.display}: {checkpoint.error or 'no tensor table'}"
        return AdapterReport(config, table, base_ref, checkpoint.parameters, None, None, error)
    match = None
    if table is not None:
        match = match_modules(table, [r.name for r in checkpoint.table.rows])
    option = base.heads.option(base.heads.shown(None))
    return AdapterReport(
        config,
        table,
        base_ref,
        checkpoint.parameters,
        checkpoint.table.source,
        match,
        None,
        touched_init_lines(match, option.class_name if option else None, base.model_type),
    )


def touched_init_lines(
    match: ModuleMatch | None, class_name: str | None, model_type: str | None
) -> dict[str, InitLine]:
    """Each touched module's ``__init__`` line in the base's head class (the module tree's
    ``init_line``, read with ``ast``: no torch); layers repeat the same line, looked up once
    per pattern. A module the source does not resolve is left out, never guessed."""
    if match is None or class_name is None:
        return {}
    import re

    from hfbrowse.core.source.init_lines import init_line

    out: dict[str, InitLine] = {}
    by_pattern: dict[str, InitLine | None] = {}
    for touched in match.touched:
        pattern = re.sub(r"\.\d+(?=\.|$)", ".*", touched.module)
        if pattern not in by_pattern:
            try:
                by_pattern[pattern] = init_line(f"{touched.module}.weight", class_name, model_type)
            except Exception:  # source not readable: the view shows the module without it
                by_pattern[pattern] = None
        found = by_pattern[pattern]
        if found is not None:
            out[touched.module] = found
    return out


def init_text(found: InitLine) -> str:
    """``GPT2Attention.__init__ L123: self.c_attn = Conv1D(...)`` — one line per module."""
    from hfbrowse.core.untrusted import printable

    approx = "" if found.exact else "~"
    return f"{approx}{found.class_name}.__init__ L{found.line}: {printable(found.text)}"


def adapter_lines(report: AdapterReport, modules_shown: int = 12) -> list[str]:
    """The adapter as plain lines: ``--print`` and the TUI's adapter view both show these."""
    from hfbrowse.core.formatting import human_count

    c = report.config
    out = [f"method: {c.method}" + (f"  task: {c.task_type}" if c.task_type else "")]
    knobs = []
    if c.rank is not None:
        knobs.append(f"rank r={c.rank}")
    if c.alpha is not None:
        knobs.append(f"lora_alpha={c.alpha:g}")
    if c.scaling is not None:
        knobs.append(f"scaling alpha/r={c.scaling:g}")
    if c.dropout is not None:
        knobs.append(f"dropout={c.dropout:g}")
    if knobs:
        out.append("  ".join(knobs))
    out.append(f"target modules: {', '.join(c.target_modules) or '—'}")
    if c.modules_to_save:
        out.append(f"modules saved whole: {', '.join(c.modules_to_save)}")
    out.append(f"base model: {c.base_model or '—'}")
    added = report.added_parameters
    if added is not None:
        share = ""
        if report.added_percent is not None:
            share = (
                f" = {report.added_percent:.3g}% of the base's"
                f" {human_count(report.base_parameters)} ({report.base_source})"
            )
        out.append(f"parameters added: {added:,}{share}")
    if report.base_error:
        out.append(f"base: {report.base_error}")
    match = report.match
    if match is not None:
        n = len(match.touched)
        out.append(f"base modules touched: {n}")
        for t in match.touched[:modules_shown]:
            out.append(f"  {t.module}  ({len(t.tensors)} tensors, {t.parameters:,} params)")
            if (found := report.init_lines.get(t.module)) is not None:
                out.append(f"    {init_text(found)}")
        if n > modules_shown:
            out.append(f"  … and {n - modules_shown} more")
        if match.unmatched:
            shown = ", ".join(match.unmatched[:3])
            more = f" and {len(match.unmatched) - 3} more" if len(match.unmatched) > 3 else ""
            out.append(
                f"warning: {len(match.unmatched)} adapter module path(s) name no module of the"
                f" base: {shown}{more}"
            )
    return out
