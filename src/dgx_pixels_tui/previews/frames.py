"""What a preview shows of an image: the frames of an animation sheet, each a tile repeated 3x3 when it is one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is loaded with the first picture, not with the screens that name these helpers
    import numpy as np

TILE_REPEAT = 3  # a tile is shown 3 x 3 times, so its wrap edges sit inside the picture where a seam would show


def split_sheet(pixels: np.ndarray, frames: int) -> list[np.ndarray]:
    """The frames of a (height, width, 4) sheet of `frames` equal frames laid left to right.

    A sheet whose width is not a multiple of `frames` is not one (a still sent for an animation): it is
    shown whole, as one frame, rather than cut into pieces that mean nothing.
    """
    import numpy as np

    width = pixels.shape[1]
    if frames <= 1 or width < frames or width % frames:
        return [pixels]
    step = width // frames
    return [np.ascontiguousarray(pixels[:, x : x + step]) for x in range(0, width, step)]


def repeat_tile(pixels: np.ndarray, times: int = TILE_REPEAT) -> np.ndarray:
    """The tile repeated `times` x `times` (edge to edge, as a game lays it)."""
    import numpy as np

    return np.tile(pixels, (times, times, 1))


def shown_frames(pixels: np.ndarray, frames: int = 1, tile: bool = False) -> list[np.ndarray]:
    """The pictures a preview steps through: the sheet's frames, each repeated 3 x 3 when the image is a tile."""
    parts = split_sheet(pixels, frames)
    return [repeat_tile(part) for part in parts] if tile else parts


def shape_text(frames: int, motion: str | None, tile: bool) -> str:
    """What a caption adds: ' · 4 frames, walk' for an animation, ' · tile' for a tile, '' for a still."""
    parts = [f"{frames} frames, {motion or 'idle'}"] if frames > 1 else []
    if tile:
        parts.append("tile")
    return "".join(f" · {part}" for part in parts)


def repeated_png(data: bytes, times: int = TILE_REPEAT) -> bytes:
    """A tile's PNG repeated `times` x `times`, as a PNG (for the full-size view); bytes that are no picture
    come back as they are, for the viewer to say so."""
    import io

    import numpy as np
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as opened:
            pixels = np.asarray(opened.convert("RGBA"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return data
    buffer = io.BytesIO()
    Image.fromarray(repeat_tile(pixels, times), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()
