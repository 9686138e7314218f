"""Grid detection and downscale: soft, noisy, JPEG'd upscales of known sprites come back exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from dgx_pixels_worker.pixelart import as_rgba, detect_grid, downscale, run_pipeline
from dgx_pixels_worker.pixelart.synthetic import flatten, soften

BACKGROUND = (90, 140, 200)


def crop_for(factor: float) -> int:
    """A few pixels off the left and top, less than half a cell so the first cell still counts."""
    return max(0, min(5, int(factor / 2) - 1))


@pytest.mark.parametrize(
    ("prompt", "size", "factor", "jpeg"),
    [
        ("red knight", 32, 2, None),  # JPEG's halved colour resolution smears 2-pixel cells beyond repair
        ("green slime", 32, 3, 85),
        ("blue potion", 32, 4, 85),
        ("iron sword", 32, 8, 85),
        ("fire mage", 32, 10.67, 85),
        ("red knight", 32, 16, 85),
        ("purple gem", 32, 32, 85),
        ("golden chest", 16, 12, 85),
        ("skeleton archer", 64, 16, 85),
    ],
)
def test_soft_noisy_upscale_comes_back_to_the_sprite(sprite, recovered, prompt, size, factor, jpeg):
    truth = sprite(prompt, 3, size)
    image = soften(flatten(truth, BACKGROUND), factor, crop=crop_for(factor), jpeg_quality=jpeg, seed=size)

    result, record = run_pipeline(image, "grid,background")

    found = record[0]["found"]
    assert (found["width"], found["height"]) == (size, size)
    assert found["pitch_x"] == pytest.approx(factor, rel=0.01)
    assert recovered(np.asarray(result), truth) >= 0.95


def test_whole_upscales_give_whole_pitches_and_exact_pixels(sprite):
    truth = sprite("red knight", 5, 32)
    for factor in (2, 3, 5, 8, 16):
        big = Image.fromarray(flatten(truth, BACKGROUND)).resize((32 * factor, 32 * factor), Image.Resampling.NEAREST)
        grid = detect_grid(big)
        assert (grid.pitch_x, grid.pitch_y, grid.width, grid.height) == (factor, factor, 32, 32)
        assert np.array_equal(downscale(big, grid)[:, :, :3], flatten(truth, BACKGROUND))


@pytest.mark.parametrize(
    ("prompt", "size"),
    [("red knight", 16), ("golden chest", 32), ("green slime", 64), ("ruby ring", 64), ("iron sword", 96)],
)
def test_true_resolution_images_have_pitch_one(sprite, prompt, size):
    truth = sprite(prompt, 14, size)
    noisy = soften(flatten(truth, BACKGROUND), 1, blur=0, noise=3, seed=size)
    for image in (truth, flatten(truth, BACKGROUND), noisy):
        grid = detect_grid(image)
        assert (grid.pitch_x, grid.width, grid.height) == (1.0, size, size)
        assert np.array_equal(downscale(image, grid), as_rgba(image))


def test_transparent_upscale_keeps_one_bit_alpha(sprite, recovered):
    truth = sprite("blue potion", 2, 32)
    big = Image.fromarray(truth).resize((256, 256), Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(1.2))

    result, record = run_pipeline(big, "grid,background")

    assert record[0]["found"]["width"] == 32
    assert record[1]["found"]["color"] is None  # nothing to detect: the border is already transparent
    assert set(np.unique(np.asarray(result)[:, :, 3])) <= {0, 255}
    assert recovered(np.asarray(result), truth) >= 0.95


def test_small_sprite_on_a_large_flat_canvas(sprite, recovered):
    canvas = np.zeros((64, 64, 4), dtype=np.uint8)
    canvas[20:36, 30:46] = sprite("blue potion", 1, 16)
    image = soften(flatten(canvas, BACKGROUND), 8, crop=3, seed=1)

    result, record = run_pipeline(image, "grid,background")

    assert (record[0]["found"]["width"], record[0]["found"]["height"]) == (64, 64)
    assert recovered(np.asarray(result), canvas) >= 0.95


def test_flat_image_is_left_at_its_size():
    flat = np.full((40, 50, 3), 77, dtype=np.uint8)
    grid = detect_grid(flat)
    assert (grid.pitch_x, grid.width, grid.height, grid.confidence) == (1.0, 50, 40, 0.0)


def test_explicit_pitch_and_size(sprite):
    image = soften(flatten(sprite("iron sword", 1, 32), BACKGROUND), 16, crop=5, seed=2)

    by_pitch = detect_grid(image, pitch=16)
    by_size = detect_grid(image, size=(32, 32))

    assert (by_pitch.pitch_x, by_pitch.width, by_pitch.height) == (16.0, 32, 32)
    assert by_pitch.offset_x == pytest.approx(-5, abs=0.5)
    assert (by_size.width, by_size.height) == (32, 32)
    assert by_size.pitch_x == pytest.approx(image.width / 32)
    assert downscale(image, by_size).shape == (32, 32, 4)


def test_grid_record_is_plain_json(sprite):
    grid = detect_grid(soften(flatten(sprite("red knight"), BACKGROUND), 4, seed=0))
    assert json.loads(json.dumps(grid.to_dict()))["width"] == 32
