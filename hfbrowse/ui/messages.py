"""Messages that carry core results from thread workers to the screen that owns the state.

Each carries the ``token`` of the open request it answers: a result for a model (or head) that is
no longer selected is dropped by the receiver rather than drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from hfbrowse.core.checkpoint.tensors import TensorTable
from hfbrowse.core.errors import HFBrowseError
from hfbrowse.core.model import ModelFacts
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.core.source.classes import ClassSource


@dataclass
class FactsLoaded(Message):
    token: int
    facts: ModelFacts


@dataclass
class FactsFailed(Message):
    token: int
    ref: ModelRef
    error: HFBrowseError


@dataclass
class TensorsLoaded(Message):
    token: int
    table: TensorTable
    notice: str | None = None


@dataclass
class TensorsFailed(Message):
    token: int
    error: HFBrowseError
    fallback_pending: bool = False


@dataclass
class SourceLoaded(Message):
    token: int
    head: str | None
    source: ClassSource | None


@dataclass
class SourceFailed(Message):
    token: int
    head: str | None
    error: HFBrowseError


@dataclass
class LibraryLog(Message):
    level: str
    text: str
