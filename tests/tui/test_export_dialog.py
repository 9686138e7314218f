"""The Gallery's export dialog against the recorded worker: it starts on the project folder without selecting it,
says inside itself what is wrong and stays open, and exporting the same image again reuses its file."""

from __future__ import annotations

import json

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.widgets._toast import Toast

from dgx_pixels_tui.app import PixelsApp
from dgx_pixels_tui.screens.export_dialog import ExportDialog

from tests.support.recorded_worker import RecordedClient
from tests.tui.test_screen_snapshots import gallery_loaded, opened_with, until

NOT_A_FOLDER = "/nonexistent/game"


@pytest.fixture(autouse=True)
def not_in_a_project(tmp_path, monkeypatch):
    """The app starts outside any Rust project, so the dialog remembers nothing at first."""
    monkeypatch.chdir(tmp_path)


def dialog_text(app: PixelsApp) -> str:
    return str(app.screen.query_one("#export-error", Static).render())


async def open_dialog(pilot: Pilot) -> ExportDialog:
    app: PixelsApp = pilot.app  # type: ignore[assignment]
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
    await pilot.pause()
    assert isinstance(app.screen, ExportDialog)
    return app.screen


def with_a_refused_folder() -> object:
    opened = opened_with("f4", "GalleryScreen", gallery_loaded)

    async def run_before(pilot: Pilot) -> None:
        await opened(pilot)
        dialog = await open_dialog(pilot)
        await pilot.press(*NOT_A_FOLDER, "enter")
        await until(pilot, lambda: "does not exist" in dialog_text(pilot.app), "the refusal")  # type: ignore[arg-type]
        dialog.query_one("#export-project", Input).cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_export_dialog_says_what_is_wrong_at_both_sizes(snap_compare, size):
    """A folder that does not exist: the dialog stays open at the top of the screen and says why in red."""
    assert snap_compare(PixelsApp(RecordedClient()), terminal_size=size, run_before=with_a_refused_folder())


async def test_a_folder_that_is_not_a_bevy_project_keeps_the_dialog_open(tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(80, 24)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        dialog = await open_dialog(pilot)
        assert dialog.focused is dialog.query_one("#export-project", Input)
        await pilot.press(*str(game), "enter")
        await pilot.pause(0.2)
        assert app.screen is dialog, "the dialog stays open to be fixed"
        assert "not a Bevy project" in dialog_text(app) and "Cargo.toml" in dialog_text(app)
        (game / "Cargo.toml").write_text('[package]\nname = "game"\n')
        await pilot.press("enter")
        await until(pilot, lambda: len(list((game / "assets/sprites/misc").glob("*.png"))) == 1, "the export")


async def test_the_remembered_folder_is_kept_when_typing_and_a_second_export_reuses_the_file(tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text('[package]\nname = "game"\n')
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(120, 40)) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        dialog = await open_dialog(pilot)
        await pilot.press(*str(game), "tab", *"heroes", "enter")  # tab selects the category: typing replaces it
        sprites = game / "assets/sprites"
        await until(pilot, lambda: (sprites / "manifest.json").exists(), "the first export")
        first = sorted(p.name for p in (sprites / "heroes").iterdir())
        exported_at = json.loads((sprites / "manifest.json").read_text())["sprites"]
        dialog = await open_dialog(pilot)
        project = dialog.query_one("#export-project", Input)
        assert dialog.focused is project and project.value == str(game)
        await pilot.press("x")
        assert project.value == f"{game}x", "typing adds to the remembered folder instead of replacing it"
        await pilot.press("backspace", "enter")
        await until(
            pilot,
            lambda: json.loads((sprites / "manifest.json").read_text())["sprites"] != exported_at,
            "the second export",
        )
        assert sorted(p.name for p in (sprites / "heroes").iterdir()) == first, "no -1 copy of the same image"
        manifest = json.loads((sprites / "manifest.json").read_text())
        assert len(manifest["sprites"]) == 1


async def test_notifications_do_not_cover_the_dialog():
    app = PixelsApp(RecordedClient())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await opened_with("f4", "GalleryScreen", gallery_loaded)(pilot)
        await pilot.press("space", "down", "space")  # "2 marked: e exports them..." for 3 s
        await until(pilot, lambda: len(app.screen.query(Toast)) > 0, "the note")
        dialog = await open_dialog(pilot)
        await pilot.pause(0.1)
        assert not dialog.query(Toast), "no notification over the dialog"
        assert dialog.query_one("#export-dialog").region.y <= 2, "the dialog sits at the top, clear of notifications"
