"""A subject asked for as a tile: the sprite repeated on a seamless ground tile, every copy placed modulo the
tile's size, so a copy that runs over one edge comes back in at the opposite one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .planning import Blueprint
from .tiles import render_tile
from .validation import MIN_SIZE
from .wrap import quiet_roll


def pattern_size(width: int, height: int) -> int:
    """The side of one copy of the subject: half the tile's shorter side, never below the smallest sprite."""
    return min(max(MIN_SIZE, min(width, height) // 2), width, height)


def render_pattern(bp: Blueprint, sprite: np.ndarray, rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Two copies of `sprite` (one mirrored) half a tile apart on both axes, over the ground tile `bp.ground`
    in that kind's own colours (the prompt's colours are the subject's)."""
    ground_bp = replace(bp, variant=bp.ground or "grass", plan=replace(bp.plan, materials=()))
    tile = render_tile(ground_bp, rng, w, h)
    size = sprite.shape[0]
    top, left = int(rng.integers(h)), int(rng.integers(w))
    for k, copy in enumerate((sprite, sprite[:, ::-1])):
        rows = (top + k * (h // 2) + np.arange(size)) % h
        cols = (left + k * (w // 2) + np.arange(size)) % w
        area = np.ix_(rows, cols)
        tile[area] = np.where(copy[..., 3:] > 0, copy, tile[area])
    return quiet_roll(tile, rng)
