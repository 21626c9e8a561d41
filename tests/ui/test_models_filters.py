"""The models list's filters through the real keys (o, p, G, i, x, v) and typed tokens (Pilot),
against the Hub double: what the server was asked, what the list and status line show."""

from __future__ import annotations

from urllib.parse import parse_qs

from hfbrowse.core.hub.search import ModelHit
from hfbrowse.ui.panes.models import DEBOUNCE_S, ModelsPane
from hfbrowse.ui.screens.model_prompt import ModelPrompt
from hfbrowse.ui.widgets.model_table import ModelTable
from tests.support.search_hub import list_requests
from tests.support.ui import new_app, settle


def pane(app) -> ModelsPane:
    return app.screen.query_one(ModelsPane)


def table(app) -> ModelTable:
    return app.screen.query_one("#model-list", ModelTable)


def status(app) -> str:
    return str(app.screen.query_one("#models-status").render())


def last_query(hub) -> dict[str, list[str]]:
    return parse_qs(list_requests(hub)[-1].query)


async def _type(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", ":": "colon", ".": "full_stop"}.get(c, c) for c in text])


async def test_keys_set_each_filter_and_the_server_filters(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # into the list: single-letter keys act
        big_hub.clear_log()
        await pilot.press("o")  # author prompt
        await settle(pilot)
        assert isinstance(app.screen, ModelPrompt)
        await _type(pilot, "org3")
        await pilot.press("enter")
        await settle(pilot)
        assert last_query(big_hub)["author"] == ["org3"]
        assert all(h.repo_id.startswith("org3/") for h in table(app).items)
        assert "author org3" in status(app)

        await pilot.press("p")
        await settle(pilot)
        await _type(pilot, "1B..8B")
        await pilot.press("enter")
        await settle(pilot)
        assert last_query(big_hub)["num_parameters"] == ["min:1B,max:8B"]
        items = [h for h in table(app).items if isinstance(h, ModelHit)]
        assert items and all(10**9 <= (h.parameters or 0) <= 8 * 10**9 for h in items)

        await pilot.press("G")  # gated only
        await settle(pilot)
        assert last_query(big_hub)["gated"] == ["true"]
        await pilot.press("G")  # ungated only
        await settle(pilot)
        assert last_query(big_hub)["gated"] == ["false"]
        await pilot.press("i")  # served by a provider
        await settle(pilot)
        assert last_query(big_hub)["inference_provider"] == ["all"]
        assert all("served" in h.markers for h in table(app).items)
        await pilot.press("slash")  # the box: the status line sums the search up
        await settle(pilot)
        assert status(app).startswith(
            "Hub · by downloads · task any · lib transformers · author org3 · params 1B..8B"
            " · ungated · served ·"
        )
        await pilot.press("down")

        await pilot.press("x")  # clear them all
        await settle(pilot)
        q = last_query(big_hub)
        assert not {"author", "num_parameters", "gated", "inference_provider"} & set(q)
        assert len(list_requests(big_hub)) == 6  # one request per change, no scanning
        assert big_hub.weight_bytes_sent() == 0


async def test_a_bad_range_says_one_line_and_changes_nothing(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        big_hub.clear_log()
        await pilot.press("p")
        await settle(pilot)
        await _type(pilot, "lots")
        await pilot.press("enter")
        await settle(pilot)
        assert list_requests(big_hub) == [] and pane(app).search_query.params_min is None
        (note,) = [n for n in app._notifications if "lots" in n.message]
        assert "\n" not in note.message and "1B..8B" in note.message


async def test_tokens_typed_in_the_search_box_filter_and_leave_the_text(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        big_hub.clear_log()
        await _type(pilot, "synthetic author:org5 params:..2B served")
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        q = last_query(big_hub)
        assert q["search"] == ["synthetic"] and q["author"] == ["org5"]
        assert q["num_parameters"] == ["max:2B"] and q["inference_provider"] == ["all"]
        hits = table(app).items
        assert hits and all(h.repo_id.startswith("org5/") and h.providers for h in hits)
        assert "author org5 · params ..2B · served" in status(app)
        # an unknown value: the status line says so, and nothing is requested
        requests = len(list_requests(big_hub))
        await _type(pilot, " gated:maybe")
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        assert len(list_requests(big_hub)) == requests and "gated:maybe" in status(app)


async def test_the_highlighted_row_says_what_its_marks_mean(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _type(pilot, "synthetic-model-00101")
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        await pilot.press("down")
        await settle(pilot)
        (hit,) = table(app).items
        assert hit.parameters_doubt
        cells = table(app).cells(hit)
        assert cells[4].plain == "333.3K?"
        assert status(app).startswith("params ? the Hub's total 333.3K disagrees")


async def test_the_local_view_applies_the_author_and_says_what_it_cannot(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await _type(pilot, "author:nobody served")
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        await pilot.press("down", "v")
        await settle(pilot)
        assert pane(app).view == "local" and table(app).items == []
        assert "author nobody · not applied here: served by a provider" in status(app)
        await pilot.press("G")  # needs the Hub's data: said, not silently ignored
        await settle(pilot)
        assert any("applies to Hub results" in n.message for n in app._notifications)


async def test_the_filters_are_in_f1_and_the_palette():
    from hfbrowse.ui import keys

    rows = dict(keys.help_rows((keys.MODELS,)))
    assert {"o", "p", "G", "i", "x"} <= set(rows)
    names = {k.palette for k in keys.palette_entries()}
    assert "Models: filter by author…" in names and "Models: parameter range…" in names


async def test_typed_in_the_local_view_then_back_to_the_hub_searches_it(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "v", "slash")  # local view, back in the box
        await settle(pilot)
        await _type(pilot, "synthetic-model-002 author:org4")
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        assert pane(app).view == "local" and "author org4" in status(app)
        big_hub.clear_log()
        await pilot.press("down", "v")
        await settle(pilot)
        q = last_query(big_hub)
        assert q["search"] == ["synthetic-model-002"] and q["author"] == ["org4"]
        assert all(h.repo_id.startswith("org4/") for h in table(app).items)


async def test_the_palette_runs_the_filters_on_the_models_list(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        big_hub.clear_log()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Models: gated / ungated / any"].callback()  # as the palette does
        await settle(pilot)
        assert pane(app).search_query.gated == "gated"
        assert last_query(big_hub)["gated"] == ["true"]
