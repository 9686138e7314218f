"""The preview plays an animation sheet frame by frame, holds still while hidden or paused, and repeats a tile 3 x 3."""

from __future__ import annotations

import io
import re
import time

import numpy as np
from PIL import Image
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from dgx_pixels_tui.previews import repeat_tile, shown_frames, split_sheet
from dgx_pixels_tui.previews.widget import SpritePreview

COLOURS = [(255, 0, 0), (0, 160, 0), (0, 0, 255), (255, 255, 255)]


def sheet(colours: list[tuple[int, int, int]], side: int = 8) -> np.ndarray:
    """A sheet of one flat frame per colour, left to right, each `side` pixels square."""
    return np.concatenate([np.tile(np.array([*c, 255], np.uint8), (side, side, 1)) for c in colours], axis=1)


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def drawn_colours(app: App, preview: SpritePreview) -> set[tuple[int, int, int]]:
    """The background colours on screen inside the preview (what a user sees, read back from the compositor)."""
    region = preview.content_region
    seen = set()
    for y in range(region.height):
        for x in range(region.width):
            style = app.screen.get_style_at(region.x + x, region.y + y)
            if style.bgcolor is not None:
                seen.add(tuple(style.bgcolor.triplet))
    return seen


def cell_grid(preview: SpritePreview) -> list[list[tuple]]:
    """(character, foreground, background) of each cell the widget renders."""
    region = preview.content_region
    grid = []
    for y in range(region.height):
        [line] = preview.render_lines(Region(0, y, region.width, 1))
        row = []
        for segment in line:
            fg = tuple(segment.style.color.triplet) if segment.style and segment.style.color else None
            bg = tuple(segment.style.bgcolor.triplet) if segment.style and segment.style.bgcolor else None
            row += [(char, fg, bg) for char in segment.text]
        grid.append(row)
    return grid


class PreviewApp(App[None]):
    CSS = "SpritePreview { width: 16; height: 8; }"

    def __init__(self, fps: float = 20.0) -> None:
        super().__init__()
        self.fps = fps

    def compose(self) -> ComposeResult:
        yield SpritePreview(fps=self.fps)


class Elsewhere(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("another screen")


class Dialog(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static("a dialog over the preview")


def test_a_sheet_is_cut_into_its_frames_and_a_wrong_width_is_kept_whole():
    pixels = sheet(COLOURS)
    frames = split_sheet(pixels, 4)
    assert [f.shape for f in frames] == [(8, 8, 4)] * 4
    assert [tuple(f[0, 0, :3]) for f in frames] == COLOURS
    assert len(split_sheet(pixels[:, :30], 4)) == 1  # 30 px is no sheet of 4: shown as the still it is
    assert split_sheet(pixels, 1)[0] is pixels


def test_a_tile_is_repeated_three_by_three_and_every_frame_of_an_animated_tile_too():
    tile = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    repeated = repeat_tile(tile)
    assert repeated.shape == (6, 9, 4)
    for y in range(6):
        for x in range(9):
            assert (repeated[y, x] == tile[y % 2, x % 3]).all()
    assert [f.shape for f in shown_frames(sheet(COLOURS), 4, tile=True)] == [(24, 24, 4)] * 4


async def test_an_animation_plays_its_frames_in_order_and_loops():
    app = PreviewApp(fps=10)
    async with app.run_test(size=(30, 12)) as pilot:
        preview = app.query_one(SpritePreview)
        assert preview.show(png(sheet(COLOURS)), frames=4)
        assert preview.frames == 4
        seen: list[tuple[int, int, int]] = []
        deadline = time.monotonic() + 5
        while len(seen) < 6 and time.monotonic() < deadline:
            await pilot.pause(0.01)
            [colour] = drawn_colours(app, preview)  # one flat frame fills the box
            if not seen or seen[-1] != colour:
                seen.append(colour)
        assert seen == [*COLOURS, COLOURS[0], COLOURS[1]]  # each frame in turn, then round again


async def test_playback_holds_while_paused_or_on_another_screen_and_a_still_has_no_timer():
    app = PreviewApp(fps=50)
    async with app.run_test(size=(30, 12)) as pilot:
        preview = app.query_one(SpritePreview)
        preview.set_image(sheet(COLOURS), frames=4)
        assert preview.stepping
        preview.pause()
        preview.show_frame(2)
        await pilot.pause(0.2)
        assert preview.frame == 2 and drawn_colours(app, preview) == {COLOURS[2]}
        assert not preview.stepping

        preview.play()
        await app.push_screen(Elsewhere())
        await pilot.pause(0.05)
        held = preview.frame
        await pilot.pause(0.25)
        assert preview.frame == held  # not stepped (nor repainted) while hidden
        assert not preview.stepping  # its timer is paused, not merely idle

        app.pop_screen()
        deadline = time.monotonic() + 5
        while preview.frame == held and time.monotonic() < deadline:
            await pilot.pause(0.02)
        assert preview.frame != held and preview.stepping  # stepping again once shown

        await app.push_screen(Dialog())
        await pilot.pause(0.05)
        assert preview.stepping  # a dialog leaves the screen in view: it plays on under it
        app.pop_screen()

        preview.image = sheet(COLOURS)  # set as a still: the whole sheet, no timer
        assert preview.frames == 1 and not preview.stepping
        await pilot.pause(0.1)
        assert set(COLOURS) <= drawn_colours(app, preview)  # every frame at once


async def test_a_tile_is_drawn_three_by_three():
    tile = np.array(
        [[(255, 0, 0, 255), (0, 0, 255, 255)], [(0, 160, 0, 255), (255, 255, 255, 255)]], np.uint8
    )  # four pixels, one per colour
    app = PreviewApp()
    async with app.run_test(size=(30, 12)) as pilot:
        preview = app.query_one(SpritePreview)
        preview.set_image(tile, tile=True)
        await pilot.pause()
        grid = cell_grid(preview)
        # 6 x 6 pixels scaled x2 into 16 x 16 half-block pixels: a 12 x 6 cell picture centred in 16 x 8 cells.
        picture = [row[2:14] for row in grid[1:7]]
        for y, row in enumerate(picture):
            for x, (char, _fg, bg) in enumerate(row):
                expected = tuple(int(v) for v in tile[y % 2, (x // 2) % 2, :3])
                assert (char, bg) == (" ", expected), (x, y)


def sixel_size(sequence: str | None) -> tuple[int, int]:
    assert sequence is not None
    match = re.search(r'"1;1;(\d+);(\d+)', sequence)
    assert match is not None
    return int(match[1]), int(match[2])


async def test_the_full_size_sequence_is_of_the_frame_shown_and_of_the_whole_repeat_for_a_tile():
    app = PreviewApp()
    async with app.run_test(size=(30, 12)) as pilot:
        preview = app.query_one(SpritePreview)
        preview.mode = "sixel"
        preview.set_image(sheet(COLOURS), frames=4)
        preview.pause()
        first = preview.graphics_sequence()
        preview.show_frame(1)
        second = preview.graphics_sequence()
        assert sixel_size(first) == sixel_size(second) == (8, 8)  # one frame, not the sheet
        assert first != second
        preview.set_image(sheet(COLOURS[:1]), tile=True)
        await pilot.pause()
        assert sixel_size(preview.graphics_sequence()) == (24, 24)
