"""Boolean pixel masks for simple shapes, tested at pixel centres (x + 0.5, y + 0.5).

Only arithmetic is used (no trigonometry) so masks are bit-identical on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Mask = np.ndarray


class Grid:
    """Pixel-centre coordinates: X has shape (1, w), Y has shape (h, 1); results broadcast to (h, w)."""

    def __init__(self, width: int, height: int):
        self.width = width
        self.height = height
        self.X = (np.arange(width, dtype=np.float64) + 0.5)[None, :]
        self.Y = (np.arange(height, dtype=np.float64) + 0.5)[:, None]


def ellipse(g: Grid, cx: float, cy: float, rx: float, ry: float) -> Mask:
    rx, ry = max(rx, 0.5), max(ry, 0.5)
    return ((g.X - cx) / rx) ** 2 + ((g.Y - cy) / ry) ** 2 <= 1.0


def rect(g: Grid, x0: float, y0: float, x1: float, y1: float) -> Mask:
    """Pixels whose centre lies in [x0, x1) x [y0, y1)."""
    return ((g.X >= x0) & (g.X < x1)) & ((g.Y >= y0) & (g.Y < y1))


def bar(g: Grid, cx: float, half_width: float, y0: float, y1: float) -> Mask:
    """A vertical band centred on cx: symmetric about cx by construction."""
    return (np.abs(g.X - cx) < half_width) & ((g.Y >= y0) & (g.Y < y1))


def trapezoid(g: Grid, cx: float, y0: float, y1: float, hw0: float, hw1: float) -> Mask:
    """Symmetric about cx; half-width hw0 at y0 growing linearly to hw1 at y1."""
    t = (g.Y - y0) / max(y1 - y0, 1e-9)
    return (np.abs(g.X - cx) < hw0 + (hw1 - hw0) * t) & ((g.Y >= y0) & (g.Y < y1))


def polygon(g: Grid, points: Sequence[tuple[float, float]]) -> Mask:
    """Convex polygon given clockwise on screen (y down); edges are inclusive."""
    inside = np.ones((g.height, g.width), dtype=bool)
    n = len(points)
    for i in range(n):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % n]
        inside &= (x1 - x0) * (g.Y - y0) - (y1 - y0) * (g.X - x0) >= 0
    return inside


def segment(g: Grid, ax: float, ay: float, bx: float, by: float, radius: float) -> Mask:
    """Capsule: points within `radius` of the segment a-b."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy or 1e-9
    t = np.clip(((g.X - ax) * dx + (g.Y - ay) * dy) / length2, 0.0, 1.0)
    ex = g.X - (ax + t * dx)
    ey = g.Y - (ay + t * dy)
    return ex * ex + ey * ey <= radius * radius


class Axis:
    """Coordinates along (T) and across (D) a direction, for diagonal items such as blades.

    `unit` must be a unit vector; D is positive to the right of the direction of travel.
    """

    def __init__(self, g: Grid, ox: float, oy: float, unit: tuple[float, float]):
        ux, uy = unit
        self.T = (g.X - ox) * ux + (g.Y - oy) * uy
        self.D = (g.X - ox) * -uy + (g.Y - oy) * ux

    def band(self, t0: float, t1: float, half_width: float) -> Mask:
        return (self.T >= t0) & (self.T <= t1) & (np.abs(self.D) <= half_width)

    def tapered(self, t0: float, t1: float, hw0: float, hw1: float) -> Mask:
        hw = hw0 + (hw1 - hw0) * (self.T - t0) / max(t1 - t0, 1e-9)
        return (self.T >= t0) & (self.T <= t1) & (np.abs(self.D) <= hw)

    def disc(self, t: float, d: float, radius: float) -> Mask:
        return (self.T - t) ** 2 + (self.D - d) ** 2 <= radius * radius

    def oval(self, t: float, d: float, rt: float, rd: float) -> Mask:
        return ((self.T - t) / rt) ** 2 + ((self.D - d) / rd) ** 2 <= 1.0


def rounded_box(g: Grid, cx: float, cy: float, rx: float, ry: float) -> Mask:
    """A squircle (|x|^4 + |y|^4 <= 1): the rounded-square look of pixel-art heads and lids."""
    rx, ry = max(rx, 0.5), max(ry, 0.5)
    a = ((g.X - cx) / rx) ** 2
    b = ((g.Y - cy) / ry) ** 2
    return a * a + b * b <= 1.0
