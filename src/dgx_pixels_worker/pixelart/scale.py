"""Integer nearest-neighbour upscale, and trimming to the visible content."""

from __future__ import annotations

import numpy as np

from .colour import ImageLike, as_rgba

MAX_FACTOR = 32


def upscale(image: ImageLike, factor: int) -> np.ndarray:
    """The (H * factor, W * factor, 4) image, every pixel repeated as a factor x factor block."""
    if not isinstance(factor, int) or not 1 <= factor <= MAX_FACTOR:
        raise ValueError(f"factor must be an integer 1..{MAX_FACTOR}, got {factor!r}")
    rgba = as_rgba(image)
    return np.repeat(np.repeat(rgba, factor, axis=0), factor, axis=1)


def content_box(image: ImageLike) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom), right/bottom exclusive, of the pixels with alpha > 0; None if there are none."""
    alpha = as_rgba(image)[:, :, 3] > 0
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def trim(image: ImageLike, padding: int = 0) -> np.ndarray:
    """The content box of the image with `padding` transparent pixels on every side.

    A fully transparent image becomes a transparent square of side max(1, 2 * padding).
    """
    if padding < 0:
        raise ValueError(f"padding must be 0 or more, got {padding}")
    rgba = as_rgba(image)
    box = content_box(rgba)
    if box is None:
        side = max(1, 2 * padding)
        return np.zeros((side, side, 4), dtype=np.uint8)
    left, top, right, bottom = box
    return np.pad(rgba[top:bottom, left:right], ((padding, padding), (padding, padding), (0, 0)))
