"""The Gallery with an animation and a tile: the tile drawn 3 x 3, the walk playing with its frames named in the
caption, and `e` exporting the walk as its sheet, layout with frame indices, GIF and APNG."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Input, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.previews.widget import SpritePreview
from dgx_pixels_tui.widgets.fitted_table import FittedTable

from tests.support.animated_worker import TILE, WALK, AnimatedClient, brick_tile
from tests.tui.test_screen_snapshots import frozen_clock, opened_with, until

__all__ = ["frozen_clock"]  # the fixture (TZ=UTC), used by every test here


def large(app: PixelsApp) -> SpritePreview:
    return app.screen.query_one("#large", SpritePreview)


def caption(app: PixelsApp) -> str:
    return str(app.screen.query_one("#params", Static).render())


def showing(image_id: str):
    def loaded(app: PixelsApp) -> bool:
        preview = large(app)
        return preview.image is not None and caption(app).startswith(image_id)

    return loaded


def held(image_id: str):
    """Open the Gallery on `image_id` and hold its preview on the first frame (snapshots draw the same each run)."""
    opened = opened_with("f4", "GalleryScreen", showing(TILE.id))

    async def run_before(pilot: Pilot) -> None:
        app: PixelsApp = pilot.app  # type: ignore[assignment]
        await opened(pilot)
        if image_id != TILE.id:
            app.screen.query_one("#images", FittedTable).move_cursor(row=1)
            await until(pilot, lambda: showing(image_id)(app), "the image")
        large(app).pause()
        large(app).show_frame(0)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_a_tile_preview_at_both_sizes(snap_compare, size):
    """The brick tile repeated 3 x 3 in the large preview (no seam where the copies meet); the caption says tile."""
    assert snap_compare(PixelsApp(AnimatedClient()), terminal_size=size, run_before=held(TILE.id))


async def test_the_tile_is_shown_three_by_three_and_the_walk_plays_its_frames():
    app = PixelsApp(AnimatedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f4", "GalleryScreen", showing(TILE.id))(pilot)
        preview = large(app)
        assert preview.tile and preview.frames == 1 and "16x16 · tile" in caption(app)
        width = preview.get_content_width(preview.size, preview.size)
        assert width == 3 * brick_tile().shape[1]  # three tiles side by side

        app.screen.query_one("#images", FittedTable).move_cursor(row=1)
        await until(pilot, lambda: showing(WALK.id)(app), "the walk")
        assert preview.frames == 4 and not preview.tile and "128x32 · 4 frames, walk" in caption(app)
        seen = {preview.frame}
        deadline = time.monotonic() + 5
        while len(seen) < 4 and time.monotonic() < deadline:
            await pilot.pause(0.03)
            seen.add(preview.frame)
        assert seen == {0, 1, 2, 3}


async def test_exporting_the_walk_writes_its_sheet_layout_gif_and_apng(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text('[package]\nname = "game"\n')
    app = PixelsApp(AnimatedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await held(WALK.id)(pilot)
        await pilot.press("e")
        await until(pilot, lambda: type(app.screen).__name__ == "ExportDialog", "the dialog")
        note = str(app.screen.query_one("#export-animation", Static).render())
        assert "frame indices" in note and "GIF" in note and "APNG" in note
        app.screen.query_one("#export-project", Input).value = str(game)
        app.screen.query_one("#export-category", Input).value = "heroes"
        await pilot.press("enter")
        folder = game / "assets/sprites/heroes"
        await until(pilot, lambda: (game / "assets/sprites/manifest.json").exists(), "the export")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["knight-walk-42.apng", "knight-walk-42.gif", "knight-walk-42.layout.json", "knight-walk-42.png"]
    layout = json.loads((folder / "knight-walk-42.layout.json").read_text())
    assert layout["tile_size"] == [32, 32] and layout["columns"] == 4
    assert layout["animations"] == {"walk": {"first": 0, "last": 3, "fps": 10}}


async def test_the_full_size_view_of_a_tile_is_the_tile_three_by_three(monkeypatch):
    app = PixelsApp(AnimatedClient())
    viewed: list[tuple[bytes, str]] = []
    monkeypatch.setattr(app, "view_full_size", lambda png, caption: viewed.append((png, caption)))
    async with app.run_test(size=(120, 40)) as pilot:
        await held(TILE.id)(pilot)
        await pilot.press("v")
        await until(pilot, lambda: len(viewed) == 1, "the full-size view")
    png, said = viewed[0]
    with Image.open(io.BytesIO(png)) as image:
        shown = np.asarray(image.convert("RGBA"))
    assert shown.shape == (48, 48, 4) and (shown == np.tile(brick_tile(), (3, 3, 1))).all()
    assert said == f"{TILE.id}  16x16 tile, shown 3 × 3"
