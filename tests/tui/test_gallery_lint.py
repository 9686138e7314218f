"""The Gallery shows each image's quality figures on one line, the checks past the [lint] thresholds marked ✗;
an image stored before figures existed shows none. Snapshots at 120x40 and 80x24 (dates in UTC)."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.screens.export_dialog import ExportDialog
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import LintSettings

from tests.support.recorded_worker import RecordedClient, images
from tests.tui.test_screen_snapshots import frozen_clock, gallery_loaded, opened_with, static_text, until

__all__ = ["frozen_clock"]  # the fixture (TZ=UTC), used by every test here

# The newest image's figures: its grid fit is below the default 0.25; the others pass.
NEWEST = {
    "colors": 12,
    "opaque": 400,
    "off_palette": 0.0,
    "orphans": 3,
    "semi_transparent": 0.0,
    "grid_fit": 0.12,
    "seam": None,
}
OTHERS = {**NEWEST, "off_palette": None, "grid_fit": 0.92}


def linted() -> list[m.ImageInfo]:
    """The recorded images with figures, but the oldest, made (as it were) before figures existed."""
    stored = images()
    out = []
    for n, image in enumerate(stored):
        if n == len(stored) - 1:
            out.append(image)
            continue
        figures = NEWEST if n == 0 else OTHERS
        out.append(
            image.model_copy(update={"lint": m.ImageLint(**figures), "params": {**image.params, "lint": figures}})
        )
    return out


class LintedClient(RecordedClient):
    async def images(self, query="", model=None, tag=None, limit=60, before=None) -> m.ImagesReply:
        reply = await super().images(query, model, tag, limit, before)
        by_id = {image.id: image for image in linted()}
        return m.ImagesReply(images=[by_id[image.id] for image in reply.images], total=reply.total)

    async def image(self, image_id, include_bytes=True, max_px=None, raw=False) -> m.ImageReply:
        reply = await super().image(image_id, include_bytes, max_px, raw)
        by_id = {image.id: image for image in linted()}
        return m.ImageReply(image=by_id.get(image_id, reply.image), png=reply.png)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_gallery_shows_the_figures_at_both_sizes(snap_compare, size):
    opened = opened_with("f4", "GalleryScreen", gallery_loaded)
    assert snap_compare(PixelsApp(LintedClient()), terminal_size=size, run_before=opened)


def test_the_export_dialog_lists_the_failing_image_at_80x24(snap_compare, tmp_path, monkeypatch):
    """Two images marked, the newest failing: the dialog says which and how, and all of it fits 24 rows."""
    monkeypatch.chdir(tmp_path)  # outside any Rust project: the dialog remembers no folder
    opened = opened_with("f4", "GalleryScreen", gallery_loaded)

    async def run_before(pilot) -> None:
        await opened(pilot)
        await pilot.press("space", "down", "space", "e")
        await until(pilot, lambda: isinstance(pilot.app.screen, ExportDialog), "the dialog")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(PixelsApp(LintedClient()), terminal_size=(80, 24), run_before=run_before)


async def test_the_selected_images_figures_show_with_the_failing_check_marked():
    app = PixelsApp(LintedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        shown = static_text(app, "#params")
        assert "quality 12 colours · 0% off palette · 3 orphans · ✗ grid 0.12" in shown
        assert '"colors"' not in shown  # the figures are not repeated as raw parameters
        await pilot.press("down")
        await pilot.pause(0.2)
        second = images()[1].id
        await _until_shown(pilot, app, second)
        shown = static_text(app, "#params")
        assert "quality 12 colours · 3 orphans · grid 0.92" in shown and "✗" not in shown


async def test_the_configured_thresholds_decide_what_is_marked():
    app = PixelsApp(LintedClient())
    app.lint_limits = LintSettings(max_colors=8, min_grid_fit=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        shown = static_text(app, "#params")
        assert "✗ 12 colours" in shown and "✗ grid" not in shown and "grid 0.12" in shown


async def test_an_image_made_before_figures_existed_shows_none():
    app = PixelsApp(LintedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        oldest = images()[-1].id
        app.screen.show(oldest)
        await _until_shown(pilot, app, oldest)
        assert "quality" not in static_text(app, "#params")


async def _until_shown(pilot, app, image_id: str) -> None:
    for _ in range(200):
        if image_id in static_text(app, "#params"):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{image_id} never shown")


async def test_exporting_an_image_that_fails_asks_first_and_one_that_passes_does_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text('[package]\nname = "game"\n')
    sprites = game / "assets/sprites/misc"
    app = PixelsApp(LintedClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        await pilot.press("e")  # the newest image: its grid fit is below 0.5
        await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        dialog = app.screen
        warning = str(dialog.query_one("#export-failing", Static).render())
        assert f"✗ {images()[0].id}: grid 0.12 < 0.25" in warning
        await pilot.press(*str(game), "enter")
        await pilot.pause(0.2)
        assert app.screen is dialog, "nothing exported without saying so"
        assert "export them anyway" in str(dialog.query_one("#export-error", Static).render())
        assert dialog.focused is dialog.query_one("#export-anyway", Checkbox)
        await pilot.press("space", "enter")
        await until(pilot, lambda: len(list(sprites.glob("*.png"))) == 1, "the export, once ticked")
        await pilot.press("down")
        await _until_shown(pilot, app, images()[1].id)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the second dialog")
        assert not app.screen.query("#export-failing") and not app.screen.query("#export-anyway")
        await pilot.press("enter")
        await until(pilot, lambda: len(list(sprites.glob("*.png"))) == 2, "the passing image's export")


def test_the_dialog_lists_two_failing_images_and_counts_the_rest():
    failing = {f"abcd-{n}": "grid 0.12 < 0.25" for n in range(4)}
    text = ExportDialog("4 marked images", "", "misc", failing=failing)._failing_text()
    assert text.splitlines() == [
        "4 of these fail the quality checks ([lint]):",
        "✗ abcd-0: grid 0.12 < 0.25",
        "✗ abcd-1: grid 0.12 < 0.25",
        "… and 2 more (dgx-pixels images says why)",
    ]
