"""Animations on export: the frames of an animation's sheet, each animation's frame indices in an atlas, and
its animated GIF and APNG. Plain Python, no Textual.

An animation image is one PNG of `frames` equal frames left to right (docs/assets.md). In an atlas each
animation is a run of frame indices, `{"first": 0, "last": 3, "fps": 10}`, the numbers a Bevy game steps its
`TextureAtlas.index` through.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow and numpy load with the first export, not with the app
    from PIL import Image

FRAME_MS = 100  # each frame's time in the GIF and APNG; the atlas says the same as frames per second
FPS = 1000 // FRAME_MS


def sheet_frames(png: bytes, frames: int = 1) -> list[Image.Image]:
    """The frames of a sheet PNG of `frames` equal frames, left to right. A PNG whose width is no multiple of
    `frames` is not such a sheet: it comes back whole, as one frame (a still), never cut into pieces."""
    import numpy as np
    from PIL import Image

    from .previews.frames import split_sheet

    with Image.open(io.BytesIO(png)) as opened:
        pixels = np.asarray(opened.convert("RGBA"))
    return [Image.fromarray(part, "RGBA") for part in split_sheet(pixels, frames)]


def frame_run(first: int, count: int, fps: int = FPS) -> dict[str, int]:
    """One animation's place in an atlas: its first and last frame index (inclusive) and its speed."""
    return {"first": first, "last": first + count - 1, "fps": fps}


def unique_names(wanted: list[str]) -> list[str]:
    """The names, a repeated one numbered from its second use on: walk, walk_2, walk_3."""
    names: list[str] = []
    for name in wanted:
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name}_{n}"
        names.append(candidate)
    return names


def animation_files(frames: list[Image.Image], frame_ms: int = FRAME_MS) -> dict[str, bytes]:
    """The frames as an animated GIF (one-bit alpha on a transparent palette index) and an APNG (full alpha),
    looping, `frame_ms` per frame, at the sprite's own pixel size; keyed by file suffix."""
    from dgx_pixels_worker.pixelart import animated_preview

    files = {}
    for suffix, kind in ((".gif", "gif"), (".apng", "apng")):
        data = animated_preview(frames, kind, duration_ms=frame_ms, scale=1)
        assert isinstance(data, bytes)  # a format name, not a path, was given
        files[suffix] = data
    return files


def with_animations(layout: dict[str, Any], animations: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The atlas layout with the frame runs of its animations (none: the layout as it was)."""
    return {**layout, "animations": animations} if animations else layout
