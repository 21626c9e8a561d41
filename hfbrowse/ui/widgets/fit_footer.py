"""A footer that shows whole keys only: what does not fit the width is left out, never cut.

Textual's footer lays every shown key side by side and crops the line at the terminal's edge,
so at 120 columns with the models list focused it ended in ``q Q`` and at 80 the diff screen
lost ``o``. This one keeps the app's own keys (``f1 Help``, ``q Quit``) and then as many of the
others as fit, in their order (the focused widget's first, then the screen's); F1 lists them all.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

GAP = 1  # between two keys in the compact footer


class FitFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)  # ctrl+p: listed in F1
        self._width = 0

    def key_width(self, binding: Binding) -> int:
        """Cells one key takes in the compact footer: ``key description`` and a gap."""
        display = self.app.get_key_display(binding)
        return len(display) + (1 + len(binding.description) if binding.description else 0) + GAP

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._width = width
        shown: dict[str, tuple[Binding, bool, str, bool]] = {}
        for namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled, tooltip, namespace is self.app)
        entries = list(shown.values())
        room = width - sum(self.key_width(b) for b, _, _, is_app in entries if is_app)
        kept = []
        for binding, enabled, tooltip, is_app in entries:
            if not is_app:
                room -= self.key_width(binding)
                if room < 0:
                    continue
            kept.append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(kept)
        for binding, enabled, tooltip in kept:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)

    def on_resize(self) -> None:
        if self._bindings_ready and self.size.width != self._width:
            self.call_after_refresh(self.recompose)
