"""The tokenizer view (T) and the chat-template view (C) from the main screen."""

from __future__ import annotations

import itertools

from hfbrowse.ui.screens.chat_template import ChatTemplateScreen
from hfbrowse.ui.screens.tokenizer import TokenizerScreen
from tests.support.ui import open_app, plain, settle, text_of, wait_until


async def _open(pilot, app, key: str, kind: type) -> None:
    await settle(pilot, rounds=4, step=0.05, idle=0.2)
    app.screen.set_focus(None)  # single-letter keys act when no text box has focus
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, kind))
    await settle(pilot)


async def test_tokenizer_view_retokenises_as_you_type(fixtures):
    app = open_app(fixtures["tiny-bert-mlm"])
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app, "T", TokenizerScreen)
        screen = app.screen
        await wait_until(pilot, lambda: screen.tokenization is not None)
        assert "WordPiece" in text_of(app, "#tok-status")
        info = text_of(app, "#tok-info")
        assert "1,000" in info and "padding side" in info and "cls_token=[CLS]" in info
        box = screen.query_one("#tok-input")
        box.value = ""
        await pilot.press(*"hello world")
        await pilot.pause()
        tokens = screen.tokenization.tokens
        assert next(t.token for t in tokens) == "[CLS]" and tokens[-1].special
        assert text_of(app, "#tok-status").startswith(f"{len(tokens)} tokens")
        shown = text_of(app, "#tok-tokens")
        assert "⟨[CLS]⟩" in shown and " ".join(str(t.id) for t in tokens) in shown
        # alternating styles: neighbouring ordinary tokens never share a background
        styled = screen.query_one("#tok-tokens").content
        spans = [s for s in styled.spans if "8fbcbb" in str(s.style) or "ebcb8b" in str(s.style)]
        assert all(a.style != b.style for a, b in itertools.pairwise(spans) if a.end == b.start)
        await pilot.press("escape")
        assert not isinstance(app.screen, TokenizerScreen)


async def test_chat_template_view_cycles_named_templates(chat_models):
    app = open_app(chat_models["chat-named"])
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app, "C", ChatTemplateScreen)
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.rendered))
        assert text_of(app, "#chat-status").startswith("[default] · tool_use")
        content = plain(screen.query_one("#chat-content").content)
        assert "<|im_start|>assistant" in content and "add_generation_prompt" in content
        await pilot.press("n")
        assert text_of(app, "#chat-status").startswith("default · [tool_use]")
        assert "TOOLS" in plain(screen.query_one("#chat-content").content)


async def test_chat_template_view_without_template_and_with_a_loop(fixtures, chat_models):
    app = open_app(fixtures["tiny-bert-mlm"])
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, "C", ChatTemplateScreen)
        assert text_of(app, "#chat-status").startswith("no chat template")
    app = open_app(chat_models["chat-loops"])
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, "C", ChatTemplateScreen)
        await wait_until(pilot, lambda: bool(app.screen.rendered), timeout=30)
        content = plain(app.screen.query_one("#chat-content").content)
        assert content.count("error: the template ran over 2 s: stopped") == 2
