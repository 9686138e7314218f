"""Where to cut a periodic tile: any shift of it repeats without a seam, so the edges are put where neighbouring
pixels differ least, and the tile's seam score (pixelart/seams.py) stays at or below 1."""

from __future__ import annotations

import numpy as np

QUIET = 0.9  # cuts scoring at most this are taken at random among themselves, for variety


def quiet_roll(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The tile shifted (with wrap-around) so its edges fall between columns and rows that differ little.

    The score of each possible pair of cuts follows from two sums, so all are weighed at once: the columns'
    difference to their right neighbour (wrapping) and the rows' difference to the row below. A cut pair is
    drawn among those scoring at most QUIET, else the best one is taken."""
    h, w = image.shape[:2]
    if h < 2 or w < 2:
        return image
    pixels = image.astype(np.float32)
    across_cols = np.sqrt(((pixels - np.roll(pixels, -1, axis=1)) ** 2).sum(axis=-1)).sum(axis=0)  # (w,)
    across_rows = np.sqrt(((pixels - np.roll(pixels, -1, axis=0)) ** 2).sum(axis=-1)).sum(axis=1)  # (h,)
    edge = across_cols[None, :] + across_rows[:, None]  # (h, w): cut after row r and after column c
    inside = across_cols.sum() + across_rows.sum() - edge
    pairs_inside = h * (w - 1) + w * (h - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(inside > 0, (edge / (h + w)) / (inside / pairs_inside), edge)
    quiet = np.argwhere(score <= QUIET)
    if len(quiet):
        row, col = quiet[int(rng.integers(len(quiet)))]
    else:
        row, col = np.unravel_index(int(np.argmin(score)), score.shape)
    # Row `row` and column `col` become the last ones: what followed them moves to the first row and column.
    return np.roll(image, (-(int(row) + 1), -(int(col) + 1)), axis=(0, 1))
