"""Screenshots of every screen against a recorded worker (fixed queue, models, images and status).

The live worker is covered by test_app_flows.py; here every answer is fixed so that the SVGs are the same on
every run: the queue's clock is frozen at FROZEN_NOW, dates are shown in UTC, and the prompt's cursor does not
blink. Update after a deliberate change of a screen with

    .venv/bin/python -m pytest tests/tui/test_screen_snapshots.py --snapshot-update -p no:cacheprovider

and look at the SVGs in tests/tui/__snapshots__/ before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, SelectionList, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_tui.screens import queue as queue_screen

from tests.support.recorded_worker import FROZEN_NOW, JOBS, LEADERBOARD, MODELS, RecordedClient, images

SIZE = (120, 36)


class FrozenTime:
    """The `time` module as the queue screen sees it: `time()` always answers `now`."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue_screen, "time", FrozenTime(FROZEN_NOW))
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


async def until(pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def opened_with(key: str, screen: str, loaded: Callable[[PixelsApp], bool]) -> Callable[[Pilot], object]:
    """A run_before: wait for the connection, press `key`, wait until the screen has loaded, stop cursor blinks."""

    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await until(pilot, lambda: app.connection_line[0] == "connected", "the connection")
        await pilot.press(key)
        await until(pilot, lambda: type(app.screen).__name__ == screen, f"the {screen}")
        await until(pilot, lambda: loaded(app), f"the {screen} to load")
        for field in app.screen.query(Input):
            field.cursor_blink = False  # the cursor stays drawn, whatever the timing
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def rows(app: PixelsApp, selector: str) -> int:
    return app.screen.query_one(selector, DataTable).row_count


def static_text(app: PixelsApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def generate_loaded(app: PixelsApp) -> bool:
    return app.screen.query_one("#model", Select).value == "procedural" and "sdxl" in static_text(app, "#unavailable")


def gallery_loaded(app: PixelsApp) -> bool:
    newest = images()[0]
    return (
        rows(app, "#images") == len(images())
        and app.screen.query_one("#large", SpritePreview).image is not None
        and newest.id in static_text(app, "#params")
    )


def monitor_loaded(app: PixelsApp) -> bool:
    return rows(app, "#gpus") == 1 and rows(app, "#backends") == 2


def help_loaded(app: PixelsApp) -> bool:
    return len(app.screen.query(".help-keys")) > 0


def compare_loaded(app: PixelsApp) -> bool:
    return len(app.screen.query_one("#compare-models", SelectionList).selected) == 2


def models_loaded(app: PixelsApp) -> bool:
    return rows(app, "#models") == len(MODELS) and rows(app, "#leaderboard") == len(LEADERBOARD.rows)


def compared(*votes: str) -> Callable[[Pilot], object]:
    """Open Compare, tick all three procedural models, compare "red knight" with seed 42, then press `votes`."""
    opened = opened_with("f7", "CompareScreen", compare_loaded)

    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await opened(pilot)
        app.screen.query_one("#compare-models", SelectionList).select_all()
        app.screen.query_one("#compare-seed", Input).value = "42"
        await pilot.press(*"red knight", "enter")
        screen = app.screen
        await until(pilot, lambda: screen.current is not None and screen.ahead is not None, "the round and the next")
        previews = list(screen.query(SpritePreview))[:3]
        await until(pilot, lambda: all(p.image is not None for p in previews), "the three images")
        if votes:
            await pilot.press(*votes)
            await until(pilot, lambda: screen.vote is not None, "the vote")
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


def app() -> PixelsApp:
    return PixelsApp(RecordedClient())


def test_generate_screen(snap_compare):
    """The form with the usable model chosen and the unavailable one explained; no job yet."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f2", "GenerateScreen", generate_loaded))


def test_queue_screen(snap_compare):
    """Running first (50%, step 4/8), then queued by priority, then finished newest first with the failure."""
    loaded = lambda app: rows(app, "#jobs") == len(JOBS)  # noqa: E731
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f3", "QueueScreen", loaded))


def test_gallery_screen(snap_compare):
    """Three images newest first; the newest selected, drawn large, with its parameters."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f4", "GalleryScreen", gallery_loaded))


def test_models_screen(snap_compare):
    """The procedural styles usable; sdxl-pixel-art dimmed with why it cannot run on spark; under them the
    leaderboard of every vote, best first, with its intervals and the tags voted on."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f5", "ModelsScreen", models_loaded))


def test_models_screen_with_a_tag_nobody_voted_on(snap_compare):
    """The tag filter applied: an empty leaderboard says how to get votes."""
    opened = opened_with("f5", "ModelsScreen", models_loaded)

    async def run_before(pilot: Pilot) -> None:
        await opened(pilot)
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        app.screen.query_one("#leaderboard-tag", Input).focus()
        await pilot.press(*"tile", "enter")
        await until(
            pilot,
            lambda: rows(app, "#leaderboard") == 0 and "no votes tagged" in static_text(app, "#leaderboard-note"),
            "the empty board",
        )
        await pilot.pause()

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_compare_screen_blind(snap_compare):
    """Three panels in a row with their images; the captions say "Panel N · cached", never the model; the next
    round is queued ahead."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=compared())


def test_compare_screen_after_a_vote(snap_compare):
    """Panel 2 won: it is marked, and every caption names its model with its score before and after the vote."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=compared("2"))


def test_monitor_screen(snap_compare):
    """The GB10 with unified memory, both backends (spark down), and the throughput line."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f6", "MonitorScreen", monitor_loaded))


def test_help_screen(snap_compare):
    """Every key, from the bindings."""
    assert snap_compare(app(), terminal_size=SIZE, run_before=opened_with("f1", "HelpScreen", help_loaded))
