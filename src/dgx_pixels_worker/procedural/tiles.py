"""Opaque seamless tiles: grass, stone, water, sand, dirt, lava, brick, wood, snow, ice.

Every tile is built from wrap-around operations (periodic noise, cells and features placed
modulo the size), so copies laid side by side show no seam.  Tiles have no outline.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import noise
from .palettes import JITTER_STEPS, ramp
from .planning import Blueprint
from .vocabulary import TILE_KIND_MATERIAL
from .wrap import quiet_roll

# Secondary material per kind (mortar, pebbles, flowers...) and which prompt colours may replace it.
SECONDARY: dict[str, tuple[str, ...]] = {
    "grass": ("yellow", "white", "pink"),
    "stone": ("dirt", "stone"),
    "water": ("white",),
    "sand": ("stone",),
    "dirt": ("stone", "grey"),
    "lava": ("basalt",),
    "brick": ("stone", "grey", "sand"),
    "wood": ("wood",),
    "snow": ("ice",),
    "ice": ("white",),
}


class TilePaint:
    """Two ramps (main, secondary) and an index image; index = ramp * shades + shade."""

    def __init__(self, rng: np.random.Generator, w: int, h: int, main: str, second: str):
        self.rng, self.w, self.h = rng, w, h
        self.n = 4 if min(w, h) < 48 else 5
        colours: list[tuple[int, int, int, int]] = []
        for material in (main, second):
            jitter = JITTER_STEPS[int(rng.integers(len(JITTER_STEPS)))]
            colours.extend((*c, 255) for c in ramp(material, self.n, jitter))
        self.palette = np.array(colours, dtype=np.uint8)
        self.index = np.zeros((h, w), dtype=np.intp)

    def levels(self, field: np.ndarray, cuts: tuple[float, ...], first: int = 0) -> np.ndarray:
        """Quantise a [0, 1] field into shades first, first+1, ... at the given cut points."""
        return first + np.searchsorted(np.array(cuts), field.ravel(), side="right").reshape(field.shape)

    def clamp(self, shade: np.ndarray) -> np.ndarray:
        return np.clip(shade, 0, self.n - 1)

    def image(self) -> np.ndarray:
        return self.palette[self.index]


def render_tile(bp: Blueprint, rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    kind = bp.variant or "stone"
    materials = bp.plan.materials
    own = TILE_KIND_MATERIAL[kind]
    main = materials[0] if materials else own
    extra = [m for m in materials[1:] if m != own]
    allowed = [m for m in SECONDARY[kind] if bp.allows(m)] or list(SECONDARY[kind])
    second = extra[0] if extra else allowed[int(rng.integers(len(allowed)))]
    if not bp.allows(main):
        main = own
    tp = TilePaint(rng, w, h, main, second)
    KINDS[kind](tp)
    # Patterns are periodic, so any shift is still seamless; the cut goes where neighbours differ least, which
    # also keeps grid-aligned features (brick courses, cell rows) from always lining up with the tile's edge.
    return quiet_roll(tp.image(), rng)


def _grass(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(4.0, min(w, h) / 4))
    shade = tp.levels(base, (0.35, 0.7), first=1)
    scale = max(1, min(w, h) // 40)  # blade length grows with the tile
    rows, cols = noise.scatter(rng, w, h, max(6, w * h // (14 * scale * scale)))
    lean = rng.integers(-1, 2, size=rows.size)
    shade[(rows + 1) % h, cols] = 0
    for k in range(scale + 1):  # a blade: dark root, then lighter pixels leaning upward
        shade[(rows - k) % h, (cols + (lean * k) // 2) % w] = n - 2 if k < scale else n - 1
    tp.index = shade
    if min(w, h) >= 24:
        fr, fc = noise.scatter(rng, w, h, max(1, w * h // 300))
        tp.index[fr, fc] = n + n - 1
        tp.index[(fr + 1) % h, fc] = n + 1


def _stone(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    size = min(max(min(w, h) / 3.2, 6.0), 14.0)
    nearest, f1, f2, dx, dy = noise.cells(rng, w, h, size)
    base = rng.uniform(-0.15, 0.15, size=nearest.max() + 1)[nearest]
    light = 0.5 - (dx + dy) / (size * 1.6) + base + 0.15 * (noise.fractal(rng, w, h, 3.0, 1) - 0.5)
    shade = tp.levels(np.clip(light, 0, 1), (0.3, 0.62) if n == 4 else (0.25, 0.48, 0.72), first=1)
    shade = tp.clamp(shade)
    mortar = (f2 - f1) < 1.1
    tp.index = np.where(mortar, 0, shade)
    edge = ~mortar & ((f2 - f1) < 2.2) & (dx + dy > 0)
    tp.index = np.where(edge, 1, tp.index)


def _water(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(6.0, min(w, h) / 3))
    shade = tp.levels(base, (0.35, 0.7), first=0)
    xs = np.arange(w)[None, :] / w
    ys = np.arange(h)[:, None] / h
    ky = max(2, round(h / 7))
    kx = max(1, round(w / 16))
    phase = ys * ky + 0.35 * noise.triangle_wave(xs * kx + rng.random()) + 0.3 * base
    crest = (phase % 1.0) < (1.2 / (h / ky))
    dashes = noise.fractal(rng, w, h, max(3.0, min(w, h) / 6), 1) > 0.45
    shade = np.where(crest & dashes, n - 2, shade)
    rows, cols = noise.scatter(rng, w, h, max(2, w * h // 160))
    shade[rows, cols] = n - 1
    tp.index = shade


def _sand(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(5.0, min(w, h) / 3))
    shade = tp.levels(base, (0.35, 0.72), first=1)
    xs = np.arange(w)[None, :] / w
    ys = np.arange(h)[:, None] / h
    ky = max(2, round(h / 8))
    phase = ys * ky + 0.5 * noise.triangle_wave(xs * max(1, round(w / 24)) + rng.random())
    ripple = (phase % 1.0) < (1.0 / (h / ky))
    shade = np.where(ripple, np.maximum(shade - 1, 0), shade)
    rows, cols = noise.scatter(rng, w, h, max(4, w * h // 40))
    shade[rows, cols] = np.where(rng.random(rows.size) < 0.5, 0, n - 1)
    tp.index = shade


def _dirt(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(4.0, min(w, h) / 4))
    shade = tp.levels(base, (0.33, 0.66), first=0)
    rows, cols = noise.scatter(rng, w, h, max(4, w * h // 30))
    shade[rows, cols] = np.where(rng.random(rows.size) < 0.5, 0, n - 2)
    tp.index = shade
    pr, pc = noise.scatter(rng, w, h, max(2, w * h // 180))
    for r, c in zip(pr, pc, strict=True):  # pebbles: light top, dark bottom, wrapped
        tp.index[r % h, [c % w, (c + 1) % w]] = n + n - 2
        tp.index[(r + 1) % h, [c % w, (c + 1) % w]] = n + 1


def _lava(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    size = min(max(min(w, h) / 3.0, 6.0), 12.0)
    _, f1, f2, dx, dy = noise.cells(rng, w, h, size)
    gap = f2 - f1
    rough = noise.fractal(rng, w, h, 3.0, 1)
    crust = n + tp.clamp(tp.levels(np.clip(0.5 - (dx + dy) / (size * 3.0) + 0.3 * (rough - 0.5), 0, 1), (0.3, 0.7)))
    glow = np.where(gap < 1.0, n - 1, np.where(gap < 2.0, n - 2, 1))
    tp.index = np.where(gap < 3.0, glow, crust)


def _brick(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    rows_n = max(2, round(h / max(4.0, min(w, h) / 5)))
    rows_n += rows_n % 2  # an even row count keeps the half-brick offset periodic
    bricks_n = max(1, round(w / max(8.0, min(w, h) / 2.5)))
    y = np.arange(h)
    row = (y * rows_n) // h
    row_start = (y * rows_n) % h < rows_n
    x = np.arange(w)
    offset = (row % 2) * (w // (2 * bricks_n))
    xr = (x[None, :] + offset[:, None]) % w
    col = (xr * bricks_n) // w
    col_start = (xr * bricks_n) % w < bricks_n
    brick_id = row[:, None] * bricks_n + col
    tone = rng.integers(1, n - 1, size=rows_n * bricks_n)[brick_id]
    next_start = np.roll(row_start, -1)
    shade = np.where(next_start[:, None], tone - 1, np.where(np.roll(row_start, 1)[:, None], tone + 1, tone))
    speck = noise.fractal(rng, w, h, 3.0, 1) > 0.8
    shade = tp.clamp(np.where(speck, shade - 1, shade))
    mortar = row_start[:, None] | col_start
    tp.index = np.where(mortar, n + n - 2, shade)


def _wood(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    planks = max(2, round(h / max(5.0, min(w, h) / 4)))
    y = np.arange(h)
    plank = (y * planks) // h
    gap = (y * planks) % h < planks
    grain = noise.value_noise(rng, w, h, max(2, round(w / 24)), max(4, h // 2))
    grain = 0.7 * grain + 0.3 * rng.random(planks)[plank][:, None]
    shade = tp.levels(grain, (0.35, 0.6), first=1)
    seam_x = rng.integers(0, w, size=planks)[plank]
    seam = np.arange(w)[None, :] == seam_x[:, None]
    tp.index = np.where(gap[:, None] | seam, 0, shade)
    below_gap = np.roll(gap, 1)[:, None] & ~gap[:, None]
    tp.index = np.where(below_gap & ~seam, n - 1, tp.index)


def _snow(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(5.0, min(w, h) / 3))
    shade = tp.levels(base, (0.18, 0.42, 0.7), first=n - 4)
    rows, cols = noise.scatter(rng, w, h, max(3, w * h // 60))
    shade[rows, cols] = np.where(rng.random(rows.size) < 0.7, n - 1, n + 1)
    tp.index = shade


def _ice(tp: TilePaint) -> None:
    rng, w, h, n = tp.rng, tp.w, tp.h, tp.n
    base = noise.fractal(rng, w, h, max(6.0, min(w, h) / 3))
    shade = tp.levels(base, (0.3, 0.65), first=1)
    xs = np.arange(w)[None, :] / w
    ys = np.arange(h)[:, None] / h
    k = max(1, round(min(w, h) / 24))
    streak = (((xs + ys) * k) % 1.0) < (1.2 / min(w, h) * k)
    glint = noise.fractal(rng, w, h, max(4.0, min(w, h) / 4), 1) > 0.55
    shade = np.where(streak & glint, n - 1, shade)
    size = min(max(min(w, h) / 2.5, 8.0), 16.0)
    _, f1, f2, _, _ = noise.cells(rng, w, h, size)
    crack = ((f2 - f1) < 0.9) & (f1 > 1.5)
    shade = np.where(crack, n + n - 2, shade)
    tp.index = shade


KINDS: dict[str, Callable[[TilePaint], None]] = {
    "grass": _grass,
    "stone": _stone,
    "water": _water,
    "sand": _sand,
    "dirt": _dirt,
    "lava": _lava,
    "brick": _brick,
    "wood": _wood,
    "snow": _snow,
    "ice": _ice,
}
