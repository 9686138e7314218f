"""Images written straight to the terminal, outside Textual's compositor (for a suspended-app full-size view)."""

from __future__ import annotations

import fcntl
import os
import struct
import termios
from typing import TextIO

from .detect import PreviewMode
from .halfblock import RGB, Backdrop, halfblock_ansi
from .kitty import encode_kitty, encode_kitty_cells
from .scaling import ImageLike, fit_nearest, flatten_onto, to_rgba_array
from .sixel import encode_sixel

FALLBACK_CELL_PIXELS = (8, 16)  # smaller than nearly every real font, so a guessed box never overflows


def encode_graphics(image: ImageLike, mode: PreviewMode, box: tuple[int, int] | None = None) -> str:
    """The sixel or kitty sequence for `image`, scaled to fit a (width, height) pixel box if given."""
    if mode == "sixel":
        return encode_sixel(image, box)
    if mode == "kitty":
        return encode_kitty(image, box)
    raise ValueError(f"{mode!r} is not a graphics protocol")


def cell_pixels(stream: TextIO) -> tuple[int, int]:
    """(width, height) of one character cell in pixels, as the terminal reports it, or a safe guess."""
    try:
        rows, cols, width, height = struct.unpack("HHHH", fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8))
    except (OSError, ValueError, AttributeError):
        return FALLBACK_CELL_PIXELS
    if not (rows and cols and width and height):
        return FALLBACK_CELL_PIXELS
    return width // cols, height // rows


def terminal_cells(stream: TextIO) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return 80, 24
    return size.columns, size.lines


def write_graphics(
    image: ImageLike,
    mode: PreviewMode,
    stream: TextIO,
    cells: tuple[int, int] | None = None,
    *,
    background: RGB | None = None,
    color_system: str = "truecolor",
    image_id: int | None = None,
) -> tuple[int, int]:
    """Draw `image` at the cursor, fitted to a (columns, rows) cell box (default: the terminal less one row), and
    return the (columns, rows) it covers. Nothing follows the image, not even a newline: the caller places
    what comes next, so an image that fills the box never scrolls the screen.

    `background`: transparent pixels are blended onto this colour (the app's), not left to the terminal's.
    `color_system` (truecolor, 256, standard) is for half-blocks; `image_id` names a kitty image for deletion.
    Only call this while the Textual app is suspended: the escape codes bypass the compositor.
    """
    cols, rows = cells or terminal_cells(stream)
    rows = max(1, rows - (0 if cells else 1))
    cols = max(1, cols)
    if mode == "halfblock":
        backdrop = Backdrop() if background is None else Backdrop(background)
        stream.write(halfblock_ansi(image, cols, rows, backdrop, color_system))
        covered = (cols, rows)
    else:
        pixels = to_rgba_array(image)
        if background is not None:
            pixels = flatten_onto(pixels, background)
        cell = cell_pixels(stream)
        if mode == "kitty":
            sequence, covered = encode_kitty_cells(pixels, (cols, rows), cell, image_id)
            stream.write(sequence)
        else:
            sixel = fit_nearest(pixels, cols * cell[0], rows * cell[1])
            stream.write(encode_sixel(sixel))
            covered = (-(-sixel.shape[1] // cell[0]), -(-sixel.shape[0] // cell[1]))
    stream.flush()
    return covered
