"""The Train screen against a real worker driving the ComfyUI double: a folder here sent and reviewed, a caption
edited, the training followed on the Queue screen without a step bar, the trained preset listed when it ends, and
its evaluation judged blind on the Compare screen."""

import pytest
from textual.widgets import DataTable, Input, Select, Static

from dgx_pixels_tui.app import PixelsApp

from tests.support.comfyui_rig import comfyui_rig
from tests.support.pilot import until
from tests.support.sprite_images import square_sprite

PRESET = "sdxl-pixel-art"


@pytest.fixture
def worker(tmp_path):
    with comfyui_rig(tmp_path) as (_, process):
        yield process


def sprites(folder):
    folder.mkdir()
    for name, colour in (("red_knight.png", (200, 30, 30)), ("blue_knight.png", (30, 30, 200))):
        square_sprite(colour).save(folder / name)
    return folder


def cells(app, selector):
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_a_folder_trained_from_the_train_screen_then_judged_on_compare(worker, tmp_path):
    folder = sprites(tmp_path / "knights")
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", what="the connection")
        await pilot.press("f8")
        screen = app.screen
        base = screen.query_one("#train-base", Select)
        await until(pilot, lambda: base.value == "sdxl-base", timeout=20, what="the ComfyUI presets, the first chosen")
        base.value = PRESET
        await pilot.press(*"knights")
        screen.query_one("#train-source", Input).value = str(folder)
        screen.query_one("#train-steps", Input).value = "4"
        await pilot.press("ctrl+l")
        await until(pilot, lambda: len(cells(app, "#train-dataset")) == 2, what="the dataset")
        assert [row[2] for row in cells(app, "#train-dataset")] == ["blue knight", "red knight"]
        await pilot.press("enter")
        screen.query_one("#train-caption", Input).value = ""
        await pilot.press(*"a knight in blue", "enter")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: screen.job is not None, what="the training job")
        job_id = screen.job.id

        await pilot.press("f3")
        queue = app.screen
        await until(pilot, lambda: job_id in queue.table.rows, what="the job in the queue")
        await until(
            pilot,
            lambda: app.link.mirror.jobs[job_id].state.value == "completed",
            timeout=60,
            what="the training to end",
        )
        queue.table.move_cursor(row=queue.table.get_row_index(job_id))
        assert str(queue.table.get_row(job_id)[2]) == "trained"  # a training never shows a bar, also when done
        detail = "LoRA knights on sdxl-pixel-art · 2 images · 4 steps · rank 16 · learning rate 0.0002"
        await until(pilot, lambda: detail in str(queue.query_one("#job-detail", Static).render()), what="the detail")

        await pilot.press("f8")
        await until(pilot, lambda: cells(app, "#train-trained") != [], what="the trained preset")
        [row] = cells(app, "#train-trained")
        assert row[:4] == ["knights", PRESET, "2", "4"] and "untested" in row[4]
        [trained] = await app.client.trained("knights")
        assert {e.caption for e in trained.dataset} == {"a knight in blue", "red knight"}

        screen.query_one("#train-trained", DataTable).focus()
        await pilot.press("e")
        await until(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="the Compare screen")
        compare = app.screen
        await until(pilot, lambda: compare.current is not None, what="the first comparison")
        await until(pilot, lambda: compare.current.state.value == "completed", timeout=30, what="rendered")
        caption = str(compare.query_one("#panel-caption-0", Static).render())
        assert caption.startswith("Panel 1") and "knights" not in caption
        await pilot.press("1")
        await until(pilot, lambda: compare.vote is not None, what="the vote")
        board = await app.client.leaderboard()
        [versus] = board.versus
        assert versus.model == "knights" and versus.games == 1
