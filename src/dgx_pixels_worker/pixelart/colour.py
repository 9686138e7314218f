"""Colour arithmetic shared by the pixel-art steps: RGBA coercion, hex, CIELAB, nearest and dominant colour."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

RGB = tuple[int, int, int]
ImageLike = Image.Image | np.ndarray


def as_rgba(image: ImageLike) -> np.ndarray:
    """A fresh (H, W, 4) uint8 RGBA copy of a PIL image or of a (H, W), (H, W, 3) or (H, W, 4) uint8 array."""
    if isinstance(image, Image.Image):
        return np.array(image.convert("RGBA"), dtype=np.uint8)
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image array, got {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) or (H, W, 4) image array, got shape {array.shape}")
    if array.shape[2] == 3:
        alpha = np.full((*array.shape[:2], 1), 255, dtype=np.uint8)
        return np.concatenate([array, alpha], axis=2)
    return array.copy()


def to_image(rgba: np.ndarray) -> Image.Image:
    """The PIL RGBA image of an (H, W, 4) uint8 array."""
    return Image.fromarray(np.ascontiguousarray(rgba), "RGBA")


def parse_colour(value: str | Sequence[int]) -> RGB:
    """(r, g, b) from "#rrggbb", "rrggbb" or a sequence of three 0..255 integers; ValueError otherwise."""
    if isinstance(value, str):
        text = value.strip().removeprefix("#")
        if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
            raise ValueError(f"{value!r} is not a colour; write it as RRGGBB hex, e.g. #222034")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    items = list(value)
    if len(items) != 3 or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in items):
        raise ValueError(f"{value!r} is not a colour; give three integers 0..255 or RRGGBB hex")
    return items[0], items[1], items[2]


def hex_colour(rgb: Sequence[int]) -> str:
    """ "#rrggbb" for an (r, g, b) triple."""
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb[:3]))


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """One uint32 per colour (0xRRGGBB) for an (..., 3) uint8 array."""
    rgb = rgb.astype(np.uint32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    """The (..., 3) uint8 colours of packed 0xRRGGBB values."""
    packed = packed.astype(np.uint32)
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.uint8)


def unique_colours(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(colours (U, 3) uint8, inverse index per input colour, count per colour) for an (N, 3) uint8 array."""
    packed, inverse, counts = np.unique(pack_rgb(rgb), return_inverse=True, return_counts=True)
    return unpack_rgb(packed), inverse.reshape(-1), counts


def _srgb_to_linear_table() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


_LINEAR = _srgb_to_linear_table()
_RGB_TO_XYZ_D65 = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]],
    dtype=np.float32,
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) as float32 (..., 3) for an (..., 3) uint8 sRGB array."""
    xyz = _LINEAR[rgb] @ _RGB_TO_XYZ_D65.T / _WHITE_D65
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.empty_like(f)
    lab[..., 0] = 116 * f[..., 1] - 16
    lab[..., 1] = 500 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200 * (f[..., 1] - f[..., 2])
    return lab


_RGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ],
    dtype=np.float32,
)
_LMS_TO_OKLAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ],
    dtype=np.float32,
)


def srgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """OKLab (L 0..1) as float32 (..., 3) for an (..., 3) uint8 sRGB array: distances match perceived
    differences more evenly than CIELAB's, dark colours included."""
    return np.cbrt(_LINEAR[rgb] @ _RGB_TO_LMS.T) @ _LMS_TO_OKLAB.T


def nearest_indices(colours: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index into `palette` (K, 3) of the nearest colour (CIELAB delta E 1976) for each of `colours` (N, 3).

    A colour that is in the palette always gets its own entry, whatever the floating point does.
    """
    if len(colours) == 0:
        return np.zeros(0, dtype=np.intp)
    lab, pal_lab = srgb_to_lab(colours), srgb_to_lab(palette)
    dist = (lab * lab).sum(1)[:, None] - 2 * lab @ pal_lab.T + (pal_lab * pal_lab).sum(1)[None, :]
    nearest = dist.argmin(axis=1)
    packed, pal_packed = pack_rgb(colours), pack_rgb(palette)
    order = np.argsort(pal_packed, kind="stable")
    slot = np.clip(np.searchsorted(pal_packed[order], packed), 0, len(palette) - 1)
    exact = pal_packed[order][slot] == packed
    nearest[exact] = order[slot[exact]]
    return nearest


def dominant_colours(samples: np.ndarray, tolerance: float) -> np.ndarray:
    """The dominant colour of each group of samples: (N, C) uint8 for (N, M, C) uint8 samples.

    A mode with sliding bins: the sample with the most others within `tolerance` (Euclidean, 0..255 units)
    wins, and the group's colour is the mean of those neighbours. Unlike fixed bins, no colour is split
    in two by a bin edge, so noisy flat colours are found reliably.
    """
    values, members = _mode_members(samples, tolerance)
    mean = (values * members[:, :, None]).sum(axis=1) / members.sum(axis=1, keepdims=True)
    return np.clip(np.rint(mean), 0, 255).astype(np.uint8)


def mode_share(samples: np.ndarray, tolerance: float) -> np.ndarray:
    """The fraction (N,) of each group's samples that belong to its dominant colour (see dominant_colours)."""
    return _mode_members(samples, tolerance)[1].mean(axis=1)


def _mode_members(samples: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    values = samples.astype(np.float32)
    norms = (values * values).sum(axis=2)
    dist = norms[:, :, None] + norms[:, None, :] - 2 * (values @ values.transpose(0, 2, 1))
    close = dist <= tolerance * tolerance
    best = close.sum(axis=2).argmax(axis=1)
    return values, close[np.arange(len(values)), best]


def border_pixels(rgba: np.ndarray) -> np.ndarray:
    """The pixels of the outermost rows and columns as an (N, C) array (corners counted once)."""
    h, w = rgba.shape[:2]
    if h <= 2 or w <= 2:
        return rgba.reshape(-1, rgba.shape[2])
    return np.concatenate([rgba[0], rgba[-1], rgba[1:-1, 0], rgba[1:-1, -1]])
