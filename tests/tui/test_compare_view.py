"""The Compare screen at 120x40 and 80x24, against the recorded worker."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from dgx_pixels_tui.app import PixelsApp

from tests.support.recorded_worker import RecordedClient
from tests.tui.test_screen_snapshots import compare_loaded, compared, opened_with


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_compare_screen_at_both_sizes(snap_compare, size):
    """Three panels judged blind; under 100 columns the prompt has a line of its own above models, seed and tags."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=compared())


async def test_the_prompt_stays_wide_at_80_columns():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await opened_with("f7", "CompareScreen", compare_loaded)(pilot)
        prompt = app.screen.query_one("#compare-prompt", Input)
        assert prompt.size.width >= 70, f"the prompt is {prompt.size.width} columns wide"
        long_prompt = "red knight with a sword and a shield"
        await pilot.press(*long_prompt)
        assert prompt.value == long_prompt
        assert prompt.content_region.width > len(long_prompt), "the whole prompt shows, not its last 12 letters"
