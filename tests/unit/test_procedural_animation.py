"""Procedural animations: the frames of one sheet move the way their motion says, in one palette on one baseline."""

from __future__ import annotations

import numpy as np
import pytest

from dgx_pixels_worker.procedural import MOTIONS, render_animation, render_sprite
from dgx_pixels_worker.procedural.render import build

SUBJECTS = ["knight", "villager", "wizard", "grey wolf", "bat", "green slime", "fire sword", "gold potion"]


def frames_of(sheet: np.ndarray, frames: int) -> list[np.ndarray]:
    width = sheet.shape[1] // frames
    return [sheet[:, i * width : (i + 1) * width] for i in range(frames)]


def lowest_row(frame: np.ndarray) -> int:
    return int(np.flatnonzero(frame[..., 3].any(axis=1))[-1])


def highest_row(frame: np.ndarray) -> int:
    return int(np.flatnonzero(frame[..., 3].any(axis=1))[0])


def colours(image: np.ndarray) -> set[tuple[int, ...]]:
    opaque = image[image[..., 3] > 0]
    return {tuple(int(v) for v in c) for c in opaque}


def leg_rows(prompt: str, seed: int, size: int) -> int:
    """The row where the character's legs start, as the drawing placed them."""
    canvas = build(prompt, seed, size, size).canvas
    assert canvas is not None
    return round(canvas.marks["leg_top"])


@pytest.mark.parametrize("motion", MOTIONS)
@pytest.mark.parametrize("prompt", SUBJECTS)
def test_every_motion_moves_every_subject_in_its_palette_on_one_baseline(prompt: str, motion: str) -> None:
    sheet = render_animation(prompt, 11, 48, 48, 4, motion)
    assert sheet.shape == (48, 4 * 48, 4)
    frames = frames_of(sheet, 4)
    assert len({f.tobytes() for f in frames}) > 1, "the frames of an animation differ"
    assert len({lowest_row(f) for f in frames}) == 1, "every frame stands on the same row"
    still = render_sprite(prompt, 11, 48, 48)
    assert lowest_row(frames[0]) == lowest_row(still)
    palette = colours(still)
    for n, frame in enumerate(frames):
        assert colours(frame) <= palette, f"frame {n} uses colours the still sprite does not"


def test_a_walk_lifts_one_foot_then_the_other() -> None:
    sheet = render_animation("villager", 3, 64, 64, 4, "walk")
    frames = frames_of(sheet, 4)
    legs = leg_rows("villager", 3, 64)
    left = [lowest_row(f[:, :32]) for f in frames]
    right = [lowest_row(f[:, 32:]) for f in frames]
    # contact, left foot up, contact, right foot up
    assert left[1] < left[0] and right[1] == right[0]
    assert right[3] < right[0] and left[3] == left[0]
    assert not np.array_equal(frames[1][legs:], frames[3][legs:])


def test_an_idle_breathes_the_body_down_a_pixel_and_back() -> None:
    sheet = render_animation("knight", 5, 64, 64, 4, "idle")
    tops = [highest_row(f) for f in frames_of(sheet, 4)]
    assert tops == [tops[0], tops[0], tops[0] + 1, tops[0] + 1]
    legs = leg_rows("knight", 5, 64)
    frames = frames_of(sheet, 4)
    assert np.array_equal(frames[0][legs + 1 :], frames[2][legs + 1 :]), "the legs stay still while it breathes"


def test_the_first_idle_frame_is_the_still_sprite() -> None:
    sheet = render_animation("archer", 9, 32, 32, 2, "idle")
    assert np.array_equal(frames_of(sheet, 2)[0], render_sprite("archer", 9, 32, 32))


def test_a_jump_crouches_before_it_rises() -> None:
    frames = frames_of(render_animation("warrior", 2, 64, 64, 4, "jump"), 4)
    assert highest_row(frames[0]) >= highest_row(frames[1]) + 2


def test_an_attack_reaches_out_and_a_hurt_flashes() -> None:
    attack = frames_of(render_animation("villager", 4, 64, 64, 4, "attack"), 4)
    reach = [int(np.flatnonzero(f[..., 3].any(axis=0))[-1]) for f in attack]
    assert reach[1] > reach[3], "the strike reaches further than the recovered pose"
    hurt = frames_of(render_animation("villager", 4, 64, 64, 4, "hurt"), 4)
    light = [f[f[..., 3] > 0][:, :3].mean() for f in hurt]
    assert light[0] > light[3] + 10, "the hit frame flashes lighter"


def test_the_same_request_gives_the_same_sheet_and_another_seed_another_character() -> None:
    first = render_animation("knight", 21, 32, 32, 6, "run")
    assert np.array_equal(first, render_animation("knight", 21, 32, 32, 6, "run"))
    assert not np.array_equal(first, render_animation("knight", 22, 32, 32, 6, "run"))


@pytest.mark.parametrize("frames", [2, 3, 5, 8, 16])
def test_any_number_of_frames_makes_a_sheet_that_moves(frames: int) -> None:
    sheet = render_animation("knight", 1, 16, 16, frames, "walk")
    assert sheet.shape == (16, 16 * frames, 4)
    assert len({f.tobytes() for f in frames_of(sheet, frames)}) > 1


@pytest.mark.parametrize(
    ("frames", "motion", "words"),
    [(1, "walk", "2..16"), (17, "walk", "2..16"), (4, "dance", "idle, walk, run, attack, jump, hurt")],
)
def test_a_bad_animation_request_says_what_to_ask_for(frames: int, motion: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        render_animation("knight", 1, 32, 32, frames, motion)


def test_a_tile_prompt_is_not_animated_and_says_why() -> None:
    with pytest.raises(ValueError, match="tile, which has no motion"):
        render_animation("grass tile", 1, 32, 32, 4, "idle")


def test_a_subject_with_room_above_stretches_up_as_it_jumps_and_squashes_as_it_lands() -> None:
    still_top = highest_row(render_sprite("fire sword", 11, 48, 48))
    tops = [highest_row(f) for f in frames_of(render_animation("fire sword", 11, 48, 48, 4, "jump"), 4)]
    assert tops[0] > still_top  # crouch
    assert tops[1] < still_top  # take-off, stretched
    assert tops[3] > still_top  # landing
