"""Each lint figure on hand-made images whose right answer is known."""

import time

import numpy as np
from PIL import Image

from dgx_pixels_worker.pixelart import run_pipeline
from dgx_pixels_worker.pixelart.lint import grid_fit, lint_image

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def canvas(width: int, height: int, rgb: tuple[int, int, int] = RED, alpha: int = 255) -> np.ndarray:
    image = np.zeros((height, width, 4), np.uint8)
    image[..., :3] = rgb
    image[..., 3] = alpha
    return image


def test_colours_count_the_distinct_opaque_colours_only():
    image = canvas(4, 4)
    image[0, :2, :3] = GREEN
    image[3, 3, :3] = BLUE
    image[2, 2] = (9, 9, 9, 0)  # transparent: no colour
    image[1, 1] = (7, 7, 7, 128)  # semi-transparent: counted apart
    figures = lint_image(image)
    assert figures.colors == 3
    assert figures.opaque == 14


def test_an_empty_image_has_no_colours_and_nothing_to_flag():
    figures = lint_image(canvas(8, 8, alpha=0))
    assert figures.colors == 0
    assert figures.orphans == 0
    assert figures.semi_transparent == 0.0
    assert lint_image(canvas(8, 8, alpha=0), palette=["#ff0000"]).off_palette == 0.0


def test_off_palette_is_the_share_of_opaque_pixels_outside_the_palette_and_none_without_one():
    image = canvas(4, 4)
    image[0, :, :3] = GREEN  # 4 of 16 pixels
    image[3, 0] = (1, 2, 3, 0)  # transparent pixels are never off palette
    assert lint_image(image, palette=["#ff0000"]).off_palette == round(4 / 15, 4)
    assert lint_image(image, palette=["#FF0000", "#00ff00"]).off_palette == 0.0
    assert lint_image(image).off_palette is None


def test_an_orphan_is_an_opaque_pixel_with_no_four_neighbour_of_its_colour():
    image = canvas(5, 5)
    image[2, 2, :3] = GREEN  # alone among red: one orphan
    image[0, 0, :3] = BLUE  # corner, its only neighbours red
    image[1, 1, :3] = BLUE  # diagonal to the corner: diagonals do not count
    image[4, 3:5, :3] = GREEN  # a pair: neither is an orphan
    assert lint_image(image).orphans == 3


def test_a_pixel_between_transparent_ones_is_an_orphan_but_transparent_pixels_never_are():
    image = canvas(3, 3, alpha=0)
    image[1, 1] = (*RED, 255)
    assert lint_image(image).orphans == 1
    image[1, 2] = (*RED, 128)  # same colour, but not opaque: no company
    assert lint_image(image).orphans == 1


def test_a_tiles_orphans_count_neighbours_across_the_wrap_edges():
    image = canvas(4, 4)
    image[0, 0, :3] = GREEN
    image[0, 3, :3] = GREEN  # beside (0, 0) when the tile repeats
    assert lint_image(image).orphans == 2
    assert lint_image(image, tile=True).orphans == 0


def test_semi_transparent_is_the_share_of_all_pixels_with_partial_alpha():
    image = canvas(4, 5)
    image[0, :, 3] = 1
    image[1, :2, 3] = 254
    image[2, :, 3] = 0
    assert lint_image(image).semi_transparent == round(6 / 20, 4)


def test_grid_fit_is_the_last_grid_steps_confidence_and_none_without_a_grid_step():
    record = [
        {"op": "grid", "found": {"confidence": 0.4}},
        {"op": "quantize", "found": {"colors_before": 30, "colors_after": 16}},
        {"op": "grid", "found": {"confidence": 0.92}},
    ]
    assert grid_fit(record) == 0.92
    assert lint_image(canvas(2, 2), record=record).grid_fit == 0.92
    assert lint_image(canvas(2, 2), record=[{"op": "quantize", "found": {}}]).grid_fit is None
    assert lint_image(canvas(2, 2)).grid_fit is None


def test_grid_fit_is_0_for_a_render_without_a_grid_and_none_for_art_taken_at_its_true_size():
    render = np.random.default_rng(2).integers(0, 256, (300, 300, 4), dtype=np.uint8)
    render[..., 3] = 255
    _, kept = run_pipeline(render, "grid")
    assert kept[0]["found"]["found"] is False and grid_fit(kept) == 0.0
    small = canvas(32, 32)
    small[::2, ::2, :3] = GREEN  # a pattern at its true size: no larger grid to find
    _, taken = run_pipeline(small, "grid")
    assert taken[0]["found"]["found"] is False and grid_fit(taken) is None


def test_the_seam_is_scored_for_tiles_only():
    gradient = canvas(16, 16)
    gradient[..., 0] = np.linspace(0, 255, 16, dtype=np.uint8)[None, :]
    assert lint_image(gradient).seam is None
    assert lint_image(gradient, tile=True).seam > 3.0
    assert lint_image(canvas(16, 16), tile=True).seam == 0.0


def test_figures_are_plain_json_values():
    figures = lint_image(Image.new("RGBA", (3, 3), (10, 20, 30, 255)), palette=["#0a141e"], tile=True)
    assert figures.to_dict() == {
        "colors": 1,
        "opaque": 9,
        "off_palette": 0.0,
        "orphans": 0,
        "semi_transparent": 0.0,
        "grid_fit": None,
        "seam": 0.0,
    }


def test_a_256_pixel_image_is_linted_in_a_few_milliseconds():
    rng = np.random.default_rng(3)
    image = (rng.integers(0, 4, (256, 256, 4), dtype=np.uint8) * 85).astype(np.uint8)
    image[..., 3] = 255
    lint_image(image, tile=True)
    best = min(_timed(lambda: lint_image(image, palette=["#000000"], tile=True)) for _ in range(5))
    assert best < 0.05  # a few ms on a quiet machine; generous for a shared one


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
