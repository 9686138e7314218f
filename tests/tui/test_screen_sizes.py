"""Generate, Help and Models at the two sizes a user meets most, 120x40 and 80x24, against the recorded worker.

Nothing may be cut at 80x24: Generate's button and recent strip, the screens' tabs, the connection line's
warning, the footer's keys. Update after a deliberate change with

    .venv/bin/python -m pytest tests/tui/test_screen_sizes.py --snapshot-update -p no:cacheprovider

and look at the SVGs in tests/tui/__snapshots__/test_screen_sizes/ before committing them."""

from __future__ import annotations

import pytest

from dgx_pixels_tui.app import PixelsApp

from tests.support.recorded_worker import RecordedClient, images
from tests.tui.test_screen_snapshots import (  # the clock frozen, the same waits as every other snapshot
    frozen_clock,  # noqa: F401 (an autouse fixture, used by being here)
    generate_loaded,
    help_loaded,
    models_loaded,
    opened_with,
)

SIZES = {"120x40": (120, 40), "80x24": (80, 24)}


def generate_and_recent_loaded(app: PixelsApp) -> bool:
    return generate_loaded(app) and len(app.screen.query("#recent SpritePreview")) == len(images())


SCREENS = {
    "generate": ("f2", "GenerateScreen", generate_and_recent_loaded),
    "help": ("f1", "HelpScreen", help_loaded),
    "models": ("f5", "ModelsScreen", models_loaded),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_at_size(snap_compare, screen, size):
    key, name, loaded = SCREENS[screen]
    assert snap_compare(
        PixelsApp(RecordedClient()), terminal_size=SIZES[size], run_before=opened_with(key, name, loaded)
    )
