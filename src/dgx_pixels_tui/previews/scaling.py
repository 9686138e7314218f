"""Integer nearest-neighbour scaling: pixel art is only ever repeated or decimated, never blurred."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

ImageLike = Image.Image | np.ndarray


def to_rgba_array(image: ImageLike) -> np.ndarray:
    """The image as a C-contiguous (height, width, 4) uint8 RGBA array."""
    if isinstance(image, Image.Image):
        return np.asarray(image if image.mode == "RGBA" else image.convert("RGBA"))
    pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
        raise ValueError(f"expected a (height, width, 3|4) uint8 array, got {pixels.shape} {pixels.dtype}")
    if pixels.shape[2] == 3:
        opaque = np.full((*pixels.shape[:2], 1), 255, np.uint8)
        pixels = np.concatenate([pixels, opaque], axis=2)
    return pixels


@dataclass(frozen=True)
class IntegerScale:
    """Repeat every pixel `up` times, or keep every `down`-th pixel; one of the two is always 1."""

    up: int = 1
    down: int = 1

    def size(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) an image of the given size has after scaling."""
        return -(-width // self.down) * self.up, -(-height // self.down) * self.up


def fit_integer_scale(width: int, height: int, box_width: int, box_height: int) -> IntegerScale:
    """The largest integer upscale that fits the box, or the smallest integer downscale that does."""
    if width <= 0 or height <= 0 or box_width <= 0 or box_height <= 0:
        return IntegerScale()
    if width <= box_width and height <= box_height:
        return IntegerScale(up=min(box_width // width, box_height // height))
    # ceil(width / k) <= box_width  <=>  k >= ceil(width / box_width)
    return IntegerScale(down=max(-(-width // box_width), -(-height // box_height)))


def scale_nearest(pixels: np.ndarray, scale: IntegerScale) -> np.ndarray:
    """Scale a (height, width, channels) array by `scale` with nearest neighbour."""
    if scale.down > 1:
        pixels = pixels[:: scale.down, :: scale.down]
    if scale.up > 1:
        pixels = pixels.repeat(scale.up, axis=0).repeat(scale.up, axis=1)
    return pixels


def fit_nearest(image: ImageLike, box_width: int, box_height: int) -> np.ndarray:
    """The RGBA pixels of `image` scaled by the integer factor that best fits the pixel box."""
    pixels = to_rgba_array(image)
    height, width = pixels.shape[:2]
    return scale_nearest(pixels, fit_integer_scale(width, height, box_width, box_height))


def flatten_onto(pixels: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """An opaque copy of (height, width, 4) RGBA pixels, alpha-blended over a flat `background` colour."""
    if pixels[..., 3].min() == 255:
        return pixels
    weight = pixels[..., 3:4].astype(np.uint32)
    blended = (pixels[..., :3] * weight + np.array(background, np.uint32) * (255 - weight) + 127) // 255
    flat = np.empty_like(pixels)
    flat[..., :3] = blended.astype(np.uint8)
    flat[..., 3] = 255
    return flat
