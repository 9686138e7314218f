"""The full-size view written straight to the terminal: the exact escape sequences, checked in a StringIO."""

from __future__ import annotations

import base64
import io
import os
import re

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from dgx_pixels_tui.previews.fullsize import (
    ENTER_ALTERNATE_SCREEN,
    KITTY_IMAGE_ID,
    LEAVE_ALTERNATE_SCREEN,
    FullSizeView,
)
from dgx_pixels_tui.previews.graphics import write_graphics
from dgx_pixels_tui.previews.halfblock import render_halfblock
from dgx_pixels_tui.previews.kitty import cell_placement, png_bytes

from tests.unit.test_previews import decode_sixel, flat, percent

RED, BLUE, ORANGE, APP_BACKGROUND = (255, 0, 0), (0, 0, 255), (230, 120, 20), (30, 34, 42)
KITTY_CODE = re.compile(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\")


def kitty_codes(text: str) -> list[tuple[dict[str, str], str]]:
    """Each kitty graphics code in `text`: its control keys and its payload."""
    return [
        (dict(pair.split("=") for pair in control.split(",")), data or "") for control, data in KITTY_CODE.findall(text)
    ]


def kitty_image(text: str) -> tuple[dict[str, str], Image.Image, int]:
    """The first transmitted image: its first code's keys, the decoded PNG and the base64 length."""
    codes = kitty_codes(text)
    start = next(index for index, (keys, _) in enumerate(codes) if keys.get("a") == "T")
    data = ""
    for keys, chunk in codes[start:]:
        data += chunk
        if keys.get("m") == "0":
            break
    return codes[start][0], Image.open(io.BytesIO(base64.b64decode(data))), len(data)


def sprite(size: int = 256) -> np.ndarray:
    """A pixel-art-like sprite: 16 px blocks of a few colours on a transparent ground."""
    rng = np.random.default_rng(5)
    blocks = rng.integers(0, 4, (size // 16, size // 16))
    palette = np.array([[0, 0, 0, 0], [*RED, 255], [*BLUE, 255], [*ORANGE, 255]], np.uint8)
    return palette[blocks].repeat(16, axis=0).repeat(16, axis=1)


# --- kitty: the small image, stretched by the terminal --------------------------------------------------------


def test_kitty_sends_the_256_px_image_and_lets_the_terminal_scale_it_exactly():
    image = sprite(256)
    out = io.StringIO()  # no terminal: cells are taken as 8 x 16 pixels
    write_graphics(image, "kitty", out, cells=(200, 60))  # 1600 x 960 pixels: x3 fits
    keys, png, payload = kitty_image(out.getvalue())
    assert png.size == (256, 256)
    assert (np.asarray(png.convert("RGBA")) == image).all()
    # The terminal stretches 256 px over 96 x 48 cells = 768 x 768 pixels: exactly x3, so still pixel-exact.
    assert (keys["c"], keys["r"]) == ("96", "48")
    # What crosses an SSH link: the sprite's own PNG, not a 768 px one (the old way sent 1280 px, 340 KB).
    assert payload == len(base64.b64encode(png_bytes(image)))
    assert payload < 40_000
    assert len(base64.b64encode(png_bytes(image, (768, 768)))) > 3 * payload


@pytest.mark.parametrize(
    ("size", "box", "cell"),
    [((33, 17), (80, 24), (9, 19)), ((64, 64), (120, 39), (7, 15)), ((5, 200), (30, 30), (10, 20))],
)
def test_cell_placement_is_an_exact_integer_stretch_that_fits(size, box, cell):
    width, height = size
    placement = cell_placement(width, height, box, cell)
    assert placement is not None and placement.width >= width and placement.height >= height
    assert placement.cols * cell[0] == placement.scale * placement.width
    assert placement.rows * cell[1] == placement.scale * placement.height
    assert placement.cols <= box[0] and placement.rows <= box[1]


def test_kitty_image_larger_than_the_screen_is_shrunk_here_and_shown_at_its_pixel_size():
    out = io.StringIO()
    write_graphics(flat(1024, 1024, RED), "kitty", out, cells=(80, 24))  # 640 x 384 px: /3
    keys, png, _ = kitty_image(out.getvalue())
    assert png.size == (342, 342) and "c" not in keys and "r" not in keys


def test_odd_sized_kitty_image_is_padded_with_transparency_around_the_centre():
    out = io.StringIO()
    write_graphics(flat(30, 30, RED), "kitty", out, cells=(80, 24))  # 640 x 384 px in 8 x 16 cells: x12 fits
    keys, png, _ = kitty_image(out.getvalue())
    pixels = np.asarray(png.convert("RGBA"))
    # 12 x 30 px is 45 whole cells across, but 12 x 30 px is not whole rows: padded to 32 px tall, 24 rows.
    assert png.size == (30, 32) and (keys["c"], keys["r"]) == ("45", "24")
    assert (pixels[1:31] == (*RED, 255)).all() and (pixels[[0, 31], :, 3] == 0).all()


# --- the view: alternate screen, caption by position, cleanup, resize, background ----------------------------


def view_output(mode: str, image: np.ndarray, sizes: list[tuple[int, int]], caption: str = "knight · enter") -> str:
    """What FullSizeView.run writes, with enter pressed once `sizes` has been asked for every size in it."""
    read_end, write_end = os.pipe()
    keys = os.fdopen(read_end, "r")
    asked = iter(sizes)

    def size() -> tuple[int, int]:
        try:
            return next(asked)
        except StopIteration:
            os.write(write_end, b"\n")
            return sizes[-1]

    out = io.StringIO()
    try:
        FullSizeView(image, mode, caption, background=APP_BACKGROUND, foreground=(220, 220, 220)).run(
            out, keys, size, poll=0.001
        )
    finally:
        keys.close()
        os.close(write_end)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["sixel", "kitty", "halfblock"])
def test_view_runs_on_the_alternate_screen_and_places_the_caption_without_scrolling(mode):
    text = view_output(mode, flat(16, 16, RED), [(40, 12)])
    assert text.startswith(ENTER_ALTERNATE_SCREEN) and text.endswith(LEAVE_ALTERNATE_SCREEN)
    # The caption goes to the last row by position; nothing writes a line feed that could scroll a full box.
    assert "\x1b[12;1H\x1b[2Kknight · enter" in text
    assert "\n" not in text.replace("\r\n", "") and text.count("\r\n") == (10 if mode == "halfblock" else 0)
    # The screen is cleared in the app's colours (back-colour erase paints it), and the image is left alone.
    assert "\x1b[0m\x1b[38;2;220;220;220;48;2;30;34;42m\x1b[2J\x1b[H" in text


def test_sixel_fills_all_rows_but_the_caption_row():
    text = view_output("sixel", flat(16, 16, RED), [(40, 12)])
    width, height, _, _ = decode_sixel(re.search(r"\x1bP.*?\x1b\\", text, re.S).group())
    assert (width, height) == (176, 176)  # 11 rows of 16 px: x11


def test_caption_is_cut_one_column_short_of_the_edge():
    text = view_output("halfblock", flat(4, 4, RED), [(10, 5)], caption="a long caption that does not fit")
    assert "\x1b[5;1H\x1b[2Ka long ca\x1b[0m" in text and "a long cap" not in text


def test_kitty_image_is_deleted_when_the_view_closes():
    text = view_output("kitty", flat(16, 16, RED), [(40, 12)])
    codes = kitty_codes(text)
    placed = [keys for keys, _ in codes if keys.get("a") == "T"]
    assert [keys["i"] for keys in placed] == [str(KITTY_IMAGE_ID)]
    last = codes[-1][0]
    assert (last["a"], last["d"], last["i"]) == ("d", "I", str(KITTY_IMAGE_ID))
    assert text.index(LEAVE_ALTERNATE_SCREEN) > text.rindex("a=d")


@pytest.mark.parametrize("mode", ["sixel", "kitty", "halfblock"])
def test_resize_while_waiting_redraws_for_the_new_size(mode):
    text = view_output(mode, flat(16, 16, RED), [(40, 12), (40, 12), (60, 20)])
    assert text.count("\x1b[2J\x1b[H") == 2
    assert "\x1b[12;1H\x1b[2K" in text and "\x1b[20;1H\x1b[2K" in text
    if mode == "kitty":
        assert sum(1 for keys, _ in kitty_codes(text) if keys.get("a") == "T") == 2


def test_transparent_pixels_take_the_apps_background_in_every_mode():
    image = flat(4, 4, RED)
    image[:2, :, 3] = 0  # top half transparent
    sixel_text = view_output("sixel", image, [(4, 5)])  # 32 x 64 px: x8
    width, height, palette, drawn = decode_sixel(re.search(r"\x1bP.*?\x1b\\", sixel_text, re.S).group())
    assert len(drawn) == width * height  # nothing left to the terminal's background
    assert {palette[index] for index in drawn.values()} == {percent(APP_BACKGROUND), percent(RED)}

    _, png, _ = kitty_image(view_output("kitty", image, [(4, 5)]))
    pixels = np.asarray(png.convert("RGBA"))
    assert (pixels[0, 0] == (*APP_BACKGROUND, 255)).all() and (pixels[-1, -1] == (*RED, 255)).all()

    halfblock = view_output("halfblock", image, [(4, 5)])
    assert "48;2;30;34;42m" in halfblock and "48;2;0;0;0" not in halfblock


# --- half-blocks: 24-bit codes even after Textual drew the same styles in 16 colours ---------------------------


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_parameters(text: str) -> list[str]:
    """The colour parts of every SGR in `text` (resets dropped)."""
    found = []
    for params in SGR.findall(text):
        parts = params.split(";")
        index = 0
        while index < len(parts):
            part = parts[index]
            if part in ("38", "48"):
                step = 5 if parts[index + 1] == "2" else 3
                found.append(";".join(parts[index : index + step]))
                index += step
            else:
                if part not in ("", "0"):
                    found.append(part)
                index += 1
    return found


def test_full_size_half_blocks_are_24_bit_after_textual_drew_them_in_16_colours():
    image = np.concatenate([flat(8, 1, ORANGE), flat(8, 1, BLUE)] * 2)
    # Textual writes the app's strips through its console; in plain xterm that console is 16-colour.
    sixteen = Console(file=io.StringIO(), color_system="standard", force_terminal=True, _environ={})
    drawn_by_app = "".join(strip.render(sixteen) for strip in render_halfblock(image, 8, 2))
    assert "38;2" not in drawn_by_app  # the app's frame is 16-colour here, as the terminal asked
    out = io.StringIO()
    write_graphics(image, "halfblock", out, cells=(8, 2))
    colours = colour_parameters(out.getvalue())
    assert colours and all(part.startswith(("38;2;", "48;2;")) for part in colours), colours
    assert "38;2;230;120;20" in colours and "48;2;0;0;255" in colours


def test_full_size_half_blocks_follow_a_lower_colour_mode_when_asked():
    out = io.StringIO()
    write_graphics(
        np.concatenate([flat(2, 1, RED), flat(2, 1, BLUE)]), "halfblock", out, cells=(2, 1), color_system="256"
    )
    assert colour_parameters(out.getvalue()) == ["38;5;196", "48;5;21"]


# --- the app hands the view its colours and mode ------------------------------------------------------------


async def test_app_shows_the_view_in_its_own_colours_and_refuses_unreadable_data(monkeypatch):
    from contextlib import nullcontext

    from dgx_pixels_tui.app import PixelsApp
    from dgx_pixels_tui.previews.detect import DetectedMode
    from dgx_pixels_tui.previews.fullsize import FullSizeView

    from tests.support.recorded_worker import RecordedClient

    shown: list[FullSizeView] = []
    monkeypatch.setattr(FullSizeView, "run", lambda view, stream, keys: shown.append(view))
    app = PixelsApp(RecordedClient(), preview_mode=DetectedMode("kitty", "forced"))
    async with app.run_test(size=(80, 24)) as pilot:
        monkeypatch.setattr(app, "suspend", nullcontext)
        buffer = io.BytesIO()
        Image.fromarray(flat(4, 4, RED), "RGBA").save(buffer, format="PNG")
        app.view_full_size(buffer.getvalue(), "img1  4x4")
        app.view_full_size(b"not a png", "img2")
        await pilot.pause()
        [view] = shown
        _, _, background, foreground = app.screen.colors
        assert (view.mode, view.background, view.foreground) == ("kitty", background.rgb, foreground.rgb)
        assert view.caption == "img1  4x4 (kitty) · press enter to return"
        assert view.color_system == app.console.color_system
        assert any("cannot be shown" in notice.message for notice in app._notifications)
