"""The Textual app driven by Textual's Pilot against a real worker process on loopback."""

import asyncio
import json

from textual.widgets import DataTable, Input, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_worker.protocol import messages as m

from tests.support.pilot import SIZE, until
from tests.support.streams import collect_until_terminal, generate_and_wait
from tests.support.worker_process import paced_config

SLOW = paced_config(0.05)


def text_of(app, selector):
    return str(app.screen.query_one(selector, Static).render())


async def test_generate_shows_live_status_then_the_sprite(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        assert "procedural sprites" in app.connection_line[1]  # the notice that no ComfyUI answers
        await pilot.press(*"gold chest")
        await pilot.press("enter")
        await until(pilot, lambda: "done" in text_of(app, "#live-status"), what="the job to finish")
        preview = app.screen.query_one("#live-preview", SpritePreview)
        await until(pilot, lambda: preview.image is not None, what="the sprite")
        assert len(app.screen.query("#recent SpritePreview")) == 1
        line = "".join(segment.text for segment in preview.render_line(preview.size.height // 2))
        assert "▀" in line or line.strip() == ""  # drawn in half-blocks


async def test_typing_letters_and_digits_into_the_prompt_types_them(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"q g x 1 2 f")
        assert app.screen.query_one("#prompt", Input).value == "q g x 1 2 f"
        assert type(app.screen).__name__ == "GenerateScreen"
        await pilot.press("f3")
        assert type(app.screen).__name__ == "QueueScreen"


async def test_cancel_a_running_job_from_the_queue(make_worker):
    worker = make_worker(SLOW).start()
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot, worker.client() as other:
        await until(pilot, lambda: "connected" in app.connection_line[1], what="connection")
        job = await other.generate("wizard", count=30, width=32, height=32)  # queued by someone else
        await pilot.press("f3")
        table = app.screen.query_one("#jobs", DataTable)
        await until(
            pilot,
            lambda: job.id in table.rows and app.link.mirror.jobs[job.id].state is m.JobState.RUNNING,
            what="the job to run",
        )
        table.move_cursor(row=table.get_row_index(job.id))
        await pilot.press("x")
        await until(pilot, lambda: app.link.mirror.jobs[job.id].state is m.JobState.CANCELLED, what="cancel")
        row = table.get_row(job.id)
        assert str(row[1]) == "cancelled"


async def test_gallery_lists_newest_first_filters_and_previews(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        a = await client.generate("green slime", seed=1, width=32, height=32)
        b = await client.generate("fire dragon", seed=2, width=32, height=32)
        await collect_until_terminal(stream, [a.id, b.id])
        await stream.aclose()
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        table = app.screen.query_one("#images", DataTable)
        await until(pilot, lambda: table.row_count == 2, what="two images")
        assert [str(k.value) for k in table.rows] == [f"{b.id}-0", f"{a.id}-0"]
        large = app.screen.query_one("#large", SpritePreview)
        await until(pilot, lambda: large.image is not None, what="the large preview")
        assert "seed 2" in text_of(app, "#params")
        await pilot.press("slash", *"slime", "enter")
        await until(pilot, lambda: table.row_count == 1, what="the filter")
        assert str(next(iter(table.rows)).value) == f"{a.id}-0"


async def generate_with(worker, prompt, **params):
    async with worker.client() as client:
        return await generate_and_wait(client, prompt, **params)


def bevy_project(tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text("[package]\n")
    return game


async def test_gallery_exports_the_selected_sprite_into_a_bevy_project(worker, tmp_path):
    job = await generate_with(worker, "blue potion", seed=5, width=32, height=32, postprocess="upscale:2")
    game = bevy_project(tmp_path)
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        large = app.screen.query_one("#large", SpritePreview)
        await until(pilot, lambda: large.image is not None, what="the large preview")
        assert "post-processing upscale" in text_of(app, "#params") and "64x64" in text_of(app, "#params")
        await pilot.press("w")  # the raw render, before post-processing
        await until(pilot, lambda: "raw render" in text_of(app, "#params"), what="the raw render")
        await pilot.press("e")
        await pilot.press(*str(game), "tab", *"Potions", "enter")
        target = game / "assets" / "sprites" / "potions" / "blue-potion-5.png"
        await until(pilot, target.exists, what="the exported file")
    manifest = json.loads((game / "assets" / "sprites" / "manifest.json").read_text())
    assert manifest["sprites"]["potions/blue-potion-5.png"]["source"]["image_id"] == f"{job.id}-0"


async def test_gallery_exports_marked_images_as_one_sheet(worker, tmp_path):
    await generate_with(worker, "red gem", seed=8, count=2, width=16, height=16)
    game = bevy_project(tmp_path)
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        table = app.screen.query_one("#images", DataTable)
        await until(pilot, lambda: table.row_count == 2, what="two images")
        await pilot.press("space", "down", "space", "e")
        await pilot.press(*str(game), "tab", *"gems", "tab", "space", "enter")
        layout_file = game / "assets" / "sprites" / "gems" / "red-gem-9-sheet.layout.json"
        await until(pilot, layout_file.exists, what="the sheet's layout")
        assert "  " in str(table.get_row_at(0)[0])  # the marks are cleared after the export
    layout = json.loads(layout_file.read_text())
    assert (layout["tile_size"], layout["columns"], layout["rows"]) == ([16, 16], 2, 1)


async def test_worker_killed_and_restarted_while_the_tui_stays_up(make_worker):
    worker = make_worker().start()
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="connection")
        async with worker.client() as client:
            job = await client.generate("knight", width=32, height=32)
        await pilot.press("f3")
        table = app.screen.query_one("#jobs", DataTable)
        await until(pilot, lambda: job.id in table.rows, what="the job in the queue")
        worker.kill()
        await until(pilot, lambda: app.connection_line[0] == "lost", timeout=10, what="the loss to show")
        assert job.id in table.rows  # what was shown stays
        worker.start()
        await until(
            pilot, lambda: app.connection_line[0] == "connected", timeout=20, what=f"reconnection {app.connection_line}"
        )
        async with worker.client() as client:
            second = await client.generate("potion", width=32, height=32)
        await until(pilot, lambda: second.id in table.rows, what="a job queued after the restart")


async def test_help_lists_every_key_from_the_bindings(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause(0.3)
        lines = app.screen.text.splitlines()
        for key, words in (("f3", "Queue"), ("x", "Cancel"), ("ctrl+g", "Generate"), ("n", "New seed")):
            assert f"{key}  {words}" in lines
        await asyncio.sleep(0)


async def test_the_command_palette_lists_screens_and_the_screens_actions(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Go to Queue", "Go to Gallery", "Cancel", "Retry", "Priority +"} <= set(titles)
        await pilot.press("ctrl+p", *"gallery", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "GalleryScreen", what="the palette to switch")
