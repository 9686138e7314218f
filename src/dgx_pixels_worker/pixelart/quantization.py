"""Colour reduction to N colours: weighted median cut for a deterministic start, then k-means in CIELAB.

Both work on the distinct colours weighted by their pixel counts, so a 64x64 sprite costs little
whatever its noise.
"""

from __future__ import annotations

import numpy as np

from .colour import ImageLike, as_rgba, srgb_to_lab, unique_colours

MIN_COLOURS, MAX_COLOURS = 2, 256
_ITERATIONS = 16


def count_colours(image: ImageLike) -> int:
    """The number of distinct RGB colours among the visible (alpha > 0) pixels."""
    rgba = as_rgba(image)
    return len(unique_colours(rgba[rgba[:, :, 3] > 0][:, :3])[0])


def quantize(image: ImageLike, colours: int) -> np.ndarray:
    """The (H, W, 4) image with its visible pixels reduced to at most `colours` colours.

    Each colour of the result is the count-weighted mean of the colours it replaces; an image that has
    no more colours than asked comes back unchanged. Alpha is left alone.
    """
    if not MIN_COLOURS <= colours <= MAX_COLOURS:
        raise ValueError(f"colours must be {MIN_COLOURS}..{MAX_COLOURS}, got {colours}")
    rgba = as_rgba(image)
    visible = rgba[:, :, 3] > 0
    unique, inverse, counts = unique_colours(rgba[visible][:, :3])
    if len(unique) <= colours:
        return rgba
    lab = srgb_to_lab(unique)
    weights = counts.astype(np.float32)
    assignment = _kmeans(lab, weights, _median_cut(lab, weights, colours))
    sums = np.zeros((colours, 3))
    np.add.at(sums, assignment, unique.astype(np.float64) * weights[:, None])
    totals = np.bincount(assignment, weights=weights, minlength=colours)
    centres = np.rint(sums / np.maximum(totals, 1e-9)[:, None]).astype(np.uint8)
    rgba[visible, :3] = centres[assignment][inverse]
    return rgba


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
