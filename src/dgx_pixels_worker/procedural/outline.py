"""Turns a shaded label map into RGBA: ramp colours inside, a dark one-pixel outline around."""

from __future__ import annotations

import numpy as np

from .canvas import Canvas, padded
from .palettes import JITTER_STEPS, outline_colour, ramp


def colour_tables(cv: Canvas) -> tuple[np.ndarray, np.ndarray]:
    """(labels+1, shades, 4) body colours and (labels+1, 4) outline colours; label 0 is transparent."""
    n = len(cv.slots) + 1
    body = np.zeros((n, cv.shades, 4), dtype=np.uint8)
    line = np.zeros((n, 4), dtype=np.uint8)
    jitters: dict[str, float] = {}
    for label, slot in enumerate(cv.slots, start=1):
        if slot.material not in jitters:  # parts sharing a material share its exact colours
            jitters[slot.material] = JITTER_STEPS[int(cv.rng.integers(len(JITTER_STEPS)))]
        jitter = jitters[slot.material]
        for i, rgb in enumerate(ramp(slot.material, cv.shades, jitter)):
            body[label, i] = (*rgb, 255)
        line[label] = (*outline_colour(slot.material, jitter), 255)
    return body, line


def compose(cv: Canvas, shade: np.ndarray, tables: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The RGBA sprite; `tables` ((labels+1, shades, 4) and (labels+1, 4), as colour_tables makes them) gives
    several poses of one drawing the same colours."""
    labels = cv.labels
    body, line = tables if tables is not None else colour_tables(cv)
    image = body[labels, np.maximum(shade, 0)]
    ring, owner = outline_ring(labels)
    image[ring] = line[owner[ring]]
    return image


def outline_ring(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the transparent pixels next to a part, the label whose outline colour each pixel takes)."""
    h, w = labels.shape
    big = padded(labels, 1)
    owner = np.maximum(
        np.maximum(big[0:h, 1 : w + 1], big[2 : h + 2, 1 : w + 1]),
        np.maximum(big[1 : h + 1, 0:w], big[1 : h + 1, 2 : w + 2]),
    )
    return (labels == 0) & (owner != 0), owner
