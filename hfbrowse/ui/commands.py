"""Command palette (ctrl+p): every model of the models list, to open by name.

The app's actions come from the key table through ``HFBrowseApp.get_system_commands``; this
provider adds the models. ``self.screen`` is the screen the palette was opened over.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ModelCommands(Provider):
    def _models(self) -> list[tuple[str, str, object]]:
        from hfbrowse.ui.screens.main import MainScreen

        screen = self.screen  # the screen the palette was opened over (app.screen is the palette)
        if not isinstance(screen, MainScreen):
            return []
        return [
            (f"Open {ref.display}", ref.id, partial(screen.open_model, ref))
            for ref in screen.model_entries()
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._models()[:20]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._models():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
