"""Quality figures of a finished image: its colours, stray pixels, soft alpha, grid fit and, for a tile, its seam.

"Opaque" is alpha 255 throughout: a pixel of any other non-zero alpha is semi-transparent, counted on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .colour import ImageLike, as_rgba, pack_rgb, parse_colour
from .pipeline import NO_GRID_TRUE_SIZE
from .seams import seam_score

NO_COLOUR = 1 << 24


@dataclass(frozen=True)
class LintFigures:
    colors: int  # distinct opaque colours
    opaque: int  # opaque pixels
    off_palette: float | None  # share of opaque pixels not in the palette; None without one
    orphans: int  # opaque pixels with no 4-neighbour of their own colour
    semi_transparent: float  # share of all pixels with 0 < alpha < 255
    grid_fit: float | None  # the grid step's confidence; None when no grid step ran
    seam: float | None  # tiles only: see seams.seam_score

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def lint_image(
    image: ImageLike,
    palette: Sequence[str] = (),
    tile: bool = False,
    record: Sequence[Mapping[str, Any]] | None = None,
) -> LintFigures:
    """The figures of `image`. `palette` is the locked palette ("#rrggbb" each; empty: none), `tile` makes the
    orphan count wrap around the edges and adds the seam score, `record` is the pipeline's record of steps."""
    rgba = as_rgba(image)
    alpha = rgba[:, :, 3]
    opaque = alpha == 255
    packed = pack_rgb(rgba[:, :, :3])
    opaque_colours = packed[opaque]
    total = alpha.size
    return LintFigures(
        colors=int(np.unique(opaque_colours).size),
        opaque=int(opaque_colours.size),
        off_palette=off_palette_share(opaque_colours, palette) if palette else None,
        orphans=count_orphans(packed, opaque, wrap=tile),
        semi_transparent=round(float(((alpha > 0) & ~opaque).sum()) / total, 4) if total else 0.0,
        grid_fit=grid_fit(record or ()),
        seam=round(seam_score(rgba), 3) if tile else None,
    )


def off_palette_share(opaque_colours: np.ndarray, palette: Sequence[str]) -> float:
    """The share of the packed 0xRRGGBB colours that are not among `palette`'s."""
    if opaque_colours.size == 0:
        return 0.0
    allowed = np.array([(r << 16) | (g << 8) | b for r, g, b in map(parse_colour, palette)], dtype=np.uint32)
    return round(float((~np.isin(opaque_colours, allowed)).sum()) / opaque_colours.size, 4)


def count_orphans(packed: np.ndarray, opaque: np.ndarray, wrap: bool = False) -> int:
    """Opaque pixels none of whose 4-neighbours is opaque and of the same colour. With `wrap` the image is a
    tile: a pixel on an edge has the opposite edge's pixel as its neighbour."""
    # A value past 0xFFFFFF is no colour, so transparent pixels never match an opaque neighbour.
    colour = np.where(opaque, packed, np.uint32(NO_COLOUR))
    matched = np.zeros(colour.shape, dtype=bool)
    for axis in (0, 1):
        for shift in (1, -1):
            if wrap and colour.shape[axis] > 1:
                neighbour = np.roll(colour, shift, axis=axis)
            else:
                neighbour = np.full_like(colour, NO_COLOUR)
                source = [slice(None), slice(None)]
                target = [slice(None), slice(None)]
                source[axis] = slice(None, -1) if shift == 1 else slice(1, None)
                target[axis] = slice(1, None) if shift == 1 else slice(None, -1)
                neighbour[tuple(target)] = colour[tuple(source)]
            matched |= neighbour == colour
    return int((opaque & ~matched).sum())


def grid_fit(record: Sequence[Mapping[str, Any]]) -> float | None:
    """The confidence of the last grid step in a pipeline record (0 when it found no grid in a render); None when
    no grid step ran, or when the one that ran took a small image without a grid as pixel art at its true size,
    where there is no grid to fit."""
    for step in reversed(record):
        if step.get("op") == "grid":
            found = step.get("found") or {}
            if found.get("found") is False and found.get("reason") == NO_GRID_TRUE_SIZE:
                return None
            confidence = found.get("confidence")
            return float(confidence) if confidence is not None else None
    return None
