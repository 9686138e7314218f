"""Sixel encoder: an RGBA image as a DCS sixel sequence (at most 256 colours, run-length encoded bands).

Pixels with alpha < 128 are left undrawn (the DCS asks for transparent background). Images with at most 256
opaque colours keep them exactly; others are quantised with Pillow's median cut, never dithered.
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image

from .scaling import ImageLike, fit_nearest, to_rgba_array

SIXEL_START = "\x1bP0;1;0q"  # P2=1: pixels we do not draw stay transparent
SIXEL_END = "\x1b\\"
MAX_COLOURS = 256
TRANSPARENT = -1
_BAND_WEIGHTS = (1 << np.arange(6, dtype=np.int32))[:, None]
_RUN = re.compile(r"(.)\1{3,}")  # "!4x" is shorter than "xxxx", "!3x" is not


def palette_indices(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(height, width) int16 palette indices (TRANSPARENT where alpha < 128) and the (n <= 256, 3) uint8 palette."""
    opaque = pixels[..., 3] >= 128
    indices = np.full(pixels.shape[:2], TRANSPARENT, np.int16)
    rgb = pixels[..., :3][opaque]
    if not len(rgb):
        return indices, np.zeros((0, 3), np.uint8)
    packed = (rgb[:, 0].astype(np.int32) << 16) | (rgb[:, 1].astype(np.int32) << 8) | rgb[:, 2]
    colours, inverse = np.unique(packed, return_inverse=True)
    if len(colours) <= MAX_COLOURS:
        palette = np.stack([colours >> 16, (colours >> 8) & 0xFF, colours & 0xFF], axis=1).astype(np.uint8)
        indices[opaque] = inverse.reshape(-1)
        return indices, palette
    strip = Image.fromarray(np.ascontiguousarray(rgb[None, :, :]), "RGB")
    quantised = strip.quantize(MAX_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    chosen = np.asarray(quantised).reshape(-1).astype(np.int16)
    count = int(chosen.max()) + 1
    values = quantised.getpalette()
    assert values is not None  # quantize always gives the image a palette
    palette = np.array(values[: count * 3], np.uint8).reshape(-1, 3)
    indices[opaque] = chosen
    return indices, palette


def _run_length(codes: str) -> str:
    return _RUN.sub(lambda run: f"!{len(run.group())}{run.group(1)}", codes)


def _band(indices: np.ndarray) -> str:
    """One band of up to 6 pixel rows: each colour's sixels, separated by graphics carriage returns."""
    present = np.unique(indices)
    present = present[present != TRANSPARENT]
    if not len(present):
        return ""
    matches = indices[None, :, :] == present[:, None, None]
    codes = (matches * _BAND_WEIGHTS[: indices.shape[0]]).sum(axis=1).astype(np.uint8) + 63
    lines = []
    for colour, line in zip(present.tolist(), codes, strict=True):
        lines.append(f"#{colour}" + _run_length(line.tobytes().decode("ascii").rstrip("?")))
    return "$".join(lines)


def encode_sixel(image: ImageLike, box: tuple[int, int] | None = None) -> str:
    """The sixel sequence for `image`, integer-scaled (nearest neighbour) to fit a (width, height) pixel box."""
    pixels = fit_nearest(image, *box) if box else to_rgba_array(image)
    height, width = pixels.shape[:2]
    indices, palette = palette_indices(pixels)
    parts = [SIXEL_START, f'"1;1;{width};{height}']
    for number, (red, green, blue) in enumerate(palette.tolist()):
        parts.append(f"#{number};2;{round(red * 100 / 255)};{round(green * 100 / 255)};{round(blue * 100 / 255)}")
    parts.append("-".join(_band(indices[top : top + 6]) for top in range(0, height, 6)))
    parts.append(SIXEL_END)
    return "".join(parts)
