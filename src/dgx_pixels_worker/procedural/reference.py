"""Any image (a sketch, a reference, another model's render) as a sprite of the asked size, varied.

The image is cut to what it shows (its opaque part, when it has transparency), shrunk to fit the sprite by
averaging each block of pixels, its alpha made all-or-nothing and its colours reduced to a small palette, which is
what a pixel-art downscale is. The variation then turns the palette's hues together and each colour a little on
its own, and moves some edge pixels to a neighbour's colour, all more with a higher strength and the same for
the same seed.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

from .seeding import rng_for

COLOURS = 16  # the sprite's palette before the variation
EDGE_SHARE = 0.15  # at strength 1, the share of the pixels at a colour boundary that take a neighbour's colour


def sprite_from_image(png: bytes, width: int, height: int, seed: int, strength: float) -> np.ndarray:
    """A (height, width, 4) uint8 RGBA sprite made from the image and varied by `strength` (0..1)."""
    digest = hashlib.sha256(png).hexdigest()
    rng = rng_for("reference", digest, seed, strength, f"{width}x{height}")
    sprite = _downscaled(png, width, height)
    sprite = _recoloured(sprite, rng, strength)
    return _edges_moved(sprite, rng, strength)


def _downscaled(png: bytes, width: int, height: int) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    box = rgba.getchannel("A").point(lambda a: 255 if a >= 128 else 0).getbbox()
    if box is not None:
        rgba = rgba.crop(box)
    scale = min(width / rgba.width, height / rgba.height)
    size = (max(1, min(width, round(rgba.width * scale))), max(1, min(height, round(rgba.height * scale))))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.NEAREST
    small = rgba.resize(size, resample)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.paste(small, ((width - size[0]) // 2, height - size[1] if box is not None else (height - size[1]) // 2))
    pixels = np.array(canvas)
    opaque = pixels[..., 3] >= 128
    pixels[..., 3] = np.where(opaque, 255, 0)
    pixels[~opaque] = 0
    if opaque.any():
        rgb = Image.fromarray(np.ascontiguousarray(pixels[..., :3][opaque][None, :, :]), "RGB")
        reduced = np.asarray(rgb.quantize(COLOURS, method=Image.Quantize.MEDIANCUT).convert("RGB"))[0]
        pixels[..., :3][opaque] = reduced
    return pixels


def _recoloured(pixels: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    opaque = pixels[..., 3] > 0
    colours, inverse = np.unique(pixels[..., :3][opaque], axis=0, return_inverse=True)
    if not len(colours):
        return pixels
    hsv = np.asarray(Image.fromarray(colours[None, :, :].astype(np.uint8), "RGB").convert("HSV"))[0].astype(float)
    turn = float(rng.uniform(-1, 1)) * strength * 256 / 3
    own = rng.normal(0.0, 10.0, len(colours)) * strength
    hsv[:, 0] = (hsv[:, 0] + turn + own) % 256
    hsv[:, 1] = np.clip(hsv[:, 1] * (1 + float(rng.uniform(-0.3, 0.3)) * strength), 0, 255)
    hsv[:, 2] = np.clip(hsv[:, 2] + rng.normal(0.0, 12.0, len(colours)) * strength, 0, 255)
    rgb = np.asarray(Image.fromarray(hsv[None, :, :].round().astype(np.uint8), "HSV").convert("RGB"))[0]
    out = pixels.copy()
    out[..., :3][opaque] = rgb[inverse.reshape(-1)]
    return out


def _edges_moved(pixels: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Some opaque pixels next to an opaque pixel of another colour take that colour: the details shift."""
    h, w = pixels.shape[:2]
    out = pixels.copy()
    dy, dx = rng.integers(-1, 2, size=(2, h, w))
    ys = np.clip(np.arange(h)[:, None] + dy, 0, h - 1)
    xs = np.clip(np.arange(w)[None, :] + dx, 0, w - 1)
    neighbour = pixels[ys, xs]
    differs = (pixels[..., 3] > 0) & (neighbour[..., 3] > 0) & (neighbour != pixels).any(axis=-1)
    chosen = differs & (rng.random((h, w)) < EDGE_SHARE * strength)
    out[chosen] = neighbour[chosen]
    return out
