"""Snapshots of the GGUF view, the tokenizer view and the chat-template view at 120x40, 80x24.

The HF cache is emptied first: the models list behind each view shows cached repos.
"""

from __future__ import annotations

import pytest

from hfbrowse.core.gguf_model import GGUFTarget
from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.screens.gguf import GGUFScreen
from tests.support.ui import new_app, open_app, settle, wait_until

SIZES = [(120, 40), (80, 24)]


@pytest.mark.torch  # the derived-config line says what transformers makes of the file
@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_gguf_view(snap_compare, gguf_folder, clean_cache, size):
    target = GGUFTarget(ModelRef("local", str(gguf_folder)), "tiny-q.gguf")
    app = new_app(gateway=HubGateway(offline=True), gguf=target)

    async def run_before(pilot):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, GGUFScreen))
        await settle(pilot, idle=0.2)
        await wait_until(pilot, lambda: pilot.app.screen.derived is not None)
        await settle(pilot, idle=0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def _open_view(pilot, key: str, kind: type, ready) -> None:
    await settle(pilot, rounds=4, step=0.05, idle=0.2)
    pilot.app.screen.set_focus(None)
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await wait_until(pilot, lambda: ready(pilot.app.screen))
    await settle(pilot, idle=0.2)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_tokenizer_view(snap_compare, fixtures, clean_cache, size):
    from hfbrowse.ui.screens.tokenizer import TokenizerScreen

    async def run_before(pilot):
        await _open_view(pilot, "T", TokenizerScreen, lambda s: s.tokenization is not None)

    app = open_app(fixtures["tiny-bert-mlm"])
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_chat_template_view(snap_compare, chat_models, clean_cache, size):
    from hfbrowse.ui.screens.chat_template import ChatTemplateScreen

    async def run_before(pilot):
        await _open_view(pilot, "C", ChatTemplateScreen, lambda s: bool(s.rendered))

    app = open_app(chat_models["chat-jinja"])
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.torch  # the GGUF view around it shows what transformers derives
@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_gguf_tokenizer_view(snap_compare, run_gguf_folder, clean_cache, size):
    """T in the GGUF view: the tokenizer rebuilt from ``tokenizer.ggml.*``."""
    from tests.support.gguf_files import RUN_GGUF

    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target)

    async def run_before(pilot):
        from hfbrowse.ui.screens.tokenizer import TokenizerScreen

        await wait_until(pilot, lambda: isinstance(pilot.app.screen, GGUFScreen))
        await wait_until(pilot, lambda: pilot.app.screen.info is not None)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TokenizerScreen))
        await wait_until(pilot, lambda: pilot.app.screen.tokenization is not None)
        await settle(pilot, idle=0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.torch  # the head comes from the config transformers derives
@pytest.mark.parametrize("size", SIZES, ids=["120x40", "80x24"])
def test_gguf_console(snap_compare, run_gguf_folder, clean_cache, size):
    """``:`` in the GGUF view: the console runs that file (its title says so), before a run."""
    from tests.support.gguf_files import RUN_GGUF

    target = GGUFTarget(ModelRef("local", str(run_gguf_folder)), RUN_GGUF)
    app = new_app(gateway=HubGateway(offline=True), gguf=target)

    async def run_before(pilot):
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, GGUFScreen))
        await wait_until(pilot, lambda: pilot.app.screen.derived is not None)
        await pilot.press("colon")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, GGUFScreen))
        await settle(pilot, idle=0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
