"""Game variants from the Gallery: c opens a dialog to recolour the selected sprite onto a palette's ramp, mirror
it, or both; the sprite is made again with its own seed and settings plus those steps. Against the recorded worker
for what is sent and the pictures, and against a real worker for the finished variant."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Select, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.screens.variant_dialog import VariantDialog
from dgx_pixels_tui.variation_params import remade_params

from tests.support.pilot import SIZE
from tests.support.recorded_worker import RecordedClient, images
from tests.tui.test_screen_snapshots import gallery_loaded, opened_with, until
from tests.tui.test_vary_dialog import generated


async def open_dialog(pilot: Pilot) -> VariantDialog:
    app: PixelsApp = pilot.app  # type: ignore[assignment]
    await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, VariantDialog), "the dialog")
    await pilot.pause()
    assert isinstance(app.screen, VariantDialog)
    return app.screen


async def test_a_variant_is_the_image_made_again_with_its_seed_then_recoloured_and_mirrored():
    client = RecordedClient()
    app = PixelsApp(client)
    newest = images()[0]
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#recolor", Select).value = "gameboy"
        dialog.query_one("#mirror", Select).value = "x"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(generated(client)), "the generate request")
        assert not isinstance(app.screen, VariantDialog)
    prompt, params = generated(client)[0]
    assert prompt == newest.params["prompt"] and params["seed"] == newest.seed
    assert params["model"] == newest.params["model"]
    assert params["postprocess"][-2:] == [{"op": "recolor", "to": "gameboy"}, {"op": "mirror", "axis": "x"}]


async def test_nothing_picked_is_said_in_the_dialog_and_escape_queues_nothing():
    client = RecordedClient()
    app = PixelsApp(client)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot)
        await pilot.press("ctrl+s")
        error = dialog.query_one("#variant-error", Static)
        await until(pilot, lambda: error.display, "the refusal")
        assert "pick a palette" in str(error.render()) and isinstance(app.screen, VariantDialog)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, VariantDialog), "the dialog to close")
    assert generated(client) == []


def test_the_image_is_made_again_as_it_was_asked_for():
    params = {
        "model": "m",
        "raw_size": [256, 64],
        "steps": 8,
        "cfg": 0.0,
        "postprocess": [{"op": "grid", "params": {}}],
    }
    assert remade_params(params, (64, 16), 4, "walk", False) == {
        "negative": "",
        "model": "m",
        "width": 64,
        "height": 64,
        "steps": 8,
        "cfg": 0.0,
        "tags": [],
        "postprocess": [{"op": "grid"}],
        "frames": 4,
        "motion": "walk",
    }


async def test_a_recoloured_and_mirrored_variant_from_a_real_worker(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], "connection")
        client = app.client
        source = await client.generate("red knight", seed=8, width=32, height=32)
        await until(pilot, lambda: source.id in app.link.mirror.jobs and app.link.mirror.jobs[source.id].images, "it")
        await pilot.press("f4")
        await until(pilot, lambda: app.screen.query_one("#images").selected_key() == f"{source.id}-0", "the knight")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, VariantDialog), "the dialog")
        app.screen.query_one("#recolor", Select).value = "gameboy"
        app.screen.query_one("#mirror", Select).value = "x"
        await pilot.press("ctrl+s")
        queued = lambda: [n.message for n in app._notifications if "queued: recoloured" in n.message]  # noqa: E731
        await until(pilot, lambda: bool(queued()), "the variant job")
        job_id = queued()[0].split()[0]
        # the Gallery moves to the variant once it is made
        await until(pilot, lambda: app.screen.query_one("#images").selected_key() == f"{job_id}-0", "the variant")
        original = (await client.image(f"{source.id}-0")).png
        variant = (await client.image(f"{job_id}-0")).png
        gameboy = next(p.colors for p in await client.palettes() if p.name == "gameboy")
    before, after = (np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")) for png in (original, variant))
    assert {"#" + bytes(p[:3].tolist()).hex() for p in after.reshape(-1, 4) if p[3]} <= set(gameboy)
    assert np.array_equal(before[..., 3], after[:, ::-1, 3])  # the same sprite, flipped left to right


def with_the_dialog_open() -> object:
    async def run_before(pilot: Pilot) -> None:
        await open_dialog(pilot)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_variant_dialog_at_both_sizes(snap_compare, size):
    """The palettes to recolour onto and the mirrors, over the gallery."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=with_the_dialog_open())
