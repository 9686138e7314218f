"""The Queue screen against the recorded worker: what a user sees and what the keys do, at 120x40 and 80x24.

Jobs are added to the app's mirror as the worker's events would add them; the clock is frozen (see
test_screen_snapshots.py, whose fixtures and helpers this uses)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.messages import PreviewArrived, QueueChanged
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_worker.protocol import messages as m

from tests.support.recorded_worker import JOBS, SPRITE_PX, T0, RecordedClient, sprite_png
from tests.tui.test_screen_snapshots import frozen_clock, opened_with, rows, until

__all__ = ["frozen_clock"]  # the fixture, used by every test here

WIDE, SMALL = (120, 40), (80, 24)
BATCH = JOBS[2].model_copy(
    update={
        "id": "7a8b9c0d1e2f",
        "state": m.JobState.RUNNING,
        "count": 16,
        "steps": 40,
        "started_at": T0 + 560.0,
        "backend": "spark",
        "attempts": 1,
        "progress": (2 + 12 / 40) / 16,
        "image_index": 2,
        "step": 12,
        "total": 40,
        "stage": "sampling",
        "images": ["7a8b9c0d1e2f-0", "7a8b9c0d1e2f-1"],  # the recorded worker has no such files: the live preview shows
        "created_at": T0 + 550.0,
    }
)
WAITING = JOBS[1].model_copy(
    update={
        "id": "8b9c0d1e2f30",
        "state": m.JobState.RUNNING,
        "started_at": T0 + 598.0,
        "backend": "spark",
        "attempts": 1,
        "created_at": T0 + 597.0,
    }
)


def live_preview() -> m.JobPreview:
    png = sprite_png(BATCH.prompt, BATCH.seed + 2)
    return m.JobPreview(
        job_id=BATCH.id, image_index=2, step=12, total=40, width=SPRITE_PX, height=SPRITE_PX, format="png", data=png
    )


def loaded(app: PixelsApp) -> bool:
    return rows(app, "#jobs") == len(JOBS)


def screen_text(app: PixelsApp) -> str:
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


def add_jobs(app: PixelsApp, *jobs: m.JobInfo) -> None:
    """As the worker's events would: into the mirror, then the screen told."""
    for job in jobs:
        app.link.mirror.jobs[job.id] = job
        app.screen.post_message(QueueChanged(job.id))


def with_running_jobs() -> object:
    opened = opened_with("f3", "QueueScreen", loaded)

    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await opened(pilot)
        add_jobs(app, BATCH, WAITING)
        await until(pilot, lambda: rows(app, "#jobs") == len(JOBS) + 2, "the new jobs")
        app.screen.post_message(PreviewArrived(live_preview()))
        await pilot.press("down")  # the batch
        await until(pilot, lambda: app.screen.query_one("#job-preview", SpritePreview).image is not None, "its image")
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_queue_screen_at_both_sizes(snap_compare, size):
    """A batch at image 3/16, step 12/40, its newest image in the pane under the table; a job ComfyUI holds
    says it waits there. At 80 columns the prompt stays readable: step, model, user and elapsed go."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=with_running_jobs())


async def test_steps_overall_images_and_waiting_are_shown_apart():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await opened_with("f3", "QueueScreen", loaded)(pilot)
        add_jobs(app, BATCH.model_copy(update={"step": 4, "total": 8, "image_index": 0}), WAITING)
        await until(pilot, lambda: rows(app, "#jobs") == len(JOBS) + 2, "the new jobs")
        add_jobs(app, BATCH)  # the column was sized while the step read 4/8
        await pilot.pause(0.1)
        text = screen_text(app)
        batch_line = next(line for line in text.splitlines() if line.startswith(f" {BATCH.id}"))
        assert "img 3/16" in batch_line and "12/40" in batch_line
        waiting_line = next(line for line in text.splitlines() if line.startswith(f" {WAITING.id}"))
        assert "waiting in ComfyUI" in waiting_line and "0/0" not in waiting_line
        starting = WAITING.model_copy(update={"id": "9c0d1e2f3041", "backend": "procedural"})
        add_jobs(app, starting)  # the procedural generator has no queue of its own to wait in
        await until(pilot, lambda: rows(app, "#jobs") == len(JOBS) + 3, "the procedural job")
        line = next(line for line in screen_text(app).splitlines() if line.startswith(f" {starting.id}"))
        assert "waiting to start" in line


async def test_enter_opens_the_highlighted_jobs_image_in_the_gallery():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=WIDE) as pilot:
        await opened_with("f3", "QueueScreen", loaded)(pilot)
        table = app.screen.query_one("#jobs")
        table.move_cursor(row=table.get_row_index("4e5f60718293"))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "GalleryScreen", "the gallery")
        await until(pilot, lambda: app.screen._selected() == "4e5f60718293-1", "the job's newest image selected")


async def test_home_goes_to_the_first_job_and_the_cursor_follows_its_job():
    client = RecordedClient()
    app = PixelsApp(client)
    async with app.run_test(size=SMALL) as pilot:
        await opened_with("f3", "QueueScreen", loaded)(pilot)
        screen = app.screen
        await pilot.press("down", "down", "down")
        assert screen.selected_id() == "6071829304a5"
        add_jobs(app, WAITING)  # a new job at the top
        await until(pilot, lambda: rows(app, "#jobs") == len(JOBS) + 1, "the new job")
        assert screen.selected_id() == "6071829304a5"
        await pilot.press("x")
        await until(pilot, lambda: ("cancel", ("6071829304a5",)) in client.calls, "the cancel")
        await pilot.press("home")
        assert screen.selected_id() == WAITING.id
        await pilot.press("end")
        assert screen.selected_id() == "3d4e5f607182"


async def test_the_pane_shows_the_highlighted_jobs_image():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=SMALL) as pilot:
        await opened_with("f3", "QueueScreen", loaded)(pilot)
        table = app.screen.query_one("#jobs")
        preview = app.screen.query_one("#job-preview", SpritePreview)
        assert preview.image is None  # the running job has no image yet
        table.move_cursor(row=table.get_row_index("3d4e5f607182"))
        await until(pilot, lambda: preview.image is not None, "the image")
        assert "green slime" in screen_text(app)


async def test_the_pane_plays_an_animation_and_repeats_a_tile(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "connected" in app.connection_line[1], "connection")
        walk = await app.client.generate("green slime", seed=3, width=32, height=32, frames=4, motion="walk")
        tile = await app.client.generate("grass", seed=3, width=32, height=32, tile=True)
        await pilot.press("f3")
        mirror = app.link.mirror.jobs
        await until(pilot, lambda: all(mirror.get(j.id) and mirror[j.id].images for j in (walk, tile)), "both")
        preview = app.screen.query_one("#job-preview", SpritePreview)
        for job, frames, tiled in ((walk, 4, False), (tile, 1, True)):
            app.screen.table.move_cursor(row=app.screen.table.get_row_index(job.id))
            await until(pilot, lambda f=frames, t=tiled: (preview.frames, preview.tile) == (f, t), job.prompt)
