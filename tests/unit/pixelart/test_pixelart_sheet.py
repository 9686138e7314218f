"""Sprite sheets with Bevy grid atlases, and animated GIF / APNG previews."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.pixelart import animated_preview, build_sheet, upscale


@pytest.fixture
def frames(sprite) -> list[np.ndarray]:
    """Five different frames, two of them smaller than the rest."""
    return [
        sprite("red knight", 1, 32),
        sprite("blue potion", 2, 16),
        sprite("green slime", 3, 32),
        sprite("iron sword", 4, 32)[:, 4:28],
        sprite("fire mage", 5, 32),
    ]


@pytest.mark.parametrize(
    ("columns", "padding", "margin", "anchor"),
    [(None, 0, 0, "center"), (2, (2, 3), 4, "top-left"), (5, 1, (3, 1), "bottom")],
)
def test_atlas_rects_hold_exactly_their_frames(frames, columns, padding, margin, anchor):
    names = [f"walk_{i}" for i in range(len(frames))]

    sheet = build_sheet(frames, names=names, columns=columns, padding=padding, margin=margin, anchor=anchor)

    atlas = json.loads(json.dumps(sheet.atlas))
    cols = columns or 3
    rows = -(-len(frames) // cols)
    pad = list(padding) if isinstance(padding, tuple) else [padding, padding]
    off = list(margin) if isinstance(margin, tuple) else [margin, margin]
    assert atlas["tile_size"] == [32, 32]
    assert (atlas["columns"], atlas["rows"]) == (cols, rows)
    assert atlas["padding"] == pad and atlas["offset"] == off
    width, height = (2 * off[i] + n * 32 + (n - 1) * pad[i] for i, n in enumerate((cols, rows)))
    assert atlas["image_size"] == [width, height]
    assert list(sheet.image.size) == atlas["image_size"] and sheet.image.mode == "RGBA"
    pixels = np.asarray(sheet.image)
    for i, (frame, entry) in enumerate(zip(frames, atlas["frames"], strict=True)):
        assert (entry["index"], entry["name"]) == (i, names[i])
        # Bevy's from_grid: cell i at (tile + padding) * (column, row) + offset
        assert entry["cell"] == [(32 + pad[0]) * (i % cols) + off[0], (32 + pad[1]) * (i // cols) + off[1], 32, 32]
        x, y, w, h = entry["rect"]
        assert np.array_equal(pixels[y : y + h, x : x + w], frame)
        cx, cy, _, _ = entry["cell"]
        inside = np.zeros(pixels.shape[:2], dtype=bool)
        inside[y : y + h, x : x + w] = True
        cell = np.zeros_like(inside)
        cell[cy : cy + 32, cx : cx + 32] = True
        assert (pixels[cell & ~inside][:, 3] == 0).all()
    if anchor == "top-left":
        assert atlas["frames"][1]["rect"][:2] == atlas["frames"][1]["cell"][:2]
    if anchor == "bottom":
        rect, cell = atlas["frames"][1]["rect"], atlas["frames"][1]["cell"]
        assert rect[1] + rect[3] == cell[1] + cell[3] and rect[0] == cell[0] + 8


def test_sheet_argument_errors(frames):
    with pytest.raises(ValueError, match="2 names for 5 frames"):
        build_sheet(frames, names=["a", "b"])
    with pytest.raises(ValueError, match="anchor"):
        build_sheet(frames, anchor="middle")
    with pytest.raises(ValueError, match="no frames"):
        build_sheet([])


def centred(frame: np.ndarray, size: int = 32) -> np.ndarray:
    canvas = np.zeros((size, size, 4), dtype=np.uint8)
    y, x = (size - frame.shape[0]) // 2, (size - frame.shape[1]) // 2
    canvas[y : y + frame.shape[0], x : x + frame.shape[1]] = frame
    return canvas


def test_gif_preview_has_every_frame_with_clean_transparency(frames, tmp_path):
    path = animated_preview(frames, tmp_path / "walk.gif", duration_ms=80, scale=2)

    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(frames) and gif.size == (64, 64)
        assert gif.info.get("loop") == 0
        for i, frame in enumerate(frames):
            gif.seek(i)
            assert gif.disposal_method == 2
            shown = np.asarray(gif.convert("RGBA"))
            expected = upscale(centred(frame), 2)
            assert np.array_equal(shown[:, :, 3] > 0, expected[:, :, 3] > 0)
            opaque = expected[:, :, 3] > 0
            assert np.array_equal(shown[opaque], expected[opaque])


def test_gif_with_many_colours_is_quantised(frames):
    rng = np.random.default_rng(0)
    noisy = [f.copy() for f in frames[:3]]
    for f in noisy:
        f[:, :, :3] = rng.integers(0, 256, f[:, :, :3].shape)
    data = animated_preview(noisy, "gif")
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == 3
        gif.seek(2)
        assert np.array_equal(np.asarray(gif.convert("RGBA"))[:, :, 3] > 0, centred(noisy[2])[:, :, 3] > 0)


def test_apng_preview_keeps_every_frame_exactly(frames):
    data = animated_preview(frames, "apng", duration_ms=120, scale=3)

    with Image.open(io.BytesIO(data)) as png:
        assert png.format == "PNG" and png.n_frames == len(frames) and png.size == (96, 96)
        for i, frame in enumerate(frames):
            png.seek(i)
            assert np.array_equal(np.asarray(png.convert("RGBA")), upscale(centred(frame), 3))


def test_preview_target_must_name_a_format(frames, tmp_path):
    with pytest.raises(ValueError, match=r"\.gif, \.png or \.apng"):
        animated_preview(frames, tmp_path / "walk.webp")
