"""Transparency: one-bit alpha, removing a flat background by flood fill from the border, and outlines."""

from __future__ import annotations

import numpy as np

from .colour import RGB, ImageLike, as_rgba, border_pixels, dominant_colours, mode_share

ALPHA_THRESHOLD = 128  # alpha at or above this is opaque in a one-bit result
BACKGROUND_TOLERANCE = 40.0  # RGB distance (Euclidean, 0..441) from the background colour still removed
DEFAULT_OUTLINE: RGB = (24, 20, 37)  # #181425: near-black with a cool cast, reads as dark on most sprites
# The background must cover this share of the border within FLAT_TOLERANCE: art cut off by the frame leaves
# less of it, a noisy flat background after the grid step is within a few units.
_MIN_BORDER_SHARE = 0.3
FLAT_TOLERANCE = 16.0
# What would be removed must be flat: its colours at most this far from the background colour on average
# (RMS RGB distance). A flat background after the grid step of a large render is within 6 (each cell's
# colour averages many noisy pixels), of a small render (3-pixel cells) within 11; the part of a tile that
# a flood from its border would reach, however uniform its border looks, is 12 or more, and a tile must
# never lose its pixels. The looser limit needs the colour to hold half the border, as no tile's does.
MAX_BACKGROUND_SPREAD = 8.0
MAX_BUSY_BACKGROUND_SPREAD = 11.5
_BUSY_BORDER_SHARE = 0.5
# A background leaves some art: a flood that would take (nearly) the whole image is a near-uniform tile.
_MAX_BACKGROUND_AREA = 0.99
# Art with this share of its border transparent has transparency for a background: nothing else is removed.
_TRANSPARENT_BORDER = 0.01
_MAX_BORDER_SAMPLES = 512


def threshold_alpha(image: ImageLike, threshold: int = ALPHA_THRESHOLD) -> np.ndarray:
    """The (H, W, 4) image with alpha 255 where alpha >= threshold, else 0 (and colour zeroed there)."""
    rgba = as_rgba(image)
    opaque = rgba[:, :, 3] >= threshold
    rgba[:, :, 3] = np.where(opaque, 255, 0)
    rgba[~opaque, :3] = 0
    return rgba


def detect_background(image: ImageLike, tolerance: float = BACKGROUND_TOLERANCE) -> RGB | None:
    """The flat background colour: the dominant colour of the image border, when the part of the image it
    would remove is flat. None for art that already has transparency at its border, for art that fills the
    frame (a tile: no colour covers a fair share of the border, or what it covers is textured)."""
    rgba = as_rgba(image)
    border = border_pixels(rgba)
    opaque = border[border[:, 3] >= ALPHA_THRESHOLD][:, :3]
    if len(opaque) < len(border) * (1 - _TRANSPARENT_BORDER):
        return None
    opaque = opaque[:: max(1, len(opaque) // _MAX_BORDER_SAMPLES)][None]
    tight = min(tolerance, FLAT_TOLERANCE)
    share = mode_share(opaque, tight)[0]
    if share < _MIN_BORDER_SHARE:
        return None
    r, g, b = (int(c) for c in dominant_colours(opaque, tight)[0])
    region = _background_region(rgba, (r, g, b), tolerance)
    if region.mean() > _MAX_BACKGROUND_AREA:
        return None
    if region.any():
        diff = rgba[region][:, :3].astype(np.float32) - np.array((r, g, b), dtype=np.float32)
        spread = np.sqrt((diff * diff).sum(axis=1).mean())
        if spread > (MAX_BUSY_BACKGROUND_SPREAD if share >= _BUSY_BORDER_SHARE else MAX_BACKGROUND_SPREAD):
            return None
    return r, g, b


def _background_region(rgba: np.ndarray, colour: RGB, tolerance: float) -> np.ndarray:
    """The opaque pixels within `tolerance` of `colour` connected to the border through such pixels."""
    diff = rgba[:, :, :3].astype(np.float32) - np.array(colour, dtype=np.float32)
    near = ((diff * diff).sum(axis=2) <= tolerance * tolerance) & (rgba[:, :, 3] >= ALPHA_THRESHOLD)
    seeds = np.zeros_like(near)
    seeds[[0, -1], :] = True
    seeds[:, [0, -1]] = True
    return flood_fill(near, seeds & near)


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
