"""Kitty graphics protocol encoder: an RGBA image as base64 PNG in chunks of at most 4096 bytes.

For the full-size view the image is sent at its own size and the terminal is asked to stretch it over a number
of cells (`c=`, `r=`), which kitty does with nearest-neighbour sampling. The cell count is chosen so that the
stretch is an exact integer factor (the image is padded by a few pixels to a size that allows one), so the view
stays pixel-exact while a 256 px sprite costs its own PNG over SSH rather than a screen-sized one.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from math import gcd

import numpy as np
from PIL import Image

from .scaling import ImageLike, fit_integer_scale, fit_nearest, to_rgba_array

CHUNK_BYTES = 4096  # protocol limit per escape code; a multiple of 4 so every chunk is whole base64


@dataclass(frozen=True)
class CellPlacement:
    """Send the image padded to `width` x `height` pixels; the terminal stretches it over `cols` x `rows` cells,
    which is exactly `scale` times that size."""

    width: int
    height: int
    cols: int
    rows: int
    scale: int


def cell_placement(width: int, height: int, box_cells: tuple[int, int], cell: tuple[int, int]) -> CellPlacement | None:
    """The largest exact integer upscale of a `width` x `height` image that the terminal can do into whole cells
    of a (columns, rows) box, or None when the image must be shrunk (or does not fit even at x1 once padded)."""
    cols, rows = box_cells
    cell_width, cell_height = cell
    if min(width, height, cols, rows, cell_width, cell_height) <= 0:
        return None
    fit = fit_integer_scale(width, height, cols * cell_width, rows * cell_height)
    if fit.down > 1:
        return None
    for scale in range(fit.up, 0, -1):
        # scale * padded width must be whole cells: pad to a multiple of cell_width / gcd(cell_width, scale).
        unit_w, unit_h = cell_width // gcd(cell_width, scale), cell_height // gcd(cell_height, scale)
        padded_w, padded_h = -(-width // unit_w) * unit_w, -(-height // unit_h) * unit_h
        if padded_w * scale <= cols * cell_width and padded_h * scale <= rows * cell_height:
            return CellPlacement(
                padded_w, padded_h, padded_w * scale // cell_width, padded_h * scale // cell_height, scale
            )
    return None


def pad_centred(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """The RGBA pixels centred on a transparent `width` x `height` canvas (the padding shows what is behind)."""
    rows, cols = pixels.shape[:2]
    if (cols, rows) == (width, height):
        return pixels
    canvas = np.zeros((height, width, 4), np.uint8)
    top, left = (height - rows) // 2, (width - cols) // 2
    canvas[top : top + rows, left : left + cols] = pixels
    return canvas


def png_bytes(image: ImageLike, box: tuple[int, int] | None = None) -> bytes:
    """The image as PNG, integer-scaled (nearest neighbour) to fit a (width, height) pixel box if given."""
    pixels = fit_nearest(image, *box) if box else to_rgba_array(image)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), "RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def kitty_sequence(png: bytes, *, image_id: int | None = None, cells: tuple[int, int] | None = None) -> str:
    """APC escape codes that transmit and display a PNG at the cursor (a=T, f=100), chunked.

    `image_id` (i=) names the image so `kitty_delete` can remove it; `cells` (c=, r=) has the terminal stretch
    it over that many columns and rows.
    """
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[start : start + CHUNK_BYTES] for start in range(0, len(data), CHUNK_BYTES)] or [""]
    # q=2: the terminal sends no reply, which would otherwise arrive on stdin as stray keys.
    first = "a=T,f=100,q=2"
    if image_id is not None:
        first += f",i={image_id}"
    if cells is not None:
        first += f",c={cells[0]},r={cells[1]}"
    codes = []
    for number, chunk in enumerate(chunks):
        more = int(number < len(chunks) - 1)
        control = f"{first},m={more}" if number == 0 else f"m={more}"
        codes.append(f"\x1b_G{control};{chunk}\x1b\\")
    return "".join(codes)


def kitty_delete(image_id: int) -> str:
    """Delete the image with this id and free its data (d=I), quietly (q=2)."""
    return f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\"


def encode_kitty(image: ImageLike, box: tuple[int, int] | None = None) -> str:
    """The kitty graphics sequence for `image`, integer-scaled to fit a (width, height) pixel box if given."""
    return kitty_sequence(png_bytes(image, box))


def encode_kitty_cells(
    image: ImageLike, box_cells: tuple[int, int], cell: tuple[int, int], image_id: int | None = None
) -> tuple[str, tuple[int, int]]:
    """The kitty sequence for `image` fitted into a (columns, rows) box of `cell`-pixel cells, and the
    (columns, rows) it covers. Scaled up by the terminal when it fits (the small image is sent), else shrunk
    here by an integer factor and shown at its pixel size."""
    pixels = to_rgba_array(image)
    height, width = pixels.shape[:2]
    placement = cell_placement(width, height, box_cells, cell)
    if placement is None:
        box = (box_cells[0] * cell[0], box_cells[1] * cell[1])
        shrunk = fit_nearest(pixels, *box)
        covered = (-(-shrunk.shape[1] // cell[0]), -(-shrunk.shape[0] // cell[1]))
        return kitty_sequence(png_bytes(shrunk), image_id=image_id), covered
    padded = pad_centred(pixels, placement.width, placement.height)
    covered = (placement.cols, placement.rows)
    return kitty_sequence(png_bytes(padded), image_id=image_id, cells=covered), covered
