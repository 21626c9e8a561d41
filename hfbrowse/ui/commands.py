"""Command palette (ctrl+p): the screen's actions and every model in the models pane."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

ACTIONS = (
    ("Cycle head", "Show the next supported Auto head's source", "cycle_head"),
    ("Zoom focused pane", "Maximise / restore the focused pane", "zoom"),
    ("Search models", "Focus the models filter", "search"),
    ("Focus console", "Type input for the shown head", "focus_console"),
    ("Diff heads", "__init__/forward of the shown head next to another head (d)", "diff_heads"),
    (
        "Diff heads with another model…",
        "The shown head next to the same head of another Hub id or folder",
        "diff_heads_other_model",
    ),
    ("Diff config with…", "config.json next to another model's, changes marked (D)", "diff_config"),
    ("Show remote code", "The repo's own .py files (auto_map), read not run (r)", "remote_code"),
    ("Head compatibility", "Which heads load this checkpoint cleanly, from headers (k)", "compat"),
    ("Memory estimate", "Weights per precision, KV cache, free RAM/GPU (m)", "memory"),
    ("Group tensors by module", "Module tree with parameters per module (g)", "group_tensors"),
)


class HFBrowseCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        from hfbrowse.ui.screens.main import MainScreen

        screen = self.screen  # the screen the palette was opened over (app.screen is the palette)
        if not isinstance(screen, MainScreen):
            return []
        items: list[tuple[str, str, object]] = [
            (name, help_text, partial(screen.run_action, action))
            for name, help_text, action in ACTIONS
        ]
        items.append(("Help", "All keys", self.app.action_help))
        items.append(
            (
                "Library log",
                "Warnings from transformers / huggingface_hub",
                self.app.action_show_log,
            )
        )
        from hfbrowse.ui.panes.models import ModelsPane

        for ref in screen.query_one(ModelsPane).entries:
            items.append((f"Open {ref.display}", ref.id, partial(screen.open_model, ref)))
        return items

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
