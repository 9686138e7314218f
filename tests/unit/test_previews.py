"""Terminal image previews: integer scaling, half-block cells, sixel/kitty encoding, detection, the widget."""

from __future__ import annotations

import base64
import io
import os
import pty
import re
import select
import subprocess
import sys
import termios
import threading
import time
import tty

import numpy as np
import pytest
from PIL import Image
from textual.app import App, ComposeResult
from textual.geometry import Region

from dgx_pixels_tui.previews import (
    Backdrop,
    IntegerScale,
    SpritePreview,
    choose_mode,
    encode_kitty,
    encode_sixel,
    fit_integer_scale,
    frame_ansi_bytes,
    query_tty,
    render_halfblock,
    typed_keys,
    write_graphics,
)
from dgx_pixels_tui.previews.detect import DA1_REQUEST, da1_attributes
from dgx_pixels_tui.previews.halfblock import box_picture
from dgx_pixels_tui.previews.kitty import CHUNK_BYTES, png_bytes

RED, BLUE, GREEN, WHITE, BLACK = (255, 0, 0), (0, 0, 255), (0, 128, 0), (255, 255, 255), (0, 0, 0)


def rgba(rows: list[list[tuple[int, ...]]]) -> np.ndarray:
    """An RGBA array from rows of RGB or RGBA tuples."""
    return np.array([[(*pixel, 255)[:4] for pixel in row] for row in rows], np.uint8)


def flat(width: int, height: int, colour: tuple[int, int, int]) -> np.ndarray:
    return np.tile(np.array([*colour, 255], np.uint8), (height, width, 1))


def cells(strips) -> list[list[tuple[str, tuple | None, tuple | None]]]:
    """Each cell of each strip as (character, foreground RGB, background RGB)."""
    grid = []
    for strip in strips:
        row = []
        for segment in strip:
            fg = tuple(segment.style.color.triplet) if segment.style and segment.style.color else None
            bg = tuple(segment.style.bgcolor.triplet) if segment.style and segment.style.bgcolor else None
            row.extend((char, fg, bg) for char in segment.text)
        grid.append(row)
    return grid


def top_and_bottom(cell: tuple[str, tuple | None, tuple | None]) -> tuple[tuple, tuple]:
    """The two pixel colours a cell shows: '▀' is fg over bg, a space is its background twice."""
    char, fg, bg = cell
    assert char in ("▀", " ")
    return (fg, bg) if char == "▀" else (bg, bg)


def shown_pixels(strips) -> np.ndarray:
    """The (rows * 2, cols, 3) picture a list of strips shows."""
    grid = cells(strips)
    picture = np.zeros((len(grid) * 2, len(grid[0]), 3), np.int64)
    for y, row in enumerate(grid):
        for x, cell in enumerate(row):
            picture[2 * y, x], picture[2 * y + 1, x] = top_and_bottom(cell)
    return picture


# --- integer scaling -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "box", "scale", "scaled"),
    [
        ((16, 16), (64, 64), IntegerScale(up=4), (64, 64)),
        ((64, 64), (64, 64), IntegerScale(up=1), (64, 64)),
        ((512, 512), (64, 64), IntegerScale(down=8), (64, 64)),
        ((32, 16), (64, 64), IntegerScale(up=2), (64, 32)),  # width limits
        ((10, 30), (64, 64), IntegerScale(up=2), (20, 60)),  # height limits
        ((100, 30), (64, 64), IntegerScale(down=2), (50, 15)),
        ((48, 96), (64, 64), IntegerScale(down=2), (24, 48)),
        ((65, 1), (64, 64), IntegerScale(down=2), (33, 1)),
    ],
)
def test_integer_scale_is_the_largest_that_fits(size, box, scale, scaled):
    assert fit_integer_scale(*size, *box) == scale
    assert scale.size(*size) == scaled
    assert scaled[0] <= box[0] and scaled[1] <= box[1]


def test_sixteen_pixel_sprite_fills_a_64_by_32_cell_box_at_x4():
    strips = render_halfblock(flat(16, 16, RED), 64, 32)
    assert len(strips) == 32 and all(strip.cell_length == 64 for strip in strips)
    assert (shown_pixels(strips) == RED).all()


def test_smaller_result_is_centred_on_the_backdrop():
    image = flat(16, 8, RED)  # x4 -> 64 x 32 pixels in a 64 x 64 pixel box: 16 pixel rows above and below
    picture = shown_pixels(render_halfblock(image, 64, 32, Backdrop(WHITE)))
    assert (picture[:16] == WHITE).all() and (picture[48:] == WHITE).all()
    assert (picture[16:48] == RED).all()


def test_upscaled_checker_keeps_exact_colours():
    checker = rgba([[RED, BLUE], [BLUE, RED]])
    picture = shown_pixels(render_halfblock(checker, 8, 4))  # 8 x 8 pixel box: x4
    expected = np.kron(np.array([[1, 0], [0, 1]]), np.ones((4, 4), int)).astype(bool)
    assert (picture[expected] == RED).all()
    assert (picture[~expected] == BLUE).all()


def test_downscale_takes_every_kth_pixel_and_never_blends():
    rng = np.random.default_rng(7)
    palette = np.array([[*RED, 255], [*BLUE, 255], [*GREEN, 255], [*WHITE, 255]], np.uint8)
    image = palette[rng.integers(0, len(palette), (200, 300))]  # down by 3 in a 128 x 128 pixel box
    picture = box_picture(image, 128, 64)
    top, left = (128 - 67) // 2, (128 - 100) // 2
    assert (picture[top : top + 67, left : left + 100] == image[::3, ::3, :3]).all()
    shown = {tuple(map(int, colour)) for colour in shown_pixels(render_halfblock(image, 128, 64)).reshape(-1, 3)}
    assert shown <= {RED, BLUE, GREEN, WHITE, BLACK}


def test_upper_half_block_is_top_pixel_on_bottom_pixel():
    strips = render_halfblock(rgba([[RED], [BLUE]]), 1, 1)
    assert cells(strips) == [[("▀", RED, BLUE)]]
    strips = render_halfblock(rgba([[RED, GREEN], [BLUE, GREEN]]), 2, 1)
    assert cells(strips) == [[("▀", RED, BLUE), (" ", None, GREEN)]]


def test_transparent_pixels_show_the_backdrop_and_partial_alpha_blends():
    image = rgba([[(255, 0, 0, 0)], [(255, 0, 0, 128)]])
    [[cell]] = cells(render_halfblock(image, 1, 1, Backdrop(WHITE)))
    assert cell == ("▀", WHITE, (255, 127, 127))


def test_checkerboard_backdrop_behind_a_transparent_image():
    image = np.zeros((8, 8, 4), np.uint8)
    picture = shown_pixels(render_halfblock(image, 8, 4, Backdrop(WHITE, BLACK, square=4)))
    assert (picture[:4, :4] == WHITE).all() and (picture[:4, 4:] == BLACK).all()
    assert (picture[4:, :4] == BLACK).all() and (picture[4:, 4:] == WHITE).all()


def test_pil_and_numpy_images_render_the_same():
    image = rgba([[RED, BLUE], [GREEN, (0, 0, 0, 0)]])
    assert cells(render_halfblock(Image.fromarray(image, "RGBA"), 4, 2)) == cells(render_halfblock(image, 4, 2))


def test_flat_image_is_one_segment_per_line():
    strips = render_halfblock(flat(64, 64, GREEN), 64, 32)
    assert [len(strip) for strip in strips] == [1] * 32
    assert all(strip.text == " " * 64 for strip in strips)


def test_runs_of_equal_cells_merge():
    image = np.concatenate([flat(3, 2, RED), rgba([[RED] * 5, [BLUE] * 5])], axis=1)
    [strip] = render_halfblock(image, 8, 1)
    assert [segment.text for segment in strip] == ["   ", "▀▀▀▀▀"]


def test_frame_bytes_count_the_ansi_a_terminal_receives():
    flat_frame = render_halfblock(flat(4, 2, GREEN), 4, 1)
    assert frame_ansi_bytes(flat_frame) == len("\x1b[48;2;0;128;0m    \x1b[0m\n")
    striped = render_halfblock(rgba([[RED, BLUE] * 2, [BLUE, RED] * 2]), 4, 1)
    assert frame_ansi_bytes(striped) > 4 * len("▀".encode())


# --- sixel ------------------------------------------------------------------------------------------------------

SIXEL_TOKEN = re.compile(r"#(\d+)(?:;2;(\d+);(\d+);(\d+))?|!(\d+)([?-~])|([?-~])|(\$)|(-)")


def decode_sixel(sequence: str) -> tuple[int, int, dict[int, tuple[int, int, int]], dict[tuple[int, int], int]]:
    """(width, height, palette in percent, colour index per drawn (x, y)) of a sixel sequence."""
    assert sequence.startswith("\x1bP") and sequence.endswith("\x1b\\")
    body = sequence[sequence.index("q") + 1 : -2]
    raster = re.match(r'"1;1;(\d+);(\d+)', body)
    assert raster, body[:40]
    width, height = int(raster.group(1)), int(raster.group(2))
    palette: dict[int, tuple[int, int, int]] = {}
    drawn: dict[tuple[int, int], int] = {}
    x = band = colour = 0
    position = raster.end()
    for token in SIXEL_TOKEN.finditer(body, position):
        assert token.start() == position, f"junk at {position}: {body[position : position + 10]!r}"
        position = token.end()
        number, r, g, b, repeat, repeated, single, carriage_return, newline = token.groups()
        if number is not None:
            colour = int(number)
            if r is not None:
                palette[colour] = (int(r), int(g), int(b))
        elif carriage_return:
            x = 0
        elif newline:
            x, band = 0, band + 1
        else:
            char, count = (repeated, int(repeat)) if repeat else (single, 1)
            for column in range(x, x + count):
                for bit in range(6):
                    if (ord(char) - 63) >> bit & 1:
                        drawn[(column, band * 6 + bit)] = colour
            x += count
    assert position == len(body)
    return width, height, palette, drawn


def percent(colour) -> tuple[int, int, int]:
    return tuple(round(int(channel) * 100 / 255) for channel in colour[:3])


def test_sixel_round_trips_a_few_colours_with_transparency():
    rng = np.random.default_rng(3)
    palette = np.array([[*RED, 255], [*BLUE, 255], [*GREEN, 255], [0, 0, 0, 0]], np.uint8)
    image = palette[rng.integers(0, 4, (20, 30))]  # 20 rows: three full bands and a partial one
    image[:, 10:20] = [*WHITE, 255]  # long runs, so RLE is exercised
    sequence = encode_sixel(image)
    assert sequence.startswith("\x1bP") and sequence.endswith("\x1b\\")
    width, height, colours, drawn = decode_sixel(sequence)
    assert (width, height) == (30, 20)
    assert len(colours) == 4 and "!10" in sequence
    for y in range(20):
        for x in range(30):
            if image[y, x, 3] == 0:
                assert (x, y) not in drawn
            else:
                assert colours[drawn[(x, y)]] == percent(image[y, x])


def test_sixel_quantises_many_colours_to_256_and_scales_to_the_box():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    image[..., 3] = 255
    sequence = encode_sixel(image, box=(200, 150))  # x2: 128 x 128
    width, height, colours, drawn = decode_sixel(sequence)
    assert (width, height) == (128, 128)
    assert 0 < len(colours) <= 256
    assert len(drawn) == 128 * 128
    assert set(drawn.values()) <= set(colours)


# --- kitty ------------------------------------------------------------------------------------------------------


def test_kitty_chunks_are_small_and_decode_back_to_the_png():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, (80, 80, 4), dtype=np.uint8)  # noise: the PNG needs many chunks
    sequence = encode_kitty(image)
    chunks = re.findall(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\", sequence)
    assert "".join(f"\x1b_G{control};{data}\x1b\\" for control, data in chunks) == sequence
    assert len(chunks) > 3
    assert all(len(data) <= CHUNK_BYTES for _, data in chunks)
    controls = [control for control, _ in chunks]
    assert "a=T" in controls[0].split(",") and "f=100" in controls[0].split(",")
    assert controls[0].endswith("m=1") and controls[1:-1] == ["m=1"] * (len(chunks) - 2) and controls[-1] == "m=0"
    png = base64.b64decode("".join(data for _, data in chunks))
    assert png == png_bytes(image)
    assert (np.asarray(Image.open(io.BytesIO(png))) == image).all()


def test_kitty_scales_by_integer_factor():
    sequence = encode_kitty(flat(10, 10, RED), box=(35, 100))
    png = base64.b64decode("".join(re.findall(r";([^;\x1b]*)\x1b\\", sequence)))
    assert Image.open(io.BytesIO(png)).size == (30, 30)


# --- detection ----------------------------------------------------------------------------------------------------


def answering(answer: bytes, log: list | None = None):
    def query(request: bytes, timeout: float) -> bytes:
        if log is not None:
            log.append((request, timeout))
        return answer

    return query


def never_called(request: bytes, timeout: float) -> bytes:
    raise AssertionError("the terminal should not have been queried")


@pytest.mark.parametrize("mode", ["sixel", "kitty", "halfblock"])
def test_override_wins_even_inside_tmux(mode):
    detected = choose_mode(mode, {"TMUX": "/tmp/tmux-1000/default,1,0", "TERM": "xterm-kitty"}, never_called)
    assert detected.mode == mode


def test_bad_override_is_refused():
    with pytest.raises(ValueError, match="auto, sixel, kitty, halfblock"):
        choose_mode("iterm", {}, None)


@pytest.mark.parametrize(
    "env",
    [
        {"TMUX": "/tmp/tmux-1000/default,1,0"},
        {"TERM": "tmux-256color"},
        {"TERM": "screen-256color", "KITTY_WINDOW_ID": "1"},
    ],
)
def test_multiplexer_means_halfblock(env):
    assert choose_mode("auto", env, answering(b"\x1b[?62;4;22c")).mode == "halfblock"


@pytest.mark.parametrize("env", [{"TERM": "xterm-kitty"}, {"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}])
def test_kitty_environment(env):
    assert choose_mode("auto", env, never_called).mode == "kitty"


def test_sixel_from_device_attributes_with_a_long_timeout():
    log: list = []
    detected = choose_mode("auto", {"TERM": "xterm-256color"}, answering(b"\x1b[?62;4;22c", log))
    assert detected.mode == "sixel"
    assert log == [(b"\x1b[c", 1.0)]


@pytest.mark.parametrize("answer", [b"\x1b[?62;22c", b"\x1b[?1;2c", b"\x1b[?4;6c", b"", b"garbage"])
def test_no_sixel_attribute_means_halfblock(answer):
    assert choose_mode("auto", {"TERM": "xterm-256color"}, answering(answer)).mode == "halfblock"


def test_device_attributes_parse_skips_the_class_and_noise():
    assert da1_attributes(b"typed\x1b[?65;1;4;9c") == (1, 4, 9)
    assert da1_attributes(b"\x1b[?62;44c") == (44,)
    assert da1_attributes(b"\x1b[62;4c") is None


def test_no_query_means_halfblock():
    assert choose_mode("auto", {"TERM": "xterm-256color"}, None).mode == "halfblock"


def fake_terminal(answer: bytes | None):
    """A pty whose far end answers the DA1 request (or stays silent); returns (slave path, slave fd, thread)."""
    master, slave = pty.openpty()

    def respond() -> None:
        try:
            if os.read(master, 16) == DA1_REQUEST and answer is not None:
                os.write(master, answer)
            time.sleep(0.5)
        finally:
            os.close(master)

    thread = threading.Thread(target=respond, daemon=True)
    thread.start()
    return os.ttyname(slave), slave, thread


def test_query_tty_reads_the_answer_and_restores_the_terminal():
    path, slave, _thread = fake_terminal(b"\x1b[?62;4;22c")
    try:
        before = termios.tcgetattr(slave)
        assert query_tty(DA1_REQUEST, 2.0, device=path) == b"\x1b[?62;4;22c"
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(slave)


def test_keys_typed_while_the_terminal_answers_are_given_back_to_the_app():
    assert typed_keys(b"ab\x1b[?62;4;22c\x1bP1$r48:2::1:2:3m\x1b\\c") == b"abc"
    path, slave, _thread = fake_terminal(b"hi\x1b[?62;4;22c")
    try:
        tty.setraw(slave)  # as the app reads it: key by key, not line by line
        assert da1_attributes(query_tty(DA1_REQUEST, 2.0, device=path)) == (4, 22)
        ready, _, _ = select.select([slave], [], [], 1.0)
        if not ready:
            pytest.skip("this kernel forbids TIOCSTI (dev.tty.legacy_tiocsti = 0): typed keys cannot be given back")
        assert os.read(slave, 16) == b"hi"  # what the user typed reaches the app, not the flush
    finally:
        os.close(slave)


def test_query_tty_times_out_and_restores_the_terminal():
    path, slave, _thread = fake_terminal(None)
    try:
        before = termios.tcgetattr(slave)
        started = time.monotonic()
        answer = query_tty(DA1_REQUEST, 0.3, device=path)
        elapsed = time.monotonic() - started
        assert answer == b"" and 0.25 < elapsed < 1.5
        assert termios.tcgetattr(slave) == before
        assert choose_mode("auto", {"TERM": "xterm"}, lambda request, timeout: answer).mode == "halfblock"
    finally:
        os.close(slave)


def test_query_tty_without_a_terminal_returns_nothing(tmp_path):
    assert query_tty(DA1_REQUEST, 5.0, device=str(tmp_path / "missing")) == b""
    regular = tmp_path / "file"
    regular.write_bytes(b"")
    assert query_tty(DA1_REQUEST, 5.0, device=str(regular)) == b""


def test_query_tty_in_a_process_without_a_controlling_terminal():
    code = (
        "import time; from dgx_pixels_tui.previews.detect import query_tty, choose_mode\n"
        "started = time.monotonic(); answer = query_tty(b'\\x1b[c', 5.0)\n"
        "print(repr(answer), time.monotonic() - started, choose_mode('auto', {'TERM': 'xterm'}, query_tty).mode)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    answer, elapsed, mode = result.stdout.split()
    assert (answer, mode) == ("b''", "halfblock") and float(elapsed) < 1.0, result.stderr


# --- direct terminal writes ------------------------------------------------------------------------------------


def test_write_graphics_fits_the_cell_box():
    out = io.StringIO()  # no terminal: cells are assumed 8 x 16 pixels
    write_graphics(flat(16, 16, RED), "sixel", out, cells=(8, 4))
    assert decode_sixel(out.getvalue().rstrip("\n"))[:2] == (64, 64)
    out = io.StringIO()
    write_graphics(rgba([[RED], [BLUE]]), "halfblock", out, cells=(1, 1))
    assert "▀" in out.getvalue() and "38;2;255;0;0" in out.getvalue() and "48;2;0;0;255" in out.getvalue()


# --- the widget in a running app -----------------------------------------------------------------------------


class PreviewApp(App[None]):
    CSS = "SpritePreview { width: 16; height: 4; }"

    def __init__(self, mode: str = "halfblock") -> None:
        super().__init__()
        self.mode = mode

    def compose(self) -> ComposeResult:
        yield SpritePreview(mode=self.mode)  # type: ignore[arg-type]


def screen_cells(app: App, preview: SpritePreview) -> list[list[tuple[str, tuple | None, tuple | None]]]:
    """Characters from the widget's composited lines and colours read back from the screen."""
    region = preview.content_region
    grid = []
    for y in range(region.height):
        [line] = preview.render_lines(Region(0, y, region.width, 1))
        text = line.text
        row = []
        for x in range(region.width):
            style = app.screen.get_style_at(region.x + x, region.y + y)
            fg = tuple(style.color.triplet) if style.color else None
            bg = tuple(style.bgcolor.triplet) if style.bgcolor else None
            row.append((text[x], fg, bg))
        grid.append(row)
    return grid


async def test_sprite_preview_draws_the_image_on_screen():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (8, 16, 4), dtype=np.uint8)  # every pixel its own colour, x1 in 16 x 4 cells
    image[..., 3] = 255
    app = PreviewApp()
    async with app.run_test(size=(30, 10)) as pilot:
        preview = app.query_one(SpritePreview)
        await pilot.pause()
        assert "no image yet" in "".join(preview.render_line(y).text for y in range(4))

        preview.image = Image.fromarray(image, "RGBA")
        await pilot.pause()
        grid = screen_cells(app, preview)
        assert len(grid) == 4 and all(len(row) == 16 for row in grid)
        for y, row in enumerate(grid):
            for x, cell in enumerate(row):
                assert top_and_bottom(cell) == (tuple(image[2 * y, x, :3]), tuple(image[2 * y + 1, x, :3]))
        assert preview.render_line(0) is preview.render_line(0)  # cached until the image or size changes

        preview.image = flat(16, 8, RED)  # same size: repainted without a new layout
        await pilot.pause()
        assert {cell for row in screen_cells(app, preview) for cell in row} == {(" ", None, RED)}

        buffer = io.BytesIO()
        Image.fromarray(flat(4, 2, GREEN), "RGBA").save(buffer, format="PNG")
        assert preview.show(buffer.getvalue())
        await pilot.pause()
        assert {cell for row in screen_cells(app, preview) for cell in row} == {(" ", None, GREEN)}
        assert preview.graphics_sequence() is None

        for junk in (b"", b"not an image"):
            assert preview.show(junk) is False and preview.image is None
        await pilot.pause()
        assert "no image yet" in "".join(preview.render_line(y).text for y in range(4))


async def test_sprite_preview_in_sixel_mode_still_draws_half_blocks_and_offers_the_sequence():
    app = PreviewApp("sixel")
    async with app.run_test(size=(30, 10)) as pilot:
        preview = app.query_one(SpritePreview)
        preview.image = np.concatenate([flat(16, 1, RED), flat(16, 1, BLUE)] * 4)  # x1: red over blue everywhere
        await pilot.pause()
        assert {cell for row in screen_cells(app, preview) for cell in row} == {("▀", RED, BLUE)}
        sequence = preview.graphics_sequence(box=(40, 40))
        assert sequence is not None and decode_sixel(sequence)[:2] == (32, 16)
