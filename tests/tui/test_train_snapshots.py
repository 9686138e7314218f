"""Screenshots of training in the TUI against the recorded worker (RecordedClient(training=True)): the Train screen
with a dataset loaded and a trained preset, at 120x40 and 80x24 (nothing may be cut at 80x24: the form, the
dataset's columns, the tabs with F8, the footer's keys); the Queue screen with a training job under the cursor (its
stage, elapsed time and estimate, no step bar); the Compare screen judging an evaluation's first comparison, blind.
Update after a deliberate change with

    .venv/bin/python -m pytest tests/tui/test_train_snapshots.py --snapshot-update -p no:cacheprovider

and look at the SVGs in tests/tui/__snapshots__/test_train_snapshots/ before committing them."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview

from tests.support.recorded_worker import TRAINING_JOB, RecordedClient
from tests.tui.test_screen_snapshots import (  # the clock frozen, the same waits as every other snapshot
    frozen_clock,  # noqa: F401 (an autouse fixture, used by being here)
    opened_with,
    rows,
    until,
)

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


def train_loaded(app: PixelsApp) -> bool:
    return app.screen.query_one("#train-base", Select).value == "sdxl-base" and rows(app, "#train-trained") == 1


async def dataset_loaded(pilot: Pilot) -> None:
    app: PixelsApp = pilot.app  # type: ignore[assignment]
    await opened_with("f8", "TrainScreen", train_loaded)(pilot)
    app.screen.query_one("#train-name", Input).value = "dragons-v1"
    app.screen.query_one("#train-source", Input).value = "tag:creature"
    await pilot.press("ctrl+l")
    await until(pilot, lambda: rows(app, "#train-dataset") == 2, "the dataset")
    await until(pilot, lambda: app.screen.query_one("#train-preview", SpritePreview).image is not None, "its preview")
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES)
def test_train_screen_with_a_dataset(snap_compare, size):
    assert snap_compare(PixelsApp(RecordedClient(training=True)), terminal_size=SIZES[size], run_before=dataset_loaded)


def test_queue_screen_with_a_training_job(snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await opened_with("f3", "QueueScreen", lambda app: TRAINING_JOB.id in app.screen.table.rows)(pilot)
        table = app.screen.query_one("#jobs", DataTable)
        table.move_cursor(row=table.get_row_index(TRAINING_JOB.id))
        await pilot.pause()

    assert snap_compare(PixelsApp(RecordedClient(training=True)), terminal_size=(120, 40), run_before=run_before)


def test_compare_screen_judging_an_evaluation(snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await opened_with("f8", "TrainScreen", train_loaded)(pilot)
        app.screen.query_one("#train-trained", DataTable).focus()
        await pilot.press("e")
        await until(pilot, lambda: type(app.screen).__name__ == "CompareScreen", "the Compare screen")
        screen = app.screen
        previews = list(screen.query(SpritePreview))[:2]
        await until(pilot, lambda: all(p.image is not None for p in previews), "the two images")
        for field in screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(PixelsApp(RecordedClient(training=True)), terminal_size=(120, 40), run_before=run_before)
