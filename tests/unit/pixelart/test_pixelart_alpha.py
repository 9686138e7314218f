"""Background removal to one-bit alpha, flood fill, outlines; upscale and trim."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from dgx_pixels_worker.pixelart import (
    DEFAULT_OUTLINE,
    add_outline,
    content_box,
    detect_background,
    flood_fill,
    remove_background,
    threshold_alpha,
    trim,
    upscale,
)

BG = (90, 140, 200)


def ring_sprite() -> np.ndarray:
    """A 12x12 opaque image: background colour everywhere, a closed dark ring, background colour inside."""
    image = np.zeros((12, 12, 4), dtype=np.uint8)
    image[:, :] = (*BG, 255)
    image[2:10, 2:10] = (20, 20, 30, 255)
    image[3:9, 3:9] = (*BG, 255)
    image[5, 5] = (200, 50, 50, 255)
    return image


def test_background_goes_but_the_same_colour_inside_a_closed_outline_stays():
    image = ring_sprite()
    image[0, 0, :3] = (95, 136, 204)  # near-flat, not flat

    out = remove_background(image)

    assert set(np.unique(out[:, :, 3])) == {0, 255}
    assert (out[:, :, 3] == 0).sum() == 144 - 64
    assert (out[3:9, 3:9, 3] == 255).all()
    assert np.array_equal(out[3:9, 3:9, :3], image[3:9, 3:9, :3])
    assert (out[out[:, :, 3] == 0, :3] == 0).all()


def test_background_is_found_on_the_border_or_not_at_all():
    assert detect_background(ring_sprite()) == BG
    transparent = ring_sprite()
    transparent[:, :, 3] = 0
    transparent[4:8, 4:8, 3] = 255
    assert detect_background(transparent) is None
    busy = np.random.default_rng(0).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    assert detect_background(busy) is None
    assert np.array_equal(remove_background(busy)[:, :, 3], np.full((20, 20), 255))


def test_soft_alpha_becomes_one_bit():
    image = np.zeros((6, 6, 4), dtype=np.uint8)  # a transparent border around soft alpha
    image[1:5, 1:5, 0] = np.arange(16, dtype=np.uint8).reshape(4, 4) * 16
    image[1:5, 1:5, 3] = np.arange(0, 256, 16, dtype=np.uint8).reshape(4, 4)

    for out in (threshold_alpha(image), remove_background(image)):
        assert set(np.unique(out[:, :, 3])) <= {0, 255}
        assert np.array_equal(out[:, :, 3] == 255, image[:, :, 3] >= 128)


def reference_fill(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    filled = np.zeros_like(mask)
    queue = deque(zip(*np.nonzero(seeds & mask), strict=True))
    for y, x in queue:
        filled[y, x] = True
    while queue:
        y, x = queue.popleft()
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not filled[ny, nx]:
                filled[ny, nx] = True
                queue.append((ny, nx))
    return filled


@pytest.mark.parametrize("seed", range(4))
def test_flood_fill_matches_a_breadth_first_search(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((40, 50)) < 0.6
    seeds = np.zeros_like(mask)
    seeds[0, :] = seeds[:, 0] = True
    assert np.array_equal(flood_fill(mask, seeds), reference_fill(mask, seeds))


def test_flood_fill_follows_a_spiral():
    mask = np.zeros((21, 21), dtype=bool)
    y0, x0, y1, x1 = 0, 0, 20, 20
    while y0 <= y1 and x0 <= x1:  # a one-pixel corridor spiralling inwards
        mask[y0, x0 : x1 + 1] = True
        mask[y0 : y1 + 1, x1] = True
        if y1 - 2 > y0:
            mask[y1, x0 : x1 + 1] = True
            mask[y0 + 2 : y1 + 1, x0] = True
            mask[y0 + 2, x0 : x0 + 3] = True
        y0, x0, y1, x1 = y0 + 2, x0 + 2, y1 - 2, x1 - 2
    seeds = np.zeros_like(mask)
    seeds[0, 0] = True
    assert np.array_equal(flood_fill(mask, seeds), reference_fill(mask, seeds))


@pytest.mark.parametrize(("diagonal", "count"), [(False, 4), (True, 8)])
def test_outline_goes_only_on_transparent_neighbours(diagonal, count):
    image = np.zeros((5, 5, 4), dtype=np.uint8)
    image[2, 2] = (255, 200, 0, 255)

    out = add_outline(image, diagonal=diagonal)

    added = (out[:, :, 3] == 255) & (image[:, :, 3] == 0)
    assert added.sum() == count
    assert (out[added][:, :3] == DEFAULT_OUTLINE).all()
    assert np.array_equal(out[2, 2], image[2, 2])
    assert added[1, 2] and added[2, 1] and added[1, 1] == diagonal


def test_outline_colour_and_opaque_pixels_untouched(sprite):
    image = sprite("red knight", 2, 32)
    out = add_outline(image, colour=(255, 0, 255))
    opaque = image[:, :, 3] > 0
    assert np.array_equal(out[opaque], image[opaque])
    ring = (out[:, :, 3] > 0) & ~opaque
    assert ring.any() and (out[ring][:, :3] == (255, 0, 255)).all()


def test_upscale_repeats_every_pixel_exactly(sprite):
    image = sprite("blue potion", 1, 16)
    for factor in (1, 3, 8):
        big = upscale(image, factor)
        assert big.shape == (16 * factor, 16 * factor, 4)
        assert np.array_equal(big[::factor, ::factor], image)
        assert np.array_equal(big.reshape(16, factor, 16, factor, 4).min(axis=(1, 3)), image)
        assert np.array_equal(big.reshape(16, factor, 16, factor, 4).max(axis=(1, 3)), image)
    for bad in (0, 33, 2.0):
        with pytest.raises(ValueError, match="factor"):
            upscale(image, bad)


@pytest.mark.parametrize("padding", [0, 1, 3])
def test_trim_to_content_with_transparent_padding(padding):
    image = np.zeros((20, 30, 4), dtype=np.uint8)
    image[4:9, 10:17] = (1, 2, 3, 255)
    image[12, 20] = (9, 9, 9, 255)

    out = trim(image, padding)

    assert content_box(image) == (10, 4, 21, 13)
    assert out.shape == (9 + 2 * padding, 11 + 2 * padding, 4)
    assert np.array_equal(out[padding : padding + 9, padding : padding + 11], image[4:13, 10:21])
    assert out[:padding].sum() == out[:, :padding].sum() == 0
    assert trim(np.zeros((5, 5, 4), dtype=np.uint8), padding).shape == (max(1, 2 * padding),) * 2 + (4,)
