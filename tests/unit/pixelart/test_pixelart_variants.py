"""Variants for games: a sprite mirrored pixel for pixel, and recoloured onto another palette ramp by lightness
rank, so an enemy variant keeps its shading; both as pipeline steps, recorded like the other ops."""

import numpy as np
import pytest

from dgx_pixels_worker.jobs.postprocess import bounded_pipeline
from dgx_pixels_worker.pixelart import PipelineError, run_pipeline, validate_pipeline
from dgx_pixels_worker.pixelart.palette import named_palette
from dgx_pixels_worker.pixelart.variants import by_lightness, mirror, recolor
from dgx_pixels_worker.protocol import WorkerError
from dgx_pixels_worker.settings.config import load_settings

CLEAR = (0, 0, 0, 0)
R, G, B, W = (200, 0, 0, 255), (0, 200, 0, 255), (0, 0, 200, 255), (255, 255, 255, 255)
HALF = (10, 20, 30, 128)


def image(rows):
    return np.array(rows, dtype=np.uint8)


SPRITE_4X3 = image(
    [
        [R, G, B, CLEAR],
        [W, HALF, CLEAR, R],
        [CLEAR, B, G, W],
    ]
)


def test_mirror_flips_a_4x3_sprite_left_right_pixel_for_pixel_keeping_alpha():
    out, records = run_pipeline(SPRITE_4X3, "mirror")
    expected = image(
        [
            [CLEAR, B, G, R],
            [R, CLEAR, HALF, W],
            [W, G, B, CLEAR],
        ]
    )
    assert np.array_equal(np.asarray(out), expected)
    assert records == [{"op": "mirror", "params": {"axis": "x"}, "found": {"axis": "x"}, "size": [4, 3]}]


def test_mirror_y_flips_top_to_bottom_and_twice_is_the_original():
    out, records = run_pipeline(SPRITE_4X3, "mirror:y")
    assert np.array_equal(np.asarray(out), SPRITE_4X3[::-1])
    assert records[0]["found"] == {"axis": "y"}
    twice, _ = run_pipeline(SPRITE_4X3, [{"op": "mirror"}, {"op": "mirror", "axis": "x"}])
    assert np.array_equal(np.asarray(twice), SPRITE_4X3)


DARK, MID, LIGHT = (40, 10, 10, 255), (120, 60, 60, 255), (230, 200, 200, 255)
TARGET = ["#ffffff", "#000000", "#aaaaaa", "#555555"]  # given out of order: the ramp is ordered by lightness


def ramp_sprite():
    """A 3-shade ramp with transparent pixels (one of them with a colour under it) and a half-transparent one."""
    return image(
        [
            [CLEAR, DARK, MID, LIGHT],
            [(9, 9, 9, 0), (40, 10, 10, 100), MID, CLEAR],
        ]
    )


def test_a_three_shade_ramp_recoloured_onto_four_shades_keeps_its_rank_order_and_transparency():
    sprite = ramp_sprite()
    out, records = run_pipeline(sprite, [{"op": "recolor", "colors": TARGET}])
    out = np.asarray(out)
    black, dark_grey, white = (0, 0, 0), (85, 85, 85), (255, 255, 255)
    # darkest to darkest, lightest to lightest, the middle rank spread to the lighter grey of the two
    assert tuple(out[0, 1, :3]) == black and tuple(out[0, 2, :3]) == (170, 170, 170) and tuple(out[0, 3, :3]) == white
    assert tuple(out[1, 1]) == (*black, 100)  # same colour, its alpha kept
    assert tuple(out[1, 2, :3]) == (170, 170, 170)
    # transparent pixels are not touched at all
    assert np.array_equal(out[:, :, 3], sprite[:, :, 3])
    assert tuple(out[0, 0]) == CLEAR and tuple(out[1, 0]) == (9, 9, 9, 0) and tuple(out[1, 3]) == CLEAR
    found = records[0]["found"]
    assert found["palette"] == "custom" and found["palette_colors"] == 4 and found["from"] == "image"
    assert found["mapping"] == [["#280a0a", "#000000"], ["#783c3c", "#aaaaaa"], ["#e6c8c8", "#ffffff"]]
    assert found["colors_before"] == 3 and found["colors_after"] == 3
    assert dark_grey not in {tuple(p[:3]) for p in out.reshape(-1, 4) if p[3]}


def test_more_shades_than_the_target_merge_neighbours_but_never_reverse_the_order():
    greys = image([[(v, v, v, 255) for v in (10, 60, 110, 160, 210, 250)]])
    out, _ = recolor(greys, np.array([[0, 0, 0], [255, 255, 255], [128, 128, 128]], dtype=np.uint8))
    assert [int(p[0]) for p in out[0]] == [0, 0, 128, 128, 255, 255]


def test_recolor_onto_a_library_palette_by_name_and_from_a_source_palette():
    gameboy, pico8 = named_palette("gameboy"), named_palette("pico8")
    shades = by_lightness(gameboy.array())  # darkest first
    sprite = image([[(*(int(v) for v in c), 255) for c in shades] + [CLEAR]])
    out, records = run_pipeline(sprite, "recolor:to=pico8:from=gameboy")
    got = np.asarray(out)
    # gameboy's 4 shades spread over pico8's 16 by lightness rank: ranks 0, 5, 10, 15
    pico = by_lightness(pico8.array())
    assert [tuple(got[0, x, :3]) for x in range(4)] == [tuple(pico[r]) for r in (0, 5, 10, 15)]
    assert tuple(got[0, 4]) == CLEAR
    found = records[0]["found"]
    assert found["from"] == gameboy.name and found["palette"] == pico8.name and found["palette_colors"] == 16


def test_recolor_is_deterministic_and_position_independent():
    sprite = ramp_sprite()
    first, _ = run_pipeline(sprite, "recolor:gameboy")
    again, _ = run_pipeline(sprite, "recolor:gameboy")
    assert np.array_equal(np.asarray(first), np.asarray(again))
    flipped_then, _ = run_pipeline(sprite, "mirror,recolor:gameboy")
    assert np.array_equal(np.asarray(flipped_then), mirror(np.asarray(first)))


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("mirror:z", ["axis='z'", "x (left-right) or y"]),
        ("recolor", ["give to", "colors", "one of the two"]),
        ("recolor:to=nope", ["step 1 (recolor)", "unknown palette 'nope'", "pico8"]),
        ([{"op": "recolor", "to": "pico8", "colors": ["#000000"]}], ["one of the two"]),
        ([{"op": "recolor", "colors": ["#000000"], "from": "nope"}], ["unknown palette 'nope'"]),
        ("mirror:axis=x:flip=1", ["unknown parameter 'flip'", "mirror takes axis"]),
    ],
)
def test_bad_variant_steps_are_refused_saying_what_to_use(spec, words):
    with pytest.raises(PipelineError) as caught:
        validate_pipeline(spec)
    for word in words:
        assert word in str(caught.value)


def test_variant_steps_count_against_max_postprocess_steps(tmp_path):
    (tmp_path / "none.toml").write_text("")
    limits = load_settings(tmp_path / "none.toml", env={}, overrides={"limits": {"max_postprocess_steps": 3}}).limits
    steps = validate_pipeline("mirror,recolor:pico8,mirror:y")
    assert bounded_pipeline(steps, (16, 16), limits, "procedural") == steps
    with pytest.raises(WorkerError) as caught:
        bounded_pipeline(validate_pipeline("mirror,mirror,mirror,mirror"), (16, 16), limits, "procedural")
    assert "4 steps; the limit is 3" in str(caught.value)
