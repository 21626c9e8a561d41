"""The one look of code on screen and in ``--print``: a syntax theme and how code is drawn."""

from __future__ import annotations

import hashlib

from rich.syntax import Syntax
from rich.text import Text

from hfbrowse.core.untrusted import printable

SYNTAX_THEME = "monokai"


def code(
    text: str,
    *,
    start_line: int = 1,
    line_numbers: bool = True,
    word_wrap: bool = False,
    lexer: str = "python",
) -> Syntax:
    """Highlighted code on the terminal's own background, indentation kept as written; control
    characters (a repo's own code is anyone's text) shown as escapes, never sent to the terminal."""
    return _HighlightedOnce(
        printable(text, keep_lines=True),
        lexer,
        theme=SYNTAX_THEME,
        line_numbers=line_numbers,
        start_line=start_line,
        word_wrap=word_wrap,
        background_color="default",
        dedent=False,
    )


class _HighlightedOnce(Syntax):
    """A Syntax that lexes its code once, and the same code once per installed Pygments.

    Rich lexes on every render, and Textual renders a widget's content once to measure its
    height and again to draw it (and again on each resize); the first lexing of a run also
    builds Pygments' Python lexer. For the source pane that was most of its first-frame cost.
    The tokens of a method are kept on disk (see ``derived_cache``), keyed by the code's hash
    and Pygments' version: the next launch shows the same source without lexing it.
    """

    _highlighted: tuple[object, Text] | None = None

    def highlight(self, code: str, line_range: tuple[int | None, int | None] | None = None) -> Text:
        key = (code, line_range)
        if self._highlighted is None or self._highlighted[0] != key:
            if line_range is None and not self._stylized_ranges:
                text = self._from_tokens(code)
            else:
                text = super().highlight(code, line_range)
            self._highlighted = (key, text)
        return self._highlighted[1].copy()  # callers trim and split what they get

    def _from_tokens(self, code: str) -> Text:
        """What ``Syntax.highlight`` makes, from the (remembered) tokens."""
        import pygments
        from pygments.token import string_to_tokentype

        from hfbrowse.core.source.derived_cache import remembered_by_content

        lexer_name = self._lexer if isinstance(self._lexer, str) else None
        if lexer_name is None:
            return super().highlight(code)
        digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        tokens = remembered_by_content(
            "tokens",
            f"{pygments.__version__}|{lexer_name}|{digest}",
            lambda: [(str(kind), token) for kind, token in self._lex(code)],
            encode=lambda pairs: pairs,
            decode=lambda doc: [(str(kind), str(token)) for kind, token in doc],
        )
        base_style = self._get_base_style()
        text = Text(
            justify="default" if base_style.transparent_background else "left",
            style=base_style,
            tab_size=self.tab_size,
            no_wrap=not self.word_wrap,
        )
        style_for = self._theme.get_style_for_token
        text.append_tokens((token, style_for(string_to_tokentype(kind))) for kind, token in tokens)
        if self.background_color is not None:
            text.stylize(f"on {self.background_color}")
        return text

    def _lex(self, code: str) -> list:
        lexer = self.lexer or self.default_lexer
        if lexer is None:
            from pygments.token import Token

            return [(Token.Text, code)]
        return list(lexer.get_tokens(code))
