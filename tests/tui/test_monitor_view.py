"""The Monitor screen against the recorded worker, at 120x40 and 80x24."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Sparkline

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.messages import StatusArrived

from tests.support.recorded_worker import STATUS, RecordedClient
from tests.tui.test_screen_snapshots import monitor_loaded, opened_with, until


def drawn(app: PixelsApp, selector: str) -> str:
    spark = app.screen.query_one(selector, Sparkline)
    return "".join(segment.text for y in range(spark.size.height) for segment in spark.render_line(y))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_monitor_screen_at_both_sizes(snap_compare, size):
    """Opened with one throughput sample: the sparklines are flat baselines, not solid blocks."""
    opened = opened_with("f6", "MonitorScreen", monitor_loaded)
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=opened)


async def test_jobs_per_minute_is_a_flat_line_until_there_are_two_samples():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await opened_with("f6", "MonitorScreen", monitor_loaded)(pilot)
        assert "█" not in drawn(app, "#rate") and "▁" in drawn(app, "#rate")
        faster = STATUS.model_copy(update={"throughput": STATUS.throughput.model_copy(update={"jobs_per_min": 4.0})})
        app.screen.post_message(StatusArrived(faster))
        await until(pilot, lambda: "█" in drawn(app, "#rate"), "the rise drawn")
        assert "jobs per minute: 4" in str(app.screen.query_one("#rate-label").render())


async def test_at_80_columns_why_a_server_is_down_is_shown_whole():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await opened_with("f6", "MonitorScreen", monitor_loaded)(pilot)
        await pilot.pause()
        for selector in ("#gpus", "#backends"):
            assert app.screen.query_one(selector, DataTable).max_scroll_x == 0, f"{selector} is cut at the right"
        text = " ".join(
            "".join(segment.text for segment in strip).strip() for strip in app.screen._compositor.render_strips()
        )
        assert "unreachable: connection refused" in " ".join(text.split())
