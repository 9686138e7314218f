"""Post-processing that does not damage art: tiles and art with transparency keep every pixel, the colours
come back to the sprite's own palette, and a render without a pixel grid is kept and said to be."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_tui.terminal_format import pipeline_text
from dgx_pixels_worker.jobs.postprocess import postprocess_render
from dgx_pixels_worker.pixelart import count_colours, detect_background, quantize, remove_background, run_pipeline
from dgx_pixels_worker.pixelart.colour import srgb_to_oklab
from dgx_pixels_worker.pixelart.pipeline import NO_GRID, NO_GRID_TRUE_SIZE
from dgx_pixels_worker.pixelart.synthetic import flatten, soften, soften_rgba

from tests.support.pixelart_corpus import CORPUS


def corpus(name: str) -> np.ndarray:
    return np.array(Image.open(CORPUS / name).convert("RGBA"))


@pytest.mark.parametrize("name", ["tile-floor-00.png", "tile-wall-03.png", "tile-wall-08.png", "strip-floor-00.png"])
def test_a_tile_keeps_every_pixel(name):
    tile = corpus(name)
    noisy = tile.copy()
    noisy[:, :, :3] = np.clip(tile[:, :, :3] + np.random.default_rng(1).normal(0, 3, tile[:, :, :3].shape), 0, 255)

    for image in (tile, noisy):
        assert detect_background(image) is None
        assert (remove_background(image)[:, :, 3] == 255).all()


def test_art_cut_by_its_frame_keeps_its_edge():
    sprite = corpus("edge-feat-00.png")  # its outline touches the frame, the rest of the border is transparent

    result, record = run_pipeline(sprite, "background")

    assert record[0]["found"]["removed"] == 0
    assert np.array_equal(np.asarray(result)[:, :, 3], sprite[:, :, 3])


def test_a_flat_background_still_goes():
    sprite = corpus("sprite-player-03.png")
    framed = np.pad(sprite, ((3, 3), (3, 3), (0, 0)))
    render = soften(flatten(framed, (236, 236, 236)), 24.4, crop=(5, 9), seed=3)

    result, record = run_pipeline(render)

    out = np.asarray(result)
    assert out.shape == framed.shape
    assert record[1]["found"]["color"] is not None
    assert ((out[:, :, 3] > 0) == (framed[:, :, 3] > 0)).mean() >= 0.98


def few_colour_sprite() -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    colours = [(20, 24, 38), (200, 60, 40), (240, 200, 120)]
    sprite = np.zeros((24, 24, 4), dtype=np.uint8)
    for n, colour in enumerate(colours):
        sprite[4 + 6 * n : 10 + 6 * n, 3:21] = (*colour, 255)
    sprite[6:18, 8:12] = (*colours[0], 255)
    return sprite, colours


@pytest.mark.parametrize("name", ["sprite-player-00.png", "sprite-player-04.png", "tile-wall-02.png"])
def test_a_few_colour_sprite_comes_back_with_as_few_colours(name):
    sprite = corpus(name)
    true_colours = count_colours(sprite)
    assert true_colours <= 7
    render = soften_rgba(sprite, 29.3, (11, 4), noise=5, jpeg_quality=80, seed=4)

    result, record = run_pipeline(render)

    out = np.asarray(result)
    assert out.shape == sprite.shape
    assert abs(record[-1]["found"]["colors_after"] - true_colours) <= 1
    assert record[-1]["found"]["colors_before"] > 3 * true_colours
    assert (np.abs(out.astype(int) - sprite).max(axis=2) <= 24).mean() >= 0.95


def test_near_identical_colours_merge_and_distinct_ones_stay():
    image = np.zeros((8, 8, 4), dtype=np.uint8)
    image[:, :, 3] = 255
    image[:4, :4, :3] = (120, 80, 60)
    image[:4, 4:, :3] = (122, 81, 60)  # the same brown to the eye: one colour
    image[4:, :4, :3] = (128, 96, 60)  # a lighter brown the artist chose: stays
    image[4:, 4:, :3] = (30, 30, 30)
    lab = srgb_to_oklab(np.array([[120, 80, 60], [122, 81, 60], [128, 96, 60]], dtype=np.uint8))
    assert np.linalg.norm(lab[0] - lab[1]) < 0.012 and np.linalg.norm(lab[0] - lab[2]) > 0.04

    out = quantize(image)

    assert count_colours(out) == 3
    assert np.array_equal(out[0, 0], out[0, 7])
    assert not np.array_equal(out[0, 0], out[7, 0])


def test_colors_is_a_cap_not_a_target():
    sprite, _ = few_colour_sprite()
    noisy = sprite.copy()
    noisy[:, :, :3] = np.clip(sprite[:, :, :3] + np.random.default_rng(2).normal(0, 2, (24, 24, 3)), 0, 255)
    noisy[sprite[:, :, 3] == 0] = 0

    assert count_colours(quantize(noisy, 16)) == 3  # never filled up to 16
    assert count_colours(quantize(noisy, 2)) == 2
    _, record = run_pipeline(noisy, "quantize:colors=2")
    assert record[0]["params"] == {"colors": 2} and record[0]["found"]["colors_after"] == 2
    _, record = run_pipeline(noisy, "quantize")
    assert record[0]["params"] == {"colors": None} and record[0]["found"]["colors_after"] == 3


def long_edge_render() -> np.ndarray:
    """1047x237: a long straight edge between two flat colours, noisy: no pixel grid in it."""
    image = np.zeros((237, 1047, 3), dtype=np.uint8)
    image[:, :] = (200, 190, 170)
    image[120:, :] = (60, 70, 90)
    return np.clip(image + np.random.default_rng(5).normal(0, 4, image.shape), 0, 255).astype(np.uint8)


def test_no_grid_is_said_and_the_render_is_kept():
    render = long_edge_render()

    result, record = run_pipeline(render)

    assert [step["op"] for step in record] == ["grid"]  # nothing after it touched the render
    assert record[0]["found"]["found"] is False
    assert record[0]["found"]["reason"] == NO_GRID
    assert "no pixel grid found; kept the raw render" in NO_GRID
    out = np.asarray(result)
    assert out.shape == (237, 1047, 4)
    assert np.array_equal(out[:, :, :3], render)


def test_the_job_result_carries_the_warning():
    render = Image.fromarray(long_edge_render())

    processed = postprocess_render(render, {"prompt": "castle wall"}, [{"op": "grid", "pitch": None, "size": None}])

    assert processed.metadata["postprocess_warning"].startswith("no pixel grid found; kept the raw render")
    assert (processed.width, processed.height) == (1047, 237)
    assert processed.raw_png is not None

    sprite, _ = few_colour_sprite()
    fine = postprocess_render(
        soften_rgba(sprite, 20.5, seed=1), {"prompt": "x"}, [{"op": "grid", "pitch": None, "size": None}]
    )
    assert "postprocess_warning" not in fine.metadata
    assert fine.metadata["postprocess"][0]["found"]["found"] is True


def test_small_art_without_a_grid_is_taken_as_true_size():
    sprite = corpus("sprite-player-03.png")

    result, record = run_pipeline(sprite, "grid,upscale:2")

    assert record[0]["found"]["found"] is False
    assert record[0]["found"]["reason"] == NO_GRID_TRUE_SIZE
    assert [step["op"] for step in record] == ["grid", "upscale"]
    assert result.size == (2 * sprite.shape[1], 2 * sprite.shape[0])


def test_the_gallery_line_says_no_grid_was_found():
    _, record = run_pipeline(long_edge_render())
    assert pipeline_text(record) == "no pixel grid found; kept the raw render"


def test_a_tile_job_skips_the_background_step():
    tile = corpus("tile-wall-01.png")
    render = soften(tile, 31.3, crop=(7, 3), seed=1001).convert("RGBA")
    steps = [{"op": "grid", "pitch": None, "size": None}, {"op": "background", "tolerance": 40.0, "color": None}]

    processed = postprocess_render(render, {"prompt": "brick wall"}, steps, tile=True)

    assert [step["op"] for step in processed.metadata["postprocess"]] == ["grid"]
    out = np.asarray(Image.open(io.BytesIO(processed.png)))
    assert out.shape[:2] == (32, 32) and (out[:, :, 3] == 255).all()
