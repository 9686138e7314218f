"""How seamless a tile is: the difference across its wrap edges against the difference inside it."""

from __future__ import annotations

import numpy as np

from .colour import ImageLike, as_rgba


def seam_score(image: ImageLike) -> float:
    """Mean colour difference between the pixels that meet when the tile repeats (last column beside the first,
    last row above the first) divided by the mean difference between neighbouring pixels inside the tile.

    About 1 or less: the wrap edges look like any other pair of neighbours, so the repeat shows no seam. Well above
    1: a visible seam. A flat tile (no difference inside) scores 0 when its edges match too, else the edge
    difference itself, so a seam on a flat tile still shows."""
    pixels = as_rgba(image).astype(np.float32)
    if pixels.shape[0] < 2 or pixels.shape[1] < 2:
        return 0.0
    across = np.concatenate(
        [_distance(pixels[:, -1], pixels[:, 0]).ravel(), _distance(pixels[-1, :], pixels[0, :]).ravel()]
    )
    inside = np.concatenate(
        [_distance(pixels[:, 1:], pixels[:, :-1]).ravel(), _distance(pixels[1:, :], pixels[:-1, :]).ravel()]
    )
    inner = float(inside.mean())
    edge = float(across.mean())
    if inner == 0.0:
        return edge
    return edge / inner


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean RGBA distance of two equally shaped pixel arrays."""
    return np.sqrt(((a - b) ** 2).sum(axis=-1))
