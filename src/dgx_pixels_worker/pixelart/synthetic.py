"""Synthetic diffusion-style renders of known sprites: upscaled, cut off-grid, blurred, noisy, JPEG'd.

For tests and benchmarks: the sprite is the ground truth that the grid and background steps recover.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from .colour import RGB, ImageLike, as_rgba


def flatten(sprite: ImageLike, background: RGB) -> np.ndarray:
    """The (H, W, 3) uint8 sprite composited over a flat background colour."""
    rgba = as_rgba(sprite).astype(np.float32)
    alpha = rgba[:, :, 3:] / 255
    out = rgba[:, :, :3] * alpha + np.array(background, dtype=np.float32) * (1 - alpha)
    return np.rint(out).astype(np.uint8)


def soften(
    image: ImageLike,
    factor: float,
    crop: int | tuple[int, int] = 0,
    blur: float | None = None,
    noise: float = 4.0,
    jpeg_quality: int | None = 85,
    seed: int = 0,
) -> Image.Image:
    """The RGB image upscaled by `factor` (nearest; any real factor), with `crop` pixels cut off the left
    and top (one number for both, or (x, y)), a Gaussian blur (radius factor / 6 unless given), Gaussian
    noise of sigma `noise` and a JPEG round trip (skipped when jpeg_quality is None)."""
    rgb = Image.fromarray(as_rgba(image)[:, :, :3])
    big = rgb.resize((round(rgb.width * factor), round(rgb.height * factor)), Image.Resampling.NEAREST)
    crop_x, crop_y = (crop, crop) if isinstance(crop, int) else crop
    big = big.crop((crop_x, crop_y, big.width, big.height))
    radius = factor / 6 if blur is None else blur
    if radius > 0:
        big = big.filter(ImageFilter.GaussianBlur(radius))
    return _noised_and_compressed(big, noise, jpeg_quality, seed)


def soften_rgba(
    image: ImageLike,
    factor: float,
    crop: tuple[int, int] = (0, 0),
    blur: float | None = None,
    noise: float = 4.0,
    jpeg_quality: int | None = 85,
    seed: int = 0,
) -> Image.Image:
    """Like soften, keeping transparency: the RGBA image upscaled, cut by `crop` (x, y) pixels at the left
    and top, blurred with colours weighted by alpha (so no dark fringe), the colours noised and JPEG'd, and
    the blurred alpha kept as it is (soft edges, no JPEG)."""
    rgba = Image.fromarray(as_rgba(image))
    size = (round(rgba.width * factor), round(rgba.height * factor))
    big = rgba.resize(size, Image.Resampling.NEAREST).crop((crop[0], crop[1], *size))
    radius = factor / 6 if blur is None else blur
    if radius > 0:
        big = big.convert("RGBa").filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")
    values = np.asarray(big)
    rgb = _noised_and_compressed(Image.fromarray(values[:, :, :3]), noise, jpeg_quality, seed)
    return Image.fromarray(np.concatenate([np.asarray(rgb), values[:, :, 3:]], axis=2), "RGBA")


def _noised_and_compressed(rgb: Image.Image, noise: float, jpeg_quality: int | None, seed: int) -> Image.Image:
    """The RGB image with Gaussian noise of sigma `noise` and a JPEG round trip (none when quality is None)."""
    if noise > 0:
        values = np.asarray(rgb, dtype=np.float32)
        noisy = values + np.random.default_rng(seed).normal(0.0, noise, values.shape)
        rgb = Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))
    if jpeg_quality is not None:
        buffer = io.BytesIO()
        rgb.save(buffer, "JPEG", quality=jpeg_quality)
        rgb = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return rgb
