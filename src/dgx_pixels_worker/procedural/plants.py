"""Trees and mushrooms, front view and mirror-symmetric."""

from __future__ import annotations

import numpy as np

from . import shapes as sh
from .canvas import Canvas
from .layout import fit
from .picker import MaterialPicker


def draw_tree(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    b = fit(cv, 0.7, 1.0)
    pine = word in {"pine", "fir", "spruce"} or (word == "tree" and rng.random() < 0.3)
    leaves = cv.slot("leaves", pick.role(0, ("forest", "green", "forest", "lime", "teal")))
    bark = cv.slot("bark", pick.role(1, ("wood", "brown", "leather")))
    cx = b.cx
    trunk_hw = b.w(rng.uniform(0.08, 0.11), 1.0)
    trunk_top = b.y(0.5)
    cv.paint(sh.trapezoid(g, cx, trunk_top, b.bottom, trunk_hw, trunk_hw * 1.6), bark)
    if pine:
        tiers = 3 if b.height >= 24 else 2
        canopy_b = b.y(rng.uniform(0.78, 0.85))
        tier_h = (canopy_b - b.top) / (tiers * 0.75 + 0.25)
        for k in range(tiers):
            t0 = b.top + k * tier_h * 0.75
            hw = b.width / 2 * (0.55 + 0.45 * (k + 1) / tiers)
            cv.paint(sh.trapezoid(g, cx, t0, t0 + tier_h, 0.6, hw), leaves)
        return
    canopy_b = b.y(rng.uniform(0.68, 0.76))
    cy = (b.top + canopy_b) / 2
    ry = (canopy_b - b.top) / 2
    canopy = sh.ellipse(g, cx, cy + ry * 0.1, b.width * 0.5, ry * 0.9)
    canopy |= sh.ellipse(g, cx, cy - ry * 0.25, b.width * 0.36, ry * 0.75)
    canopy |= sh.ellipse(g, cx - b.width * 0.26, cy + ry * 0.3, b.width * 0.24, ry * 0.62)
    cv.paint(canopy, leaves)
    if b.height >= 32:  # leaf clumps: lighter bumps on the upper lobes
        for _ in range(int(rng.integers(2, 4))):
            lx = cx - rng.uniform(0.08, 0.32) * b.width
            ly = cy + rng.uniform(-0.55, 0.1) * ry
            clump = sh.ellipse(g, lx, ly, b.width * 0.07, ry * 0.14)
            cv.paint(clump & canopy, leaves, shade=-2, casts=False)
    if rng.random() < 0.4 and b.height >= 24:
        fruit = cv.slot("fruit", pick.role(2, ("red", "orange", "yellow", "pink")))
        for _ in range(int(rng.integers(1, 3))):
            fx = cx - rng.uniform(0.1, 0.4) * b.width
            fy = cy + rng.uniform(-0.1, 0.6) * ry
            cv.paint(sh.ellipse(g, fx, fy, 1.0, 1.0) & canopy, fruit, casts=False)


def draw_mushroom(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    b = fit(cv, 0.85, 1.15)
    cap = cv.slot("cap", pick.role(0, ("red", "red", "orange", "purple", "brown", "blue")))
    spots = cv.slot("spots", pick.role(1, ("white", "white", "yellow", "bone")))
    stem = cv.slot("stem", pick.fixed(("bone", "white", "sand")))
    cx = b.cx
    cap_b = b.y(rng.uniform(0.5, 0.62))
    stem_hw = b.w(rng.uniform(0.14, 0.2), 1.5)
    cv.paint(sh.trapezoid(g, cx, cap_b - 2, b.bottom, stem_hw * 0.85, stem_hw * 1.1), stem)
    ry = (cap_b - b.top) * rng.uniform(0.95, 1.15)
    dome = sh.ellipse(g, cx, cap_b, b.width / 2, ry) & (g.Y < cap_b) & (g.Y >= b.top)
    rim = sh.bar(g, cx, b.width / 2 - 1, cap_b - 1, cap_b + max(1.0, b.h(0.04)))
    cv.paint(dome | rim, cap)
    n = int(rng.integers(2, 4)) if b.height >= 20 else 1
    for k in range(n):
        sx = cx - b.width * (0.08 + 0.3 * (k + rng.random()) / n)
        sy = b.top + (cap_b - b.top) * rng.uniform(0.3, 0.75)
        r = max(1.0, b.width * rng.uniform(0.05, 0.08))
        cv.paint(sh.ellipse(g, sx, sy, r, r * 0.9) & dome, spots, casts=False)
