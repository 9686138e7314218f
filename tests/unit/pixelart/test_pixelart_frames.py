"""Animation sheets after post-processing: equal frames, one baseline, one grid and one palette for all frames."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.jobs.postprocess import postprocess_render
from dgx_pixels_worker.pixelart.frames import align_frames, lowest_opaque_row, split_frames
from dgx_pixels_worker.pixelart.pipeline import DEFAULT_PIPELINE
from dgx_pixels_worker.procedural import render_animation

BACKGROUND = np.array([90, 140, 200], dtype=np.int16)


def block(top: int, bottom: int, width: int = 8, height: int = 16) -> np.ndarray:
    frame = np.zeros((height, width, 4), dtype=np.uint8)
    frame[top:bottom, 2:6] = (200, 40, 40, 255)
    return frame


def test_every_frame_is_moved_onto_the_lowest_baseline_and_nothing_is_cut() -> None:
    sheet = np.concatenate([block(2, 9), block(5, 12), block(0, 16), block(3, 10)], axis=1)
    aligned, found = align_frames(sheet, 4)
    assert aligned.shape == sheet.shape
    frames = split_frames(aligned, 4)
    assert [lowest_opaque_row(f) for f in frames] == [15, 15, 15, 15]
    assert [int((f[..., 3] > 0).sum()) for f in frames] == [28, 28, 64, 28]
    assert found["baseline"] == 15 and found["shifts"] == [7, 4, 0, 6] and found["frame_size"] == [8, 16]


def test_an_empty_frame_stays_empty_and_a_sheet_a_column_too_wide_keeps_equal_frames() -> None:
    sheet = np.concatenate(
        [block(2, 9), np.zeros((16, 8, 4), np.uint8), block(4, 8), np.zeros((16, 1, 4), np.uint8)], 1
    )
    aligned, found = align_frames(sheet, 3)
    assert aligned.shape == (16, 24, 4) and found["cropped_columns"] == 1
    assert found["shifts"] == [0, 0, 1] and found["baseline"] == 8
    assert not aligned[:, 8:16, 3].any()


def test_a_sheet_narrower_than_its_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot hold 4 frames"):
        split_frames(np.zeros((8, 3, 4), np.uint8), 4)


def degraded_sheet(sheet: np.ndarray, frames: int, offsets: list[int], scale: int = 8) -> Image.Image:
    """What a diffusion model gives for a sheet: frames off their baseline (raised by `offsets` into four more
    rows above), scaled up, on a flat noisy ground."""
    parts = [np.concatenate([np.zeros((4, *p.shape[1:]), np.uint8), p]) for p in split_frames(sheet, frames)]
    moved = [np.roll(part, -offset, axis=0) for part, offset in zip(parts, offsets, strict=True)]
    small = np.concatenate(moved, axis=1)
    big = np.repeat(np.repeat(small, scale, axis=0), scale, axis=1)
    rgb = np.where(big[..., 3:] > 0, big[..., :3].astype(np.int16), BACKGROUND)
    noise = np.random.default_rng(3).integers(-3, 4, size=rgb.shape)
    return Image.fromarray(np.clip(rgb + noise, 0, 255).astype(np.uint8), "RGB")


def test_a_rendered_sheet_comes_out_as_equal_frames_on_one_baseline_with_one_palette() -> None:
    truth = render_animation("villager", 3, 32, 32, 4, "walk")
    render = degraded_sheet(truth, 4, offsets=[0, 2, 3, 1])
    processed = postprocess_render(render, {"frames": 4}, [dict(step) for step in DEFAULT_PIPELINE])
    assert (processed.width, processed.height) == (128, 36)
    with Image.open(io.BytesIO(processed.png)) as image:
        result = np.asarray(image.convert("RGBA"))
    frames = split_frames(result, 4)
    assert len({lowest_opaque_row(f) for f in frames}) == 1
    # Frames 0 and 2 of a walk are the same pose: drawn at other heights and with other noise, they come out
    # pixel for pixel the same, since the grid and the colours were found once for the sheet.
    assert np.array_equal(frames[0], frames[2])
    assert not np.array_equal(frames[1], frames[3])
    assert processed.metadata["frames_aligned"]["frames"] == 4
    assert processed.metadata["frames_aligned"]["frame_size"] == [32, 36]


def test_a_still_is_not_cut_into_frames() -> None:
    render = degraded_sheet(render_animation("villager", 3, 32, 32, 2, "walk"), 2, offsets=[0, 3])
    processed = postprocess_render(render, {}, [dict(step) for step in DEFAULT_PIPELINE])
    assert "frames_aligned" not in processed.metadata


def test_a_mirrored_animation_keeps_its_frame_order_with_every_frame_facing_the_other_way() -> None:
    truth = render_animation("grey wolf", 2, 32, 32, 4, "walk")
    render = Image.fromarray(truth, "RGBA")
    processed = postprocess_render(render, {"frames": 4}, [{"op": "mirror", "axis": "x"}])
    with Image.open(io.BytesIO(processed.png)) as image:
        result = np.asarray(image.convert("RGBA"))
    for got, frame in zip(split_frames(result, 4), split_frames(truth, 4), strict=True):
        assert np.array_equal(got, frame[:, ::-1])
    assert processed.metadata["frames_aligned"]["reordered"] is True
