"""Transparency: one-bit alpha, removing a flat background by flood fill from the border, and outlines."""

from __future__ import annotations

import numpy as np

from .colour import RGB, ImageLike, as_rgba, border_pixels, dominant_colours, mode_share

ALPHA_THRESHOLD = 128  # alpha at or above this is opaque in a one-bit result
BACKGROUND_TOLERANCE = 40.0  # RGB distance (Euclidean, 0..441) from the background colour still removed
DEFAULT_OUTLINE: RGB = (24, 20, 37)  # #181425: near-black with a cool cast, reads as dark on most sprites
_MIN_BORDER_SHARE = 0.4  # the background colour must cover this share of the opaque border
_MAX_BORDER_SAMPLES = 512


def threshold_alpha(image: ImageLike, threshold: int = ALPHA_THRESHOLD) -> np.ndarray:
    """The (H, W, 4) image with alpha 255 where alpha >= threshold, else 0 (and colour zeroed there)."""
    rgba = as_rgba(image)
    opaque = rgba[:, :, 3] >= threshold
    rgba[:, :, 3] = np.where(opaque, 255, 0)
    rgba[~opaque, :3] = 0
    return rgba


def detect_background(image: ImageLike, tolerance: float = BACKGROUND_TOLERANCE) -> RGB | None:
    """The flat background colour: the dominant colour of the image border. None when most of the border
    is already transparent, or when no colour covers a fair share of it (art that fills the frame)."""
    border = border_pixels(as_rgba(image))
    opaque = border[border[:, 3] >= ALPHA_THRESHOLD][:, :3]
    if len(opaque) < len(border) / 2:
        return None
    opaque = opaque[:: max(1, len(opaque) // _MAX_BORDER_SAMPLES)][None]
    if mode_share(opaque, tolerance)[0] < _MIN_BORDER_SHARE:
        return None
    r, g, b = (int(c) for c in dominant_colours(opaque, tolerance)[0])
    return r, g, b


def remove_background(
    image: ImageLike, tolerance: float = BACKGROUND_TOLERANCE, colour: RGB | None = None
) -> np.ndarray:
    """The (H, W, 4) image with one-bit alpha and the background made transparent.

    The background is `colour` (detected from the border if None) within `tolerance`, and only where it
    connects to the image border (4-neighbours), so the same colour enclosed by the sprite stays.
    Pixels that were already transparent count as background too.
    """
    rgba = as_rgba(image)
    passable = rgba[:, :, 3] < ALPHA_THRESHOLD
    if colour is None:
        colour = detect_background(rgba, tolerance)
    if colour is not None:
        diff = rgba[:, :, :3].astype(np.float32) - np.array(colour, dtype=np.float32)
        passable |= (diff * diff).sum(axis=2) <= tolerance * tolerance
    seeds = np.zeros_like(passable)
    seeds[[0, -1], :] = True
    seeds[:, [0, -1]] = True
    rgba[flood_fill(passable, seeds & passable), 3] = 0
    return threshold_alpha(rgba)


def flood_fill(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The pixels of `mask` 4-connected to a seed, as a boolean array like `mask`.

    Whole runs of the mask along rows, then along columns, are filled at once; the number of rounds
    grows with the turns a path takes, not with its length, so typical shapes need a handful.
    """
    filled = seeds & mask
    count = -1
    while filled.sum() != count:
        count = filled.sum()
        filled = _fill_runs(mask, filled)
        filled = _fill_runs(mask.T, filled.T).T
    return filled


def _fill_runs(mask: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Every run of `mask` along axis 1 that holds a filled pixel, filled entirely."""
    h, w = mask.shape
    padded = np.zeros((h, w + 1), dtype=bool)  # a False column ends every run at the row's end
    padded[:, :w] = mask
    flat = padded.reshape(-1)
    starts = flat & ~np.concatenate([[False], flat[:-1]])
    run = np.cumsum(starts) * flat  # run number per pixel, 0 outside the mask
    hit = np.zeros(int(run.max(initial=0)) + 1, dtype=bool)
    padded_filled = np.zeros_like(padded)
    padded_filled[:, :w] = filled
    hit[run[padded_filled.reshape(-1)]] = True
    hit[0] = False
    return hit[run].reshape(h, w + 1)[:, :w]


def add_outline(image: ImageLike, colour: RGB = DEFAULT_OUTLINE, diagonal: bool = False) -> np.ndarray:
    """The (H, W, 4) image with `colour` (opaque) on every transparent pixel next to an opaque one:
    4-neighbours, or 8-neighbours with `diagonal`. Opaque pixels are never changed; the canvas does not
    grow, so leave a transparent margin (trim with padding) where the sprite touches the edge."""
    rgba = as_rgba(image)
    opaque = rgba[:, :, 3] >= ALPHA_THRESHOLD
    ring = _grown(opaque, diagonal) & ~opaque
    rgba[ring, :3] = colour
    rgba[ring, 3] = 255
    return rgba


def _grown(mask: np.ndarray, diagonal: bool) -> np.ndarray:
    """`mask` dilated by one pixel (4- or 8-neighbourhood)."""
    padded = np.pad(mask, 1)
    h, w = mask.shape
    grown = mask.copy()
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if diagonal:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    for dy, dx in steps:
        grown |= padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
    return grown
