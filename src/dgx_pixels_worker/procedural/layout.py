"""Where a subject sits on the canvas: a box inside the one-pixel outline margin."""

from __future__ import annotations

from dataclasses import dataclass

from .canvas import Canvas


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x(self, u: float) -> float:
        """Horizontal position for u in -0.5 (left edge) .. 0.5 (right edge)."""
        return self.cx + u * self.width

    def y(self, v: float) -> float:
        """Vertical position for v in 0 (top) .. 1 (bottom), snapped to whole pixels."""
        return self.top + round(v * self.height)

    def w(self, u: float, least: float = 0.5) -> float:
        """A horizontal length as a fraction of the box width, at least `least` pixels."""
        return max(least, u * self.width)

    def h(self, v: float, least: float = 0.5) -> float:
        return max(least, v * self.height)


def fit(cv: Canvas, min_aspect: float, max_aspect: float) -> Box:
    """The largest box inside the margin whose width/height ratio lies in [min_aspect, max_aspect].

    The box is centred, and its width has the canvas width's parity so the centre line falls on
    the canvas centre exactly (needed for mirror symmetry).
    """
    iw, ih = cv.width - 2, cv.height - 2
    bw, bh = float(iw), float(ih)
    if iw > ih * max_aspect:
        bw = ih * max_aspect
    elif iw < ih * min_aspect:
        bh = iw / min_aspect
    bw = cv.width - 2 * round((cv.width - bw) / 2)
    bw = min(bw, iw)
    bh = float(min(round(bh), ih))
    return Box(left=(cv.width - bw) / 2, top=float(1 + (ih - int(bh)) // 2), width=float(bw), height=bh)
