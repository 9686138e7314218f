"""Colour reduction: the image's own palette (near-identical colours merged in OKLab), at most N colours.

A render brought down to its grid has one slightly different colour per cell, though the artist used a few.
`own_palette` finds those few: colours are taken most common first, each joining the nearest palette colour
when it is closer than SAME_COLOUR (a difference the eye hardly sees, and about what the render's noise
leaves after the grid step), else starting one of its own; a few k-means rounds then settle the palette.
When that is more than the cap, weighted median cut and k-means (CIELAB) reduce it to the cap. Everything
works on the distinct colours weighted by their pixel counts, so a 64x64 sprite costs little whatever its
noise, and the result is deterministic.
"""

from __future__ import annotations

import numpy as np

from .colour import ImageLike, as_rgba, srgb_to_lab, srgb_to_oklab, unique_colours

MIN_COLOURS, MAX_COLOURS = 2, 256
SAME_COLOUR = 0.03  # OKLab distance under which two colours of a sprite are one
_ITERATIONS = 16
_SETTLE_ROUNDS = 3
_MAX_DISTINCT = 4096  # beyond this many colours (a raw render) the palette is found on rounded colours


def count_colours(image: ImageLike) -> int:
    """The number of distinct RGB colours among the visible (alpha > 0) pixels."""
    rgba = as_rgba(image)
    return len(unique_colours(rgba[rgba[:, :, 3] > 0][:, :3])[0])


def quantize(image: ImageLike, colours: int | None = None, same: float = SAME_COLOUR) -> np.ndarray:
    """The (H, W, 4) image with its visible pixels reduced to its own palette (see the module docstring), of
    at most `colours` colours when given.

    Each colour of the result is the count-weighted mean of the colours it replaces; an image whose colours
    are all further apart than `same` and no more than `colours` comes back unchanged. Alpha is left alone.
    """
    if colours is not None and not MIN_COLOURS <= colours <= MAX_COLOURS:
        raise ValueError(f"colours must be {MIN_COLOURS}..{MAX_COLOURS}, got {colours}")
    rgba = as_rgba(image)
    visible = rgba[:, :, 3] > 0
    unique, inverse, counts = unique_colours(rgba[visible][:, :3])
    if len(unique) == 0:
        return rgba
    weights = counts.astype(np.float32)
    assignment = _palette_of_many(unique, weights, same)
    found = int(assignment.max()) + 1
    if colours is not None and found > colours:
        assignment = _reduced(unique, weights, colours)
        found = colours
    if found == len(unique):
        return rgba
    sums = np.zeros((found, 3))
    np.add.at(sums, assignment, unique.astype(np.float64) * weights[:, None])
    totals = np.bincount(assignment, weights=weights, minlength=found)
    centres = np.rint(sums / np.maximum(totals, 1e-9)[:, None]).astype(np.uint8)
    rgba[visible, :3] = centres[assignment][inverse]
    return rgba


def _palette_of_many(unique: np.ndarray, weights: np.ndarray, same: float) -> np.ndarray:
    """own_palette, on colours rounded to 5 bits a channel first when there are very many (a raw render)."""
    if len(unique) <= _MAX_DISTINCT:
        return own_palette(srgb_to_oklab(unique), weights, same)
    coarse, inverse, _ = unique_colours((unique >> 3 << 3) + 4)
    coarse_weights = np.bincount(inverse, weights=weights).astype(np.float32)
    return own_palette(srgb_to_oklab(coarse), coarse_weights, same)[inverse]


def own_palette(lab: np.ndarray, weights: np.ndarray, same: float = SAME_COLOUR) -> np.ndarray:
    """The palette entry (0..K-1, no gaps) of each colour: colours closer than `same` share one."""
    order = np.argsort(-weights, kind="stable")
    centres = np.empty((0, 3), dtype=np.float32)
    for colour in lab[order]:
        if len(centres) == 0 or ((centres - colour) ** 2).sum(axis=1).min() >= same * same:
            centres = np.vstack([centres, colour])
    assignment = np.zeros(len(lab), dtype=np.intp)
    for _ in range(_SETTLE_ROUNDS):
        dist = (lab * lab).sum(1)[:, None] - 2 * lab @ centres.T + (centres * centres).sum(1)[None, :]
        assignment = dist.argmin(axis=1)
        totals = np.bincount(assignment, weights=weights, minlength=len(centres))
        used = totals > 0
        for axis in range(3):
            sums = np.bincount(assignment, weights=weights * lab[:, axis], minlength=len(centres))
            centres[used, axis] = sums[used] / totals[used]
        centres = _merged(centres[used], totals[used], same)
    dist = (lab * lab).sum(1)[:, None] - 2 * lab @ centres.T + (centres * centres).sum(1)[None, :]
    return np.unique(dist.argmin(axis=1), return_inverse=True)[1].reshape(-1)


def _merged(centres: np.ndarray, totals: np.ndarray, same: float) -> np.ndarray:
    """The centres with any closer than `same` to a heavier one dropped (its colours go to the nearest)."""
    order = np.argsort(-totals, kind="stable")
    kept: list[int] = []
    for i in order:
        if not kept or ((centres[kept] - centres[i]) ** 2).sum(axis=1).min() >= same * same:
            kept.append(int(i))
    return centres[sorted(kept)]


def _reduced(unique: np.ndarray, weights: np.ndarray, colours: int) -> np.ndarray:
    """The assignment brought down to `colours` entries: median cut and k-means (CIELAB) on the colours."""
    lab = srgb_to_lab(unique)
    return _kmeans(lab, weights, _median_cut(lab, weights, colours))


def _median_cut(lab: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """k starting centres: the box with the largest weighted extent is split at its weighted median."""
    boxes = [np.arange(len(lab))]
    while len(boxes) < k:
        extents = [np.ptp(lab[b], axis=0) if len(b) > 1 else np.zeros(3) for b in boxes]
        scores = [weights[b].sum() * e.max() for b, e in zip(boxes, extents, strict=True)]
        i = int(np.argmax(scores))
        if scores[i] <= 0:
            break
        box = boxes.pop(i)
        order = box[np.argsort(lab[box, int(np.argmax(extents[i]))], kind="stable")]
        cumulative = np.cumsum(weights[order])
        split = int(np.clip(np.searchsorted(cumulative, cumulative[-1] / 2), 1, len(order) - 1))
        boxes += [order[:split], order[split:]]
    return np.array([np.average(lab[b], axis=0, weights=weights[b]) for b in boxes], dtype=np.float32)


def _kmeans(lab: np.ndarray, weights: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The cluster index of each colour after weighted Lloyd iterations from the given centres."""
    assignment = np.full(len(lab), -1, dtype=np.intp)  # no colour's cluster yet
    for _ in range(_ITERATIONS):
        dist = (lab * lab).sum(1)[:, None] - 2 * lab @ centres.T + (centres * centres).sum(1)[None, :]
        new = dist.argmin(axis=1)
        if np.array_equal(new, assignment):
            break
        assignment = new
        totals = np.bincount(assignment, weights=weights, minlength=len(centres))
        for axis in range(3):
            sums = np.bincount(assignment, weights=weights * lab[:, axis], minlength=len(centres))
            centres[:, axis] = np.where(totals > 0, sums / np.maximum(totals, 1e-9), centres[:, axis])
    return assignment
