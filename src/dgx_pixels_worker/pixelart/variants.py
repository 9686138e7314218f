"""Variants of a finished sprite for games: mirrored, and recoloured onto another palette ramp.

recolor keeps the shading: the sprite's colours, ordered by lightness (CIELAB L*), are mapped rank for rank
onto the target palette ordered the same way, darkest to darkest and lightest to lightest; when the counts
differ the ranks are spread evenly (rank i of n goes to round(i * (m - 1) / (n - 1)) of m). Alpha is kept,
fully transparent pixels are not touched, and the result depends only on the colours (ties in lightness
are broken by the colour value).
"""

from __future__ import annotations

import numpy as np

from .colour import ImageLike, as_rgba, hex_colour, nearest_indices, srgb_to_lab, unique_colours

MIRROR_AXES = ("x", "y")
# the colour mapping is recorded in full up to this many source colours (a raw render may have millions)
MAX_RECORDED_MAPPING = 256


def mirror(image: ImageLike, axis: str = "x") -> np.ndarray:
    """The (H, W, 4) image flipped left-right (`axis` "x") or top-bottom ("y"), pixel for pixel."""
    if axis not in MIRROR_AXES:
        raise ValueError(f"axis {axis!r} is not x (left-right) or y (top-bottom)")
    rgba = as_rgba(image)
    return np.ascontiguousarray(rgba[:, ::-1] if axis == "x" else rgba[::-1])


def by_lightness(colours: np.ndarray) -> np.ndarray:
    """The (K, 3) uint8 colours ordered darkest first (CIELAB L*, ties by the colour value)."""
    if len(colours) == 0:
        return colours.reshape(0, 3).astype(np.uint8)
    colours = np.asarray(colours, dtype=np.uint8).reshape(-1, 3)
    lightness = np.round(srgb_to_lab(colours)[:, 0].astype(np.float64), 4)
    packed = (colours[:, 0].astype(np.int64) << 16) | (colours[:, 1].astype(np.int64) << 8) | colours[:, 2]
    return colours[np.lexsort((packed, lightness))]


def rank_targets(sources: int, targets: int) -> np.ndarray:
    """For each rank of `sources` colours, the rank among `targets` it maps to (evenly spread, order kept)."""
    if sources <= 0:
        return np.zeros(0, dtype=np.intp)
    if sources == 1:
        return np.array([(targets - 1) // 2], dtype=np.intp)
    spread = np.arange(sources, dtype=np.float64) * (targets - 1) / (sources - 1)
    return np.floor(spread + 0.5).astype(np.intp)


def recolor(
    image: ImageLike, target: np.ndarray, source: np.ndarray | None = None
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """(the (H, W, 4) image recoloured onto the `target` ramp, [(source colour, its new colour), ...]).

    The source ramp is `source` (each visible pixel first takes its nearest colour of it, CIELAB) or, by
    default, the image's own visible colours; both ramps are ordered by lightness and matched by rank.
    """
    rgba = as_rgba(image)
    visible = rgba[:, :, 3] > 0
    colours, inverse, _ = unique_colours(rgba[visible][:, :3])
    to = by_lightness(np.asarray(target, dtype=np.uint8).reshape(-1, 3))
    ramp = by_lightness(colours if source is None else np.asarray(source, dtype=np.uint8).reshape(-1, 3))
    if len(colours) == 0 or len(to) == 0 or len(ramp) == 0:
        return rgba, []
    new_of_rank = to[rank_targets(len(ramp), len(to))]
    rank_of_colour = nearest_indices(colours, ramp)  # exact for the image's own colours
    rgba[visible, :3] = new_of_rank[rank_of_colour][inverse]
    mapping = [(hex_colour(old), hex_colour(new)) for old, new in zip(ramp, new_of_rank, strict=True)]
    return rgba, mapping
