"""The one look of code on screen and in ``--print``: a syntax theme and how code is drawn."""

from __future__ import annotations

from rich.syntax import Syntax

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
    return Syntax(
        printable(text, keep_lines=True),
        lexer,
        theme=SYNTAX_THEME,
        line_numbers=line_numbers,
        start_line=start_line,
        word_wrap=word_wrap,
        background_color="default",
        dedent=False,
    )
