"""The models pane in the running app (Pilot), against a 10,000-repo Hub double."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs

from textual import events

from hfbrowse.core.hub.gateway import HubGateway
from hfbrowse.core.hub.local_cache import LocalModel
from hfbrowse.core.hub.search import ModelHit
from hfbrowse.core.model_ref import ModelRef
from hfbrowse.ui.panes.models import DEBOUNCE_S, ModelsPane
from hfbrowse.ui.screens.card import ModelCardScreen
from hfbrowse.ui.screens.files import RepoFilesScreen
from hfbrowse.ui.widgets.model_rows import OpenedRow
from hfbrowse.ui.widgets.model_table import ModelTable
from tests.support.search_hub import PAGE_SIZE, list_requests, search_id, start_search_hub
from tests.support.ui import new_app, settle


def pane(app) -> ModelsPane:
    return app.screen.query_one(ModelsPane)


def table(app) -> ModelTable:
    return app.screen.query_one("#model-list", ModelTable)


def row_text(app, index: int) -> str:
    t = table(app)
    return " ".join(c.plain if hasattr(c, "plain") else str(c) for c in t.cells(t.items[index]))


def status(app) -> str:
    return str(app.screen.query_one("#models-status").render())


async def test_no_model_opens_on_the_search_box_with_the_most_downloaded(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.focused.id == "models-filter"
        assert app.screen.has_class("-no-model")
        items = table(app).items
        assert len(items) == PAGE_SIZE and all(isinstance(i, ModelHit) for i in items)
        assert items[0].repo_id == search_id("tiny-gpt2")
        assert [i.downloads for i in items] == sorted((i.downloads for i in items), reverse=True)
        assert len(list_requests(big_hub)) == 1
        assert status(app).startswith("Hub · by downloads · task any · lib transformers · 100+")


async def test_a_burst_of_keystrokes_sends_one_search(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        big_hub.clear_log()
        for char in "synthetic-model-001":  # as a terminal delivers them, 20 ms apart (the
            key = "minus" if char == "-" else char  # Pilot's press can wait up to 1 s a key)
            app._driver.send_message(events.Key(key, char))
            await asyncio.sleep(0.02)
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        (request,) = list_requests(big_hub)
        assert parse_qs(request.query)["search"] == ["synthetic-model-001"]
        ids = [h.repo_id for h in table(app).items]
        assert ids and all("synthetic-model-001" in i for i in ids)


async def test_scrolling_pages_in_only_the_pages_it_reaches(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # from the search box to the list
        assert app.focused is table(app)
        while table(app).cursor_row < 250:
            await pilot.press("pagedown")
            await settle(pilot)
        loaded = len(table(app).items)
        assert 250 < loaded <= 400 < 10_000
        requests = list_requests(big_hub)
        assert len(requests) == loaded // PAGE_SIZE  # one request per page of rows reached
        assert len({h.repo_id for h in table(app).items}) == loaded


async def test_sort_and_task_keys_act_on_the_list(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table(app).focus()
        await pilot.press("s")
        await settle(pilot)
        assert parse_qs(list_requests(big_hub)[-1].query)["sort"] == ["likes"]
        likes = [h.likes for h in table(app).items]
        assert likes == sorted(likes, reverse=True)
        await pilot.press("t")
        await settle(pilot)
        q = parse_qs(list_requests(big_hub)[-1].query)
        assert q["pipeline_tag"] == ["text-generation"] and q["sort"] == ["likes"]
        assert {h.pipeline_tag for h in table(app).items} == {"text-generation"}
        assert "by likes · task text-generation" in status(app)
        await pilot.press("l")
        await settle(pilot)
        assert parse_qs(list_requests(big_hub)[-1].query)["filter"] == ["sentence-transformers"]
        assert table(app).items == [] and table(app).empty_text.startswith("No models match")
        await pilot.press("l")
        await settle(pilot)
        assert "filter" not in parse_qs(list_requests(big_hub)[-1].query)
        assert len(table(app).items) == PAGE_SIZE and "lib any" in status(app)
        # In the search box the same letters are text, not keys.
        await pilot.press("slash", "s")
        assert pane(app).query_one("#models-filter").value == "s"
        assert pane(app).search_query.sort == "likes"


async def test_enter_opens_the_model_in_the_other_panes(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"tiny-gpt2", "enter")
        await settle(pilot, delay=DEBOUNCE_S)
        assert [h.repo_id for h in table(app).items] == [search_id("tiny-gpt2")]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.opened.facts.ref.id == search_id("tiny-gpt2")
        assert not app.screen.has_class("-no-model")
        assert "AutoModelForCausalLM" in str(app.screen.query_one("#model-header").render())
        assert row_text(app, 0).startswith("▶")
        assert big_hub.weight_bytes_sent() == 0


async def test_cached_models_are_marked(gw, clean_cache):
    gw.fetch_file(ModelRef("hub", search_id("tiny-bert-mlm")), "config.json")
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        marks = {h.repo_id: row_text(app, i)[:2] for i, h in enumerate(table(app).items[:10])}
        assert marks[search_id("tiny-bert-mlm")] == " ●"
        assert marks[search_id("tiny-gpt2")] == "  "


async def test_offline_fallback_lists_the_cache_within_two_seconds(fixtures, gw, clean_cache):
    gw.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "config.json")
    dead = start_search_hub(fixtures, n=5)
    dead.stop()
    app = new_app(gateway=HubGateway(endpoint=dead.url))
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        while pane(app).view != "local" and time.perf_counter() - started < 2.0:
            await pilot.pause(0.05)
        assert time.perf_counter() - started < 2.0
        await settle(pilot)
        items = table(app).items
        assert [m.ref.id for m in items] == [search_id("tiny-gpt2")]
        assert isinstance(items[0], LocalModel) and status(app).startswith("offline · local")
        await pilot.press(*"bert")  # offline, the search box filters the cache
        assert table(app).items == [] and "No local model matches 'bert'" in table(app).empty_text


async def test_gated_models_are_marked_and_opening_one_explains_access(gw):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        index = [h.repo_id for h in table(app).items].index(search_id("gated-gpt2"))
        assert "🔒" in row_text(app, index)
        table(app).focus()
        table(app).cursor_row = index
        await pilot.pause()
        assert status(app).startswith("🔒 gated: needs HF_TOKEN")
        await pilot.press("enter")
        await settle(pilot)
        shown = str(app.screen.query_one("#model-header").render())
        assert "accept its terms" in shown and "HF_TOKEN" in shown


async def test_card_and_files_keys(gw, clean_cache):
    gw.fetch_file(ModelRef("hub", search_id("tiny-gpt2")), "config.json")
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table(app).focus()
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ModelCardScreen)
        card = app.screen.card
        assert card is not None and dict(card.metadata)["pipeline_tag"] == "text-generation"
        assert "tiny-gpt2" in app.screen.query_one("#card-markdown").source
        await pilot.press("escape", "f")
        await settle(pilot)
        assert isinstance(app.screen, RepoFilesScreen)
        files = {f.path: f.cached for f in app.screen.files.files}
        assert files["config.json"] is True and files["model.safetensors"] is False
        assert files["README.md"] is True  # the card just fetched it
        assert "cached 2" in str(app.screen.query_one("#files-status").render())


async def test_local_view_with_demo_folders_needs_no_network(fixtures, big_hub):
    refs = [ModelRef("local", str(fixtures[n]), label="demo") for n in ("tiny-gpt2", "tiny-t5")]
    big_hub.clear_log()
    app = new_app(models=refs, start=refs[0], gateway=HubGateway(endpoint=big_hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert pane(app).view == "local"
        await pilot.press("slash", "t", "5")
        await settle(pilot)
        assert [m.name for m in table(app).items] == ["tiny-t5"]
        assert list_requests(big_hub) == []
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert app.screen.opened.facts.ref == refs[1]


async def test_narrow_terminal_shows_the_list_until_a_model_opens(gw):
    app = new_app(gateway=gw)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        models = app.screen.query_one("#models")
        assert models.display and models.region.width == 80
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert models.region.width == 0 or not models.display
        assert app.focused.id == "config-tree"
        await pilot.press("slash")
        await pilot.pause()
        assert models.region.width == 80 and app.focused.id == "models-filter"


async def test_opening_a_model_by_id_sends_no_search_until_asked(gw, big_hub):
    ref = ModelRef("hub", search_id("tiny-gpt2"))
    app = new_app(models=[ref], start=ref, gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.opened.facts.ref == ref
        # No search yet: the list holds the opened model, and only it.
        assert list_requests(big_hub) == [] and table(app).items == [OpenedRow(ref)]
        assert row_text(app, 0).startswith("▶") and search_id("tiny-gpt2") in row_text(app, 0)
        await pilot.press("slash", "enter")  # enter on the empty box: the most downloaded
        await settle(pilot)
        assert len(list_requests(big_hub)) == 1
        ids = [getattr(i, "repo_id", None) for i in table(app).items]
        assert len(ids) == PAGE_SIZE + (search_id("tiny-gpt2") not in ids)
        assert row_text(app, 0).startswith("▶")  # the open model is marked in the results


async def test_search_option_opens_the_list_with_that_query(big_hub, gw, fixtures):
    """`hfbrowse --search Q --sort likes` (no --print): the TUI's list runs that query."""
    from hfbrowse.core.hub.search import SearchQuery

    given = ModelRef("local", str(fixtures["tiny-gpt2"]))
    query = SearchQuery(text="synthetic-model-002", sort="likes")
    app = new_app(models=[given], start=given, gateway=gw, search=query)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, delay=DEBOUNCE_S + 0.2)
        requests = list_requests(big_hub)
        assert len(requests) == 1
        params = parse_qs(requests[0].query)
        assert params["search"] == ["synthetic-model-002"] and params["sort"] == ["likes"]
        assert app.screen.query_one("#models-filter").value == "synthetic-model-002"
        ids = [h.repo_id for h in table(app).items]
        assert ids and all("synthetic-model-002" in i for i in ids)


def capture_notes(app) -> list[str]:
    """What the app tells the user in toasts (run_test does not show them)."""
    said: list[str] = []
    app.notify = lambda message, *args, **kwargs: said.append(str(message))
    return said


async def test_the_opened_model_is_listed_in_both_views_and_c_f_act_on_it(gw, big_hub):
    ref = ModelRef("hub", search_id("tiny-bert-mlm"))
    app = new_app(models=[ref], start=ref, gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert pane(app).view == "hub" and table(app).items == [OpenedRow(ref)]
        table(app).focus()
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ModelCardScreen) and app.screen.ref == ref
        await pilot.press("escape", "f")
        await settle(pilot)
        assert isinstance(app.screen, RepoFilesScreen) and app.screen.ref == ref
        await pilot.press("escape", "v")
        await settle(pilot)
        assert pane(app).view == "local"
        ids = [m.ref.id for m in table(app).items]
        assert ref.id in ids and row_text(app, ids.index(ref.id)).startswith("▶")


async def test_a_model_opened_from_the_hub_list_joins_the_local_view(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"tiny-gpt2")
        await settle(pilot, delay=DEBOUNCE_S + 0.1)
        await pilot.press("enter")  # the results are shown: enter opens the top one
        await settle(pilot)
        assert app.screen.opened.facts.ref.id == search_id("tiny-gpt2")
        assert app.focused is table(app)  # out of the search box: single-letter keys act
        await pilot.press("v")
        assert search_id("tiny-gpt2") in [m.ref.id for m in table(app).items]


async def test_c_and_f_with_nothing_highlighted_say_so(gw, big_hub):
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        said = capture_notes(app)
        await settle(pilot)
        await pilot.press(*"no-such-model-anywhere")
        await settle(pilot, delay=DEBOUNCE_S + 0.1)
        assert table(app).items == []
        table(app).focus()
        await pilot.press("c", "f")
        assert isinstance(app.screen, type(app.screen)) and not isinstance(
            app.screen, ModelCardScreen | RepoFilesScreen
        )
        assert [s for s in said if s.startswith("No model highlighted")] == [
            "No model highlighted to show the card of: / searches the Hub.",
            "No model highlighted to show the files of: / searches the Hub.",
        ]


async def test_a_failed_search_says_why_instead_of_searching(gw, big_hub, monkeypatch):
    from hfbrowse.core.errors import HFBrowseError
    from hfbrowse.core.hub.search import SearchStream

    def broken(self, size):
        raise HFBrowseError("Hub search failed: 500 Internal Server Error")

    monkeypatch.setattr(SearchStream, "next_batch", broken)
    app = new_app(gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert table(app).items == []
        assert "searching" not in table(app).empty_text
        assert "500 Internal Server Error" in table(app).empty_text
        assert "searching" not in status(app) and "500" in status(app)
        monkeypatch.undo()  # the Hub answers again: enter in the search box retries
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert table(app).items and pane(app).error is None and app.screen.opened is None


async def test_enter_in_the_search_box_opens_the_best_match(fixtures, big_hub):
    """Local view: Enter opens the first model matching what was typed, and the keys go to
    the list; ↓ only moves to the list."""
    refs = [ModelRef("local", str(fixtures[n]), label="demo") for n in ("tiny-gpt2", "tiny-t5")]
    app = new_app(models=refs, start=refs[0], gateway=HubGateway(endpoint=big_hub.url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"t5", "down")
        assert app.focused is table(app) and app.screen.opened.facts.ref == refs[0]
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert app.screen.opened.facts.ref == refs[1] and app.focused is table(app)


async def test_long_hub_ids_keep_the_model_name(fixtures, gw, big_hub):
    """Beside an opened model the list is 28 columns: ``org12/synthetic-model-00012`` keeps
    its name and gives up its owner."""
    ref = ModelRef("local", str(fixtures["tiny-gpt2"]))
    app = new_app(models=[ref], start=ref, gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane(app).action_toggle_view()  # the Hub results
        await settle(pilot)
        lines = [table(app).render_line(y).text for y in range(2, 8)]
        named = [line for line in lines if "synthetic-model-" in line]
        assert named and all("…/synthetic-model-" in line for line in named), lines


async def test_files_of_unknown_size_are_not_zero_bytes(gw, big_hub, monkeypatch):
    from hfbrowse.core.hub.files import RepoFile, RepoFiles

    ref = ModelRef("hub", search_id("tiny-gpt2"))
    listing = RepoFiles(
        ref,
        (
            RepoFile("config.json", None, False, True),
            RepoFile("model.safetensors", None, True, False),
        ),
        "hub",
    )
    monkeypatch.setattr(RepoFilesScreen, "fetch", lambda self: listing)
    app = new_app(models=[ref], start=ref, gateway=gw)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table(app).focus()
        await pilot.press("f")
        await settle(pilot)
        shown = str(app.screen.query_one("#files-status").render())
        assert "0 B" not in shown
        assert shown.startswith("2 files · size unknown · cached 1 (size unknown)")
        sizes = [str(app.screen.query_one("#files-table").get_row_at(i)[2]) for i in range(2)]
        assert sizes == ["unknown", "unknown"]
