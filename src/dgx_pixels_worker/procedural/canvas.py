"""A sprite under construction: a map of part labels painted back to front, each label tied to a material."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .shapes import Grid, Mask

AUTO = -1  # shade chosen by the lighting, not fixed by the drawing


def padded(a: np.ndarray, pad: int) -> np.ndarray:
    """`a` with a zero border of `pad` pixels (np.pad is several times slower on small arrays)."""
    out = np.zeros((a.shape[0] + 2 * pad, a.shape[1] + 2 * pad), dtype=a.dtype)
    out[pad : pad + a.shape[0], pad : pad + a.shape[1]] = a
    return out


@dataclass(frozen=True)
class Slot:
    name: str  # part name such as "armor", "skin", "blade"
    material: str  # key of palettes.MATERIALS
    detail: bool  # small features (eyes, sparkles) that may use one or two shades only


class Canvas:
    def __init__(self, width: int, height: int, rng: np.random.Generator):
        self.width = width
        self.height = height
        self.rng = rng
        self.g = Grid(width, height)
        self.labels = np.zeros((height, width), dtype=np.uint8)
        self.fixed = np.full((height, width), AUTO, dtype=np.int8)
        self.depth = np.zeros((height, width), dtype=np.uint16)
        self.casts = np.zeros((height, width), dtype=bool)
        self.slots: list[Slot] = []
        self._paints = 0
        self.shades = 4 if min(width, height) < 48 else 5
        self.marks: dict[str, float] = {}  # where a drawer put the body's joints, for posing (animation.py)

    def slot(self, name: str, material: str, detail: bool = False) -> int:
        """Register a part; returns its label (1-based; 0 means transparent)."""
        self.slots.append(Slot(name, material, detail))
        return len(self.slots)

    def paint(self, mask: Mask, label: int, shade: int | None = None, casts: bool = True) -> None:
        """Paint `label` over `mask`, in front of everything painted before.

        `shade` fixes the ramp index (negative counts from the lightest); `casts` draws a dark
        contact line on the parts behind it.
        """
        self._paints += 1
        self.labels[mask] = label
        self.depth[mask] = self._paints
        self.casts[mask] = casts
        if shade is None:
            self.fixed[mask] = AUTO
        else:
            self.fixed[mask] = shade % self.shades

    def mirror(self) -> None:
        """Copy the left half onto the right so the sprite is exactly mirror-symmetric."""
        half = self.width // 2
        for a in (self.labels, self.fixed, self.depth, self.casts):
            a[:, self.width - half :] = a[:, :half][:, ::-1]

    def clear_border(self) -> None:
        """Keep a one-pixel ring free so the outline fits inside the canvas."""
        self.labels[[0, -1], :] = 0
        self.labels[:, [0, -1]] = 0


def flip(cv: Canvas) -> None:
    """Mirror the whole drawing left-right (for items that may face either way)."""
    for a in (cv.labels, cv.fixed, cv.depth, cv.casts):
        a[:, :] = a[:, ::-1].copy()
