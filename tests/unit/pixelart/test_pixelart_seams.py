"""The seam score tells a tile that repeats cleanly from one that shows a seam."""

import numpy as np

from dgx_pixels_worker.pixelart.seams import seam_score


def periodic_tile(size: int = 32) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    value = 128 + 60 * np.sin(2 * np.pi * x / size) + 50 * np.cos(2 * np.pi * 2 * y / size)
    tile = np.zeros((size, size, 4), np.uint8)
    tile[..., 0] = value.astype(np.uint8)
    tile[..., 1] = (255 - value).astype(np.uint8)
    tile[..., 3] = 255
    return tile


def test_a_tile_made_of_whole_waves_repeats_without_a_seam():
    assert seam_score(periodic_tile()) <= 1.0


def test_a_gradient_across_the_tile_shows_a_seam_where_it_wraps():
    tile = periodic_tile()
    tile[..., 2] = np.linspace(0, 255, 32, dtype=np.uint8)[None, :]
    assert seam_score(tile) > 3.0


def test_a_half_tile_shift_of_a_seamed_tile_moves_the_seam_inside():
    seamed = periodic_tile()
    seamed[..., 2] = np.linspace(0, 255, 32, dtype=np.uint8)[None, :]
    shifted = np.roll(seamed, 16, axis=1)
    assert seam_score(shifted) < seam_score(seamed)


def test_flat_tiles_score_zero_and_a_flat_tile_with_a_different_edge_does_not():
    flat = np.full((16, 16, 4), 200, np.uint8)
    assert seam_score(flat) == 0.0
    flat[:, -1, :3] = 20
    assert seam_score(flat) > 1.0
