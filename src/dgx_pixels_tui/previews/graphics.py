"""Images written straight to the terminal, outside Textual's compositor (for a suspended-app full-size view)."""

from __future__ import annotations

import fcntl
import os
import struct
import termios
from typing import TextIO

from textual.strip import StripRenderable

from .ansi import render_ansi
from .detect import PreviewMode
from .halfblock import render_halfblock
from .kitty import encode_kitty
from .scaling import ImageLike
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


def write_graphics(image: ImageLike, mode: PreviewMode, stream: TextIO, cells: tuple[int, int] | None = None) -> None:
    """Draw `image` at the cursor, fitted to a (columns, rows) cell box (default: the terminal less one row).

    Only call this while the Textual app is suspended: the escape codes bypass the compositor.
    """
    cols, rows = cells or terminal_cells(stream)
    rows = max(1, rows - (0 if cells else 1))
    if mode == "halfblock":
        stream.write(render_ansi(StripRenderable(render_halfblock(image, cols, rows), cols), cols))
    else:
        cell_width, cell_height = cell_pixels(stream)
        stream.write(encode_graphics(image, mode, (cols * cell_width, rows * cell_height)))
        stream.write("\n")
    stream.flush()
