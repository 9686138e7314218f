"""Periodic noise and wrap-around cell patterns: everything repeats exactly with the tile's size.

Lattices and feature points are indexed modulo the tile size, so column 0 continues column w-1
and row 0 continues row h-1.  Only arithmetic and sqrt are used, which are exact-rounded.
"""

from __future__ import annotations

import numpy as np


def _axis(n: int, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos = np.arange(n, dtype=np.float64) * cells / n
    i0 = np.floor(pos).astype(np.intp)
    t = pos - i0
    return i0 % cells, (i0 + 1) % cells, t * t * (3.0 - 2.0 * t)


def value_noise(rng: np.random.Generator, w: int, h: int, cells_x: int, cells_y: int) -> np.ndarray:
    """Smooth noise in [0, 1] on a cells_x x cells_y lattice that wraps around both edges."""
    cells_x, cells_y = max(1, min(cells_x, w)), max(1, min(cells_y, h))
    lattice = rng.random((cells_y, cells_x))
    x0, x1, sx = _axis(w, cells_x)
    y0, y1, sy = _axis(h, cells_y)
    top = lattice[y0][:, x0] * (1 - sx) + lattice[y0][:, x1] * sx
    bottom = lattice[y1][:, x0] * (1 - sx) + lattice[y1][:, x1] * sx
    return top * (1 - sy)[:, None] + bottom * sy[:, None]


def fractal(rng: np.random.Generator, w: int, h: int, cell: float, octaves: int = 2) -> np.ndarray:
    """Octaves of value noise (feature size `cell` pixels, halving each octave), rescaled to [0, 1]."""
    total = np.zeros((h, w))
    weight = 1.0
    for _ in range(octaves):
        total += weight * value_noise(rng, w, h, max(2, round(w / cell)), max(2, round(h / cell)))
        weight *= 0.5
        cell = max(1.0, cell / 2)
    lo, hi = total.min(), total.max()
    return (total - lo) / (hi - lo) if hi > lo else total * 0.0 + 0.5


def wrapped_delta(grid: np.ndarray, p: float, period: int) -> np.ndarray:
    """Signed shortest offset from p to each grid coordinate on a circle of length `period`."""
    return (grid - p + period / 2) % period - period / 2


def cells(
    rng: np.random.Generator, w: int, h: int, size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wrap-around Voronoi cells about `size` pixels across: (nearest index, F1, F2, dx, dy to the nearest point).

    One point per cell of a jittered grid, so cells come out evenly sized and each pixel only
    needs to look at the points of its own and the eight surrounding grid cells.
    """
    nx, ny = max(3, round(w / size)), max(3, round(h / size))  # 3+ so the 3x3 neighbours are distinct
    jitter = rng.uniform(-0.3, 0.3, size=(2, ny, nx))
    px = (np.arange(nx)[None, :] + 0.5 + jitter[0]) * w / nx
    py = (np.arange(ny)[:, None] + 0.5 + jitter[1]) * h / ny
    xs = np.arange(w, dtype=np.float64)[None, :] + 0.5
    ys = np.arange(h, dtype=np.float64)[:, None] + 0.5
    cx = (np.arange(w) * nx) // w
    cy = (np.arange(h) * ny) // h
    f1 = np.full((h, w), np.inf)
    f2 = np.full((h, w), np.inf)
    nearest = np.zeros((h, w), dtype=np.intp)
    ndx = np.zeros((h, w))
    ndy = np.zeros((h, w))
    for oy in (-1, 0, 1):
        rows = cy + oy
        j = (rows % ny)[:, None]
        shift_y = ((rows // ny) * h)[:, None]  # neighbours across the edge are the wrapped copies
        for ox in (-1, 0, 1):
            cols = cx + ox
            i = (cols % nx)[None, :]
            shift_x = ((cols // nx) * w)[None, :]
            dx = xs - (px[j, i] + shift_x)
            dy = ys - (py[j, i] + shift_y)
            d2 = dx * dx + dy * dy
            closer = d2 < f1
            f2 = np.where(closer, f1, np.minimum(f2, d2))
            f1 = np.where(closer, d2, f1)
            nearest = np.where(closer, j * nx + i, nearest)
            ndx = np.where(closer, dx, ndx)
            ndy = np.where(closer, dy, ndy)
    return nearest, np.sqrt(f1), np.sqrt(f2), ndx, ndy


def triangle_wave(x: np.ndarray) -> np.ndarray:
    """Period-1 wave in [0, 1]: 0 at integers, 1 at half-integers."""
    f = x % 1.0
    return 1.0 - np.abs(2.0 * f - 1.0)


def scatter(rng: np.random.Generator, w: int, h: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` random pixel positions (row, column)."""
    return rng.integers(0, h, size=count), rng.integers(0, w, size=count)
