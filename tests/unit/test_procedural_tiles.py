"""Seamless tiles from the procedural generator: every tile request, whatever the prompt, repeats without a seam."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from dgx_pixels_worker.backends import RenderTask, Result
from dgx_pixels_worker.backends.procedural import ProceduralBackend
from dgx_pixels_worker.pixelart.seams import seam_score
from dgx_pixels_worker.procedural import plan_sprite, render_sprite
from dgx_pixels_worker.procedural.wrap import quiet_roll

KIND_PROMPTS = ["grass", "stone", "water", "sand", "brick", "wood", "lava", "dirt", "snow", "ice"]
SUBJECT_PROMPTS = ["knight", "gold coin", "red slime", "sword", "potion", "tree", "ruby", "fire", "", "zorblax"]
SIZES = [(16, 16), (32, 32), (64, 64), (48, 96), (128, 16)]


@pytest.mark.parametrize("prompt", KIND_PROMPTS + SUBJECT_PROMPTS)
def test_every_tile_request_is_opaque_and_scores_at_most_one(prompt: str) -> None:
    for seed in range(8):
        for w, h in SIZES:
            tile = render_sprite(prompt, seed, w, h, tile=True)
            assert tile.shape == (h, w, 4)
            assert (tile[..., 3] == 255).all(), (prompt, seed, w, h)
            assert seam_score(tile) <= 1.0, (prompt, seed, w, h, seam_score(tile))


def test_a_cut_tile_scores_well_above_one() -> None:
    """The figure means something: the same tiles with a strip cut off no longer wrap, and score high."""
    cut = [seam_score(render_sprite("stone", seed, 64, 64, tile=True)[:, :45]) for seed in range(8)]
    assert np.median(cut) > 1.5


@pytest.mark.parametrize("prompt", ["lava", "brick wall", "grass tile", "cobblestone floor"])
def test_a_tile_prompt_draws_the_same_tile_with_or_without_the_flag(prompt: str) -> None:
    assert np.array_equal(render_sprite(prompt, 4, 32, 32, tile=True), render_sprite(prompt, 4, 32, 32))


def test_a_subject_asked_as_a_tile_is_that_subject_repeated_on_ground() -> None:
    plan = plan_sprite("gold coin on sand", seed=3, tile=True)
    assert plan.tile and plan.subject == "coin"
    assert plan.summary == "seamless tile: coin in gold and sand, repeated on sand"
    assert not plan_sprite("gold coin", seed=3).tile
    pattern = render_sprite("gold coin", 3, 64, 64, tile=True).astype(np.int32)  # gold coins on grey stone
    red, blue = pattern[..., 0], pattern[..., 2]
    share = float(((red - blue) > 60).mean())
    assert 0.2 < share < 0.8, share  # the coins and the ground between them both show


def test_a_material_without_a_subject_becomes_a_tile_of_that_material() -> None:
    assert plan_sprite("fire", seed=1, tile=True).summary == "seamless tile (lava) in fire"
    assert plan_sprite("", seed=1, tile=True).subject == "tile"


def test_quiet_roll_keeps_every_pixel_and_moves_the_cut_off_a_seam() -> None:
    rng = np.random.default_rng(0)
    stripes = np.zeros((16, 16, 4), dtype=np.uint8)
    stripes[..., 3] = 255
    stripes[:, 4:8, :3] = 200  # two hard edges inside; a cut anywhere else is quiet
    rolled = quiet_roll(np.roll(stripes, -4, axis=1), rng)  # starts with its edge on the border
    assert sorted(map(tuple, rolled.reshape(-1, 4))) == sorted(map(tuple, stripes.reshape(-1, 4)))
    assert seam_score(rolled) == 0.0


@pytest.mark.parametrize("model", ["procedural", "procedural-pico8", "procedural-gameboy"])
def test_the_procedural_backend_renders_a_tile_request_as_a_tile_in_every_style(model: str) -> None:
    backend = ProceduralBackend(steps=4)

    async def last(prompt: str, seed: int) -> Result:
        task = RenderTask("j", 0, prompt, "", model, seed, 48, 48, 4, 0.0, tile=True)
        events = [event async for event in backend.render(task)]
        assert isinstance(events[-1], Result)
        return events[-1]

    for prompt in ("knight", "grass", "brick wall", "gold coin", "water"):
        for seed in range(6):
            result = asyncio.run(last(prompt, seed))
            pixels = np.asarray(result.image)
            assert (pixels[..., 3] == 255).all() and seam_score(pixels) <= 1.0, (prompt, seed)
    assert asyncio.run(last("knight", 1)).info["subject"] == "humanoid"
