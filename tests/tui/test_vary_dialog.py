"""Vary this, from the Gallery against the recorded worker: V opens a dialog with the image's prompt, how many
and how far; enter queues one generate of that many variations of the image, with its settings; wrong numbers
are said inside the dialog, which stays open; escape queues nothing."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.messages import JobFinished
from dgx_pixels_tui.screens.vary_dialog import VaryDialog
from dgx_pixels_tui.variation_params import variation_params
from dgx_pixels_tui.widgets.fitted_table import FittedTable
from dgx_pixels_worker.protocol import messages as m

from tests.support.recorded_worker import RecordedClient, _job, images
from tests.tui.test_screen_snapshots import gallery_loaded, opened_with, until


async def open_dialog(pilot: Pilot) -> VaryDialog:
    app: PixelsApp = pilot.app  # type: ignore[assignment]
    await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
    await pilot.press("V")
    await until(pilot, lambda: isinstance(app.screen, VaryDialog), "the dialog")
    await pilot.pause()
    assert isinstance(app.screen, VaryDialog)
    for field in app.screen.query(Input):
        field.cursor_blink = False
    return app.screen


def generated(client: RecordedClient) -> list[tuple[str, dict]]:
    return [args for name, args in client.calls if name == "generate"]


async def test_vary_queues_that_many_variations_of_the_selected_image_with_its_settings():
    client = RecordedClient()
    app = PixelsApp(client)
    newest = images()[0]
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#vary-prompt", Input).value == newest.params["prompt"]
        await pilot.press("end", "backspace", "3", "tab", "end", *["backspace"] * 3, *"0.3", "enter")
        await until(pilot, lambda: bool(generated(client)), "the generate request")
        assert not isinstance(app.screen, VaryDialog)
    prompt, params = generated(client)[0]
    assert prompt == newest.params["prompt"]
    assert params["init_image"] == newest.id and params["count"] == 3 and params["strength"] == 0.3
    assert params["model"] == newest.params["model"] and "seed" not in params  # a new seed for each variation


async def test_when_the_variations_are_done_the_gallery_shows_the_first_one():
    client = RecordedClient()
    app = PixelsApp(client)
    oldest = images()[-1]
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dialog(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: bool(generated(client)), "the generate request")
        job_id = next(iter(app.screen.varying))
        table = app.screen.query_one("#images", FittedTable)
        assert table.selected_key() != oldest.id
        finished = _job(job_id, m.JobState.COMPLETED, "fire dragon", 9, 700.0, images=[oldest.id])
        app.screen.post_message(JobFinished(finished))
        await until(pilot, lambda: table.selected_key() == oldest.id, "the variation to be selected")
        assert app.screen.varying == set()


async def test_wrong_numbers_are_said_in_the_dialog_and_escape_queues_nothing():
    client = RecordedClient()
    app = PixelsApp(client)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot)
        await pilot.press("tab", "end", *["backspace"] * 3, *"1.5", "enter")
        error = dialog.query_one("#vary-error", Static)
        await until(pilot, lambda: error.display, "the refusal")
        assert "more than 0 and at most 1" in str(error.render()) and isinstance(app.screen, VaryDialog)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, VaryDialog), "the dialog to close")
    assert generated(client) == []


def test_a_variation_keeps_the_size_asked_before_post_processing_and_one_frame_of_a_sheet():
    params = {
        "prompt": "knight",
        "model": "sdxl-pixel-art",
        "raw_size": [1024, 256],
        "steps": 30,
        "cfg": 6.0,
        "negative": "",
        "postprocess": [{"op": "grid", "params": {}}],
    }
    chosen = variation_params("abc-0", params, (64, 16), 4, 2, 0.5)
    assert chosen == {
        "init_image": "abc-0",
        "strength": 0.5,
        "count": 2,
        "model": "sdxl-pixel-art",
        "width": 256,
        "height": 256,
        "steps": 30,
        "cfg": 6.0,
        "postprocess": [{"op": "grid"}],
    }
    assert "postprocess" not in variation_params("abc-0", {"model": "m"}, (64, 64), 1, 1, 0.5)


def with_the_dialog_open() -> object:
    async def run_before(pilot: Pilot) -> None:
        await open_dialog(pilot)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_vary_dialog_at_both_sizes(snap_compare, size):
    """The image's prompt to edit, how many (4) and the strength (0.5), over the gallery."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=with_the_dialog_open())
