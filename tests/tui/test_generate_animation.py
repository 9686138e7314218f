"""The Generate screen asks for an animation (frames, motion) or a tile, sends them, refuses what cannot be made
before asking the worker, and plays the finished animation in its live preview."""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.messages import JobFinished
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_worker.protocol import messages as m

from tests.support.animated_worker import TILE, WALK, AnimatedClient
from tests.support.recorded_worker import RecordedClient
from tests.tui.test_screen_snapshots import frozen_clock, generate_loaded, opened_with, until

__all__ = ["frozen_clock"]


def generate_calls(client: RecordedClient) -> list[tuple[str, dict]]:
    return [args for name, args in client.calls if name == "generate"]


async def fill(pilot: Pilot, prompt: str, frames: str = "", motion: str | None = None, tile: bool = False) -> None:
    screen = pilot.app.screen
    screen.query_one("#prompt", Input).value = prompt
    screen.query_one("#frames", Input).value = frames
    select = screen.query_one("#motion", Select)
    if motion is None:
        select.clear()
    else:
        select.value = motion
    screen.query_one("#tile", Checkbox).value = tile
    await pilot.pause()


async def submit(pilot: Pilot, prompt: str, frames: str = "", motion: str | None = None, tile: bool = False) -> None:
    await fill(pilot, prompt, frames, motion, tile)
    await pilot.press("ctrl+g")


def with_a_walk_asked() -> object:
    opened = opened_with("f2", "GenerateScreen", generate_loaded)

    async def run_before(pilot: Pilot) -> None:
        await opened(pilot)
        await fill(pilot, "knight", "4", "walk")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_the_form_with_an_animation_asked_at_both_sizes(snap_compare, size):
    """Frames 4 and motion walk filled in under size, steps, CFG and count, with the tile box beside them."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=with_a_walk_asked())


async def test_frames_motion_and_tile_are_sent_and_a_still_sends_none_of_them():
    client = RecordedClient()
    app = PixelsApp(client)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f2", "GenerateScreen", generate_loaded)(pilot)
        await submit(pilot, "knight", "4", "walk")
        await until(pilot, lambda: len(generate_calls(client)) == 1, "the animation job")
        await submit(pilot, "bricks", tile=True)
        await until(pilot, lambda: len(generate_calls(client)) == 2, "the tile job")
        await submit(pilot, "slime")
        await until(pilot, lambda: len(generate_calls(client)) == 3, "the still job")
    (walk_prompt, walk), (tile_prompt, tile), (_, still) = generate_calls(client)
    assert walk_prompt == "knight" and walk["frames"] == 4 and walk["motion"] == "walk" and "tile" not in walk
    assert tile_prompt == "bricks" and tile["tile"] is True and "frames" not in tile and "motion" not in tile
    assert not {"frames", "motion", "tile"} & set(still)


@pytest.mark.parametrize(
    ("frames", "motion", "said"),
    [("20", None, "frames must be 1 to 16"), ("", "attack", "motion attack needs an animation: set Frames to 2")],
)
async def test_frames_out_of_range_or_a_motion_without_frames_is_refused_before_asking(frames, motion, said):
    client = RecordedClient()
    app = PixelsApp(client)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f2", "GenerateScreen", generate_loaded)(pilot)
        await submit(pilot, "knight", frames, motion)
        await until(pilot, lambda: any(said in str(n.message) for n in app._notifications), "the refusal")
    assert generate_calls(client) == []


async def test_a_finished_animation_plays_in_the_live_preview():
    client = AnimatedClient()
    app = PixelsApp(client)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f2", "GenerateScreen", generate_loaded)(pilot)
        await submit(pilot, "knight walk", "4", "walk")
        screen = app.screen
        await until(pilot, lambda: screen.job_id is not None, "the job")  # type: ignore[attr-defined]
        job = m.JobInfo.model_validate(
            {
                **client.jobs_by_id["3d4e5f607182"].model_dump(),
                "id": screen.job_id,  # type: ignore[attr-defined]
                "state": "completed",
                "images": [WALK.id],
                "frames": 4,
                "motion": "walk",
            }
        )
        screen.post_message(JobFinished(job))
        preview = screen.query_one("#live-preview", SpritePreview)
        await until(pilot, lambda: preview.frames == 4, "the animation")
        seen = {preview.frame}
        deadline = time.monotonic() + 5
        while len(seen) < 4 and time.monotonic() < deadline:
            await pilot.pause(0.03)
            seen.add(preview.frame)
        assert seen == {0, 1, 2, 3}
        assert "4 frames, walk" in str(screen.query_one("#live-status").render())


async def test_a_walk_made_by_a_real_worker_plays_in_the_live_preview_frame_by_frame(worker):
    app = PixelsApp(worker.client(name="tui"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.connection_line[0] == "connected", "the connection")
        app.screen.query_one("#size", Input).value = "24x24"
        await submit(pilot, "green slime", "4", "walk")
        preview = app.screen.query_one("#live-preview", SpritePreview)
        await until(pilot, lambda: preview.frames == 4, "the finished walk", timeout=60)
        assert preview.get_content_width(preview.size, preview.size) == 24  # one frame, not the sheet
        seen = {preview.frame}
        deadline = time.monotonic() + 5
        while len(seen) < 4 and time.monotonic() < deadline:
            await pilot.pause(0.03)
            seen.add(preview.frame)
        assert seen == {0, 1, 2, 3}
        assert "4 frames, walk" in str(app.screen.query_one("#live-status").render())


async def test_the_recent_strip_plays_an_animation_and_holds_it_while_another_screen_is_shown():
    app = PixelsApp(AnimatedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f2", "GenerateScreen", generate_loaded)(pilot)
        generate = app.screen
        await until(pilot, lambda: len(generate.query(f"#recent-{WALK.id}")) == 1, "the walk in the strip")
        thumb = generate.query_one(f"#recent-{WALK.id}", SpritePreview)
        tile = generate.query_one(f"#recent-{TILE.id}", SpritePreview)
        assert thumb.frames == 4 and thumb.stepping and tile.tile and not tile.stepping
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "GalleryScreen", "the Gallery")
        assert not thumb.stepping
        held = thumb.frame
        await pilot.pause(0.3)
        assert thumb.frame == held
        await pilot.press("f2")
        await until(pilot, lambda: thumb.stepping, "the strip playing again")
