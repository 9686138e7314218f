"""Animation sheets: cut into equal frames, left to right, and every frame set on the sheet's common baseline.

Grid detection and the palette run on the whole sheet before this (one grid and one set of colours for every
frame, so the frames do not flicker); this step only moves each frame down until its lowest opaque row lies on
the lowest row any frame reaches, so the character does not bob where its feet should stay put.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image


def split_frames(rgba: np.ndarray, frames: int) -> list[np.ndarray]:
    """`frames` frames of equal width from a (H, W, 4) sheet. A sheet whose width is not a multiple of `frames`
    (a grid found a column more or less) is cut where each frame starts, round(i * W / frames), and each frame
    keeps W // frames columns."""
    if frames < 1 or rgba.shape[1] < frames:
        raise ValueError(f"a sheet {rgba.shape[1]} pixels wide cannot hold {frames} frames")
    width = rgba.shape[1]
    each = width // frames
    return [rgba[:, start : start + each] for start in (round(i * width / frames) for i in range(frames))]


def lowest_opaque_row(frame: np.ndarray) -> int | None:
    rows = np.flatnonzero((frame[..., 3] > 0).any(axis=1))
    return int(rows[-1]) if len(rows) else None


def align_frames(rgba: np.ndarray, frames: int, mirrored: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """(the sheet of `frames` equal frames, each on the common baseline; what was done). Moving a frame down by
    the rows below its lowest opaque row drops only transparent rows, so nothing is cut. A sheet `mirrored`
    left-right has its frames in reverse order: they are put back in order, each one staying mirrored."""
    parts = split_frames(rgba, frames)
    if mirrored:
        parts.reverse()
    lows = [lowest_opaque_row(part) for part in parts]
    seen = [low for low in lows if low is not None]
    baseline = max(seen) if seen else rgba.shape[0] - 1
    shifts = [0 if low is None else baseline - low for low in lows]
    aligned = []
    for part, shift in zip(parts, shifts, strict=True):
        moved = np.zeros_like(part)
        moved[shift:] = part[: part.shape[0] - shift]
        aligned.append(moved)
    sheet = np.concatenate(aligned, axis=1)
    return sheet, {
        "frames": frames,
        "frame_size": [parts[0].shape[1], parts[0].shape[0]],
        "baseline": baseline,
        "shifts": shifts,
        "cropped_columns": rgba.shape[1] - sheet.shape[1],
        **({"reordered": True} if mirrored else {}),
    }


def align_sheet(
    image: Image.Image, frames: int, record: Sequence[Mapping[str, Any]] = ()
) -> tuple[Image.Image, dict[str, Any]]:
    """align_frames for a Pillow image that went through the pipeline steps in `record`: an odd number of
    left-right mirror steps mirrored the sheet as a whole, so its frames are put back in order."""
    flips = sum(1 for step in record if step["op"] == "mirror" and step["params"].get("axis") == "x")
    sheet, found = align_frames(np.asarray(image.convert("RGBA")), frames, mirrored=flips % 2 == 1)
    return Image.fromarray(sheet, "RGBA"), found
