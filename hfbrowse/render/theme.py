"""The one look of code on screen and in ``--print``: a syntax theme and how code is drawn."""

from __future__ import annotations

from rich.syntax import Syntax

SYNTAX_THEME = "monokai"
# A special token wherever text shows one (the tokenizer view, a rendered chat template).
SPECIAL_TOKEN_STYLE = "bold white on #bf616a"


def code(
    text: str,
    *,
    start_line: int = 1,
    line_numbers: bool = True,
    word_wrap: bool = False,
    lexer: str = "python",
) -> Syntax:
    """Highlighted code on the terminal's own background, indentation kept as written."""
    return Syntax(
        text,
        lexer,
        theme=SYNTAX_THEME,
        line_numbers=line_numbers,
        start_line=start_line,
        word_wrap=word_wrap,
        background_color="default",
        dedent=False,
    )
