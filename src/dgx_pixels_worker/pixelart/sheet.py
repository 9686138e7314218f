"""Sprite sheets with a grid atlas (the numbers Bevy's TextureAtlasLayout::from_grid takes), and animated
GIF / APNG previews of a sequence of frames."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .alpha import threshold_alpha
from .colour import ImageLike, as_rgba, pack_rgb, to_image, unique_colours
from .quantization import quantize
from .scale import upscale

ANCHORS = ("center", "top-left", "bottom")  # where a smaller frame sits in its cell; bottom = bottom centre
_GIF_COLOURS = 255  # one of the 256 GIF palette entries is the transparent one


@dataclass(frozen=True)
class SpriteSheet:
    """The sheet image (RGBA) and its atlas (see build_sheet)."""

    image: Image.Image
    atlas: dict[str, Any]


def build_sheet(
    frames: Sequence[ImageLike],
    names: Sequence[str] | None = None,
    columns: int | None = None,
    padding: int | tuple[int, int] = 0,
    margin: int | tuple[int, int] = 0,
    anchor: str = "center",
) -> SpriteSheet:
    """The frames on a grid of equal cells (the largest frame's size), row by row, and its atlas.

    `columns` defaults to ceil(sqrt(n)); `padding` is the gap between cells, `margin` the border around
    the grid. Atlas (JSON-serialisable): image_size [w, h], tile_size [w, h], columns, rows,
    padding [x, y], offset [x, y] (the margin) - for TextureAtlasLayout::from_grid(tile_size, columns,
    rows, Some(padding), Some(offset)), whose index i is frame i - and frames: [{index, name,
    rect [x, y, w, h] of the frame's own pixels, cell [x, y, w, h]}].
    """
    arrays = _frames(frames)
    if names is not None and len(names) != len(arrays):
        raise ValueError(f"got {len(names)} names for {len(arrays)} frames")
    if columns is not None and columns < 1:
        raise ValueError(f"columns must be 1 or more, got {columns}")
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {', '.join(ANCHORS)}, got {anchor!r}")
    pad_x, pad_y = _pair(padding, "padding")
    off_x, off_y = _pair(margin, "margin")
    tile_w, tile_h = max(a.shape[1] for a in arrays), max(a.shape[0] for a in arrays)
    cols = columns or math.ceil(math.sqrt(len(arrays)))
    rows = math.ceil(len(arrays) / cols)
    width = 2 * off_x + cols * tile_w + (cols - 1) * pad_x
    height = 2 * off_y + rows * tile_h + (rows - 1) * pad_y
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    entries = []
    for i, frame in enumerate(arrays):
        cell_x = off_x + (i % cols) * (tile_w + pad_x)
        cell_y = off_y + (i // cols) * (tile_h + pad_y)
        dx, dy = _placement(frame, tile_w, tile_h, anchor)
        h, w = frame.shape[:2]
        canvas[cell_y + dy : cell_y + dy + h, cell_x + dx : cell_x + dx + w] = frame
        entries.append(
            {
                "index": i,
                "name": names[i] if names is not None else f"frame_{i}",
                "rect": [cell_x + dx, cell_y + dy, w, h],
                "cell": [cell_x, cell_y, tile_w, tile_h],
            }
        )
    atlas = {
        "image_size": [width, height],
        "tile_size": [tile_w, tile_h],
        "columns": cols,
        "rows": rows,
        "padding": [pad_x, pad_y],
        "offset": [off_x, off_y],
        "frames": entries,
    }
    return SpriteSheet(to_image(canvas), atlas)


def animated_preview(
    frames: Sequence[ImageLike],
    target: str | Path,
    duration_ms: int = 100,
    scale: int = 1,
    loop: int = 0,
) -> bytes | Path:
    """An animated GIF or APNG of the frames (centred on the largest frame's size, upscaled by `scale`).

    `target` is a format ("gif", "apng" or "png") - the encoded bytes are returned - or a file path
    ending in .gif, .png or .apng - the file is written and its path returned. GIF frames get one-bit
    alpha on a transparent palette index and are cleared between frames (disposal 2); more than 255
    colours over all frames are quantised. Pillow merges consecutive identical frames.
    """
    if duration_ms < 1:
        raise ValueError(f"duration_ms must be 1 or more, got {duration_ms}")
    fmt, path = _format_of(target)
    arrays = _frames(frames)
    tile_w, tile_h = max(a.shape[1] for a in arrays), max(a.shape[0] for a in arrays)
    padded = [upscale(_on_canvas(a, tile_w, tile_h), scale) for a in arrays]
    buffer = io.BytesIO()
    if fmt == "gif":
        images = _gif_frames(padded)
        images[0].save(
            buffer,
            "GIF",
            save_all=True,
            append_images=images[1:],
            duration=duration_ms,
            loop=loop,
            transparency=0,
            disposal=2,
            optimize=False,
        )
    else:
        images = [to_image(a) for a in padded]
        images[0].save(
            buffer,
            "PNG",
            save_all=True,
            append_images=images[1:],
            duration=duration_ms,
            loop=loop,
            disposal=0,
            blend=0,
            default_image=False,
        )
    if path is None:
        return buffer.getvalue()
    path.write_bytes(buffer.getvalue())
    return path


def _frames(frames: Sequence[ImageLike]) -> list[np.ndarray]:
    if not frames:
        raise ValueError("no frames given")
    return [as_rgba(f) for f in frames]


def _pair(value: int | tuple[int, int], what: str) -> tuple[int, int]:
    x, y = (value, value) if isinstance(value, int) else value
    if x < 0 or y < 0:
        raise ValueError(f"{what} must be 0 or more, got {value!r}")
    return int(x), int(y)


def _placement(frame: np.ndarray, tile_w: int, tile_h: int, anchor: str) -> tuple[int, int]:
    """Where the frame's top-left corner goes inside its cell."""
    h, w = frame.shape[:2]
    if anchor == "top-left":
        return 0, 0
    return (tile_w - w) // 2, (tile_h - h if anchor == "bottom" else (tile_h - h) // 2)


def _on_canvas(frame: np.ndarray, tile_w: int, tile_h: int) -> np.ndarray:
    canvas = np.zeros((tile_h, tile_w, 4), dtype=np.uint8)
    dx, dy = _placement(frame, tile_w, tile_h, "center")
    canvas[dy : dy + frame.shape[0], dx : dx + frame.shape[1]] = frame
    return canvas


def _format_of(target: str | Path) -> tuple[str, Path | None]:
    if isinstance(target, str) and target.lower() in ("gif", "apng", "png"):
        return ("gif" if target.lower() == "gif" else "png"), None
    path = Path(target)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".png", ".apng"):
        raise ValueError(f"cannot tell the format of {str(target)!r}; use a .gif, .png or .apng path, or 'gif'/'apng'")
    return ("gif" if suffix == ".gif" else "png"), path


def _gif_frames(frames: list[np.ndarray]) -> list[Image.Image]:
    """Palette images sharing one palette whose index 0 is transparent."""
    frames = [threshold_alpha(f) for f in frames]
    stacked = np.concatenate(frames, axis=0)
    opaque = stacked[:, :, 3] > 0
    if len(unique_colours(stacked[opaque][:, :3])[0]) > _GIF_COLOURS:
        stacked = quantize(stacked, _GIF_COLOURS)
    colours, inverse, _ = unique_colours(stacked[opaque][:, :3])
    indices = np.zeros(stacked.shape[:2], dtype=np.uint8)
    indices[opaque] = inverse + 1
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[1 : len(colours) + 1] = colours
    # Entry 0 only ever shows as transparent; give it a colour no pixel has so no encoder merges them.
    used = set(pack_rgb(colours).tolist())
    palette[0] = next(((v >> 16) & 255, (v >> 8) & 255, v & 255) for v in range(1 << 24) if v not in used)
    images = []
    for part in np.split(indices, len(frames), axis=0):
        image = Image.fromarray(part, "P")
        image.putpalette(palette.reshape(-1).tolist())
        image.info["transparency"] = 0
        images.append(image)
    return images
