"""An animation's parameters: how wide its sheet may be, and that its images are never mistaken for stills."""

import pytest

from dgx_pixels_worker.jobs.cache_keys import cache_key
from dgx_pixels_worker.jobs.params import complete_sprite_params
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import GenerateRequest, ModelInfo
from dgx_pixels_worker.settings.config import load_settings

DRAWN = ModelInfo(  # draws each frame on its own, like the procedural backend
    name="drawn",
    backend="procedural",
    kind="procedural",
    available=True,
    defaults={"width": 64, "height": 64, "steps": 8, "cfg": 0.0},
    limits={"min_size": 16, "max_size": 128, "max_sheet_width": 2048},
)
SAMPLED = ModelInfo(  # samples the whole sheet, like a ComfyUI preset
    name="sampled", backend="gpu1", kind="comfyui", available=True, defaults={"width": 512, "height": 512}
)
LIMITS = load_settings(env={}).limits


def resolve(**kw):
    return complete_sprite_params(GenerateRequest(**{"prompt": "knight", **kw}), [DRAWN, SAMPLED], "", LIMITS)


def test_a_model_that_draws_frames_one_by_one_makes_sheets_wider_than_one_sprite():
    params = resolve(model="drawn", frames=16, motion="walk", width=128, height=128)
    assert (params.frames, params.motion, params.sheet_width) == (16, "walk", 2048)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"model": "sampled", "frames": 8, "width": 512}, "8 frames of 512 pixels make a sheet 4096 wide"),
        ({"model": "sampled", "frames": 8, "width": 512}, "ask for at most 4 frames or a smaller size"),
        ({"model": "drawn", "motion": "walk"}, "motion 'walk' needs an animation: give frames (2..16)"),
        ({"model": "drawn", "frames": 4, "init_image": "0123456789ab-0"}, "a variation is one still image"),
        ({"model": "sampled", "frames": 2, "tile": True}, "a tile is one still image"),
        (
            {"model": "drawn", "frames": 4, "postprocess": "grid,trim"},
            "leave trim out of an animation's post-processing",
        ),
    ],
)
def test_a_sheet_that_does_not_fit_is_refused_with_what_fits(kw, words):
    with pytest.raises(WorkerError) as caught:
        resolve(**kw)
    assert caught.value.code is ErrorCode.INVALID and words in caught.value.message


def test_an_animation_and_the_still_of_the_same_parameters_are_different_images():
    still = resolve(model="drawn", seed=3)
    walk = resolve(model="drawn", seed=3, frames=4, motion="walk")
    run = resolve(model="drawn", seed=3, frames=4, motion="run")
    keys = {cache_key("id", p, 3) for p in (still, walk, run)}
    assert len(keys) == 3
    assert cache_key("id", walk, 3) == cache_key("id", resolve(model="drawn", seed=3, frames=4, motion="walk"), 3)


def test_a_tile_and_the_still_of_the_same_parameters_are_different_images():
    still = resolve(model="drawn", seed=3)
    tile = resolve(model="drawn", seed=3, tile=True)
    assert cache_key("id", still, 3) != cache_key("id", tile, 3)
