"""Half-block renderer: two pixels per terminal cell, as "▀" with foreground = top pixel, background = bottom pixel.

Cells whose two pixels are the same colour are drawn as a space on that background (fewer bytes, no seams).
Transparent pixels show a `Backdrop`: one flat colour (the widget background by default) or a checkerboard;
partly transparent pixels are alpha-blended over it. Adjacent cells with the same colours are merged into one
Segment, so a flat line costs one escape sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rich.color import Color, ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .scaling import ImageLike, fit_integer_scale, scale_nearest, to_rgba_array

RGB = tuple[int, int, int]
COLOR_SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "standard": ColorSystem.STANDARD}
"""Rich's names for the colour modes (what `Console.color_system` says) and their escape-code families."""
UPPER_HALF = "▀"
SOLID = " "


@dataclass(frozen=True)
class Backdrop:
    """What transparent pixels show: `colour`, or a checkerboard of `colour` and `checker` squares."""

    colour: RGB = (0, 0, 0)
    checker: RGB | None = None
    square: int = 4  # checkerboard square side, in half-block pixels

    def pixels(self, height: int, width: int) -> np.ndarray:
        """A read-only (height, width, 3) uint8 picture of the backdrop."""
        return _backdrop_pixels(self, height, width)


@lru_cache(maxsize=32)
def _backdrop_pixels(backdrop: Backdrop, height: int, width: int) -> np.ndarray:
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = backdrop.colour
    if backdrop.checker is not None:
        side = max(1, backdrop.square)
        ys, xs = np.indices((height, width))
        canvas[((ys // side) + (xs // side)) % 2 == 1] = backdrop.checker
    canvas.flags.writeable = False
    return canvas


def box_picture(image: ImageLike, cols: int, rows: int, backdrop: Backdrop = Backdrop()) -> np.ndarray:
    """The (rows * 2, cols, 3) RGB picture of the cell box: the integer-scaled image centred on the backdrop."""
    pixels = to_rgba_array(image)
    height, width = pixels.shape[:2]
    box_height = rows * 2
    scaled = scale_nearest(pixels, fit_integer_scale(width, height, cols, box_height))
    canvas = backdrop.pixels(box_height, cols).copy()
    scaled_height, scaled_width = scaled.shape[:2]
    if not scaled_height or not scaled_width:
        return canvas
    top, left = (box_height - scaled_height) // 2, (cols - scaled_width) // 2
    region = canvas[top : top + scaled_height, left : left + scaled_width]
    alpha = scaled[..., 3:4]
    if alpha.min() == 255:
        region[:] = scaled[..., :3]
    else:
        weight = alpha.astype(np.uint32)
        blended = scaled[..., :3] * weight + region * (255 - weight) + 127
        region[:] = (blended // 255).astype(np.uint8)
    return canvas


_CELL_STYLES: dict[int, tuple[str, Style]] = {}
_CELL_STYLES_LIMIT = 1 << 16


def _cell_look(key: int) -> tuple[str, Style]:
    """Character and style for a cell key (top RGB << 24 | bottom RGB), cached across frames."""
    look = _CELL_STYLES.get(key)
    if look is None:
        if len(_CELL_STYLES) >= _CELL_STYLES_LIMIT:
            _CELL_STYLES.clear()
        top, bottom = key >> 24, key & 0xFFFFFF
        bottom_colour = Color.from_rgb(bottom >> 16, (bottom >> 8) & 0xFF, bottom & 0xFF)
        if top == bottom:
            look = (SOLID, Style.from_color(bgcolor=bottom_colour))
        else:
            top_colour = Color.from_rgb(top >> 16, (top >> 8) & 0xFF, top & 0xFF)
            look = (UPPER_HALF, Style.from_color(top_colour, bottom_colour))
        _CELL_STYLES[key] = look
    return look


def cell_runs(canvas: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Runs of equal cells in an (even height, width, 3) uint8 picture, in reading order: each run's row, its
    cell key (top RGB << 24 | bottom RGB) and its length in cells. Every row starts a new run."""
    box_height, cols = canvas.shape[:2]
    rows = box_height // 2
    packed = (canvas[..., 0].astype(np.int64) << 16) | (canvas[..., 1].astype(np.int64) << 8) | canvas[..., 2]
    keys = (packed[0::2] << 24) | packed[1::2]
    run_starts = np.empty((rows, cols), bool)
    run_starts[:, 0] = True
    np.not_equal(keys[:, 1:], keys[:, :-1], out=run_starts[:, 1:])
    start_rows, start_cols = np.nonzero(run_starts)
    # Every row starts a run, so a run ends where the next one (in row-major order) begins.
    flat_starts = start_rows * cols + start_cols
    lengths = np.diff(flat_starts, append=rows * cols)
    return start_rows.tolist(), keys[start_rows, start_cols].tolist(), lengths.tolist()


def strips_from_rgb(canvas: np.ndarray) -> list[Strip]:
    """One Strip per pair of pixel rows of an (even height, width, 3) uint8 picture, runs merged.

    The Styles come from a cache shared with Textual, which fixes each one's escape code in the colour mode of
    the app's console: text for any other console (see `halfblock_ansi`) must not be made from them.
    """
    box_height, cols = canvas.shape[:2]
    lines: list[list[Segment]] = [[] for _ in range(box_height // 2)]
    look = _CELL_STYLES.get
    for row, key, length in zip(*cell_runs(canvas), strict=True):
        char, style = look(key) or _cell_look(key)
        lines[row].append(Segment(char * length, style))
    return [Strip(line, cols) for line in lines]


def render_halfblock(image: ImageLike, cols: int, rows: int, backdrop: Backdrop = Backdrop()) -> list[Strip]:
    """`rows` Strips, each `cols` cells wide, showing the image integer-scaled and centred in the box."""
    if cols <= 0 or rows <= 0:
        return [Strip.blank(max(cols, 0))] * max(rows, 0)
    return strips_from_rgb(box_picture(image, cols, rows, backdrop))


def colour_codes(rgb: int, foreground: bool, color_system: str = "truecolor") -> str:
    """The SGR parameters that set a 0xRRGGBB colour in `color_system` (truecolor, 256 or standard)."""
    red, green, blue = rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF
    if color_system == "truecolor":
        return f"{38 if foreground else 48};2;{red};{green};{blue}"
    system = COLOR_SYSTEMS.get(color_system, ColorSystem.STANDARD)
    return ";".join(Color.from_rgb(red, green, blue).downgrade(system).get_ansi_codes(foreground))


def halfblock_ansi(
    image: ImageLike, cols: int, rows: int, backdrop: Backdrop = Backdrop(), color_system: str = "truecolor"
) -> str:
    """The half-block picture as text for a terminal outside Textual: `rows` lines joined by CR LF, each ending
    in a reset, with escape codes made here for `color_system` (truecolor, 256 or standard).

    No Rich Style is involved: those Textual has drawn keep the escape code of the app's colour mode, which
    may be 16 colours where this view is meant to be 24-bit.
    """
    if cols <= 0 or rows <= 0:
        return ""
    prefixes: dict[int, str] = {}
    lines: list[list[str]] = [[] for _ in range(rows)]
    for row, key, length in zip(*cell_runs(box_picture(image, cols, rows, backdrop)), strict=True):
        prefix = prefixes.get(key)
        if prefix is None:
            top, bottom = key >> 24, key & 0xFFFFFF
            if top == bottom:
                prefix = f"\x1b[{colour_codes(bottom, False, color_system)}m"
            else:
                top_codes, bottom_codes = (
                    colour_codes(top, True, color_system),
                    colour_codes(bottom, False, color_system),
                )
                prefix = f"\x1b[{top_codes};{bottom_codes}m"
            prefixes[key] = prefix
        char = SOLID if key >> 24 == key & 0xFFFFFF else UPPER_HALF
        lines[row].append(prefix + char * length)
    return "\r\n".join("".join(line) + "\x1b[0m" for line in lines)
