"""Messages that belong to no single widget. Widgets nest their own messages (``ModelsPane.
OpenRequested``, ``MainScreen._FactsLoaded`` …); what remains is the library-log line, posted
from any thread by the logging handler to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class LibraryLog(Message):
    level: str
    text: str
