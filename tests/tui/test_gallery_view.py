"""The Gallery at 120x40 and 80x24, against the recorded worker (dates in UTC, see test_screen_snapshots.py)."""

from __future__ import annotations

import pytest

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.widgets.fitted_table import FittedTable

from tests.support.recorded_worker import RecordedClient, images
from tests.tui.test_screen_snapshots import frozen_clock, gallery_loaded, opened_with

__all__ = ["frozen_clock"]  # the fixture (TZ=UTC), used by every test here


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_gallery_screen_at_both_sizes(snap_compare, size):
    """The list beside the large preview; at 80 columns the list is image and prompt, nothing cut off."""
    opened = opened_with("f4", "GalleryScreen", gallery_loaded)
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=opened)


@pytest.mark.parametrize(
    ("size", "columns"),
    [((120, 40), ("image", "prompt", "model", "made")), ((80, 24), ("image", "prompt"))],
    ids=["120x40", "80x24"],
)
async def test_the_list_fits_its_width_and_keeps_the_prompt(size, columns):
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=size) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        table = app.screen.query_one("#images", FittedTable)
        assert table.shown == columns
        assert table.max_scroll_x == 0, "no column is cut off at the right"
        assert table.flexible_width >= 20
        line = "".join(segment.text for segment in table.render_line(1))
        assert images()[0].id in line and "fire dragon" in line
