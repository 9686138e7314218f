"""Front-view items, symmetric about the vertical axis: bottle, gem, chest, shield, coin, heart."""

from __future__ import annotations

import numpy as np

from . import shapes as sh
from .canvas import Canvas
from .layout import Box, fit
from .picker import MaterialPicker

LIQUIDS = ("red", "blue", "green", "purple", "pink", "cyan", "orange", "poison")
GEM_COLOURS = ("ruby", "sapphire", "emerald", "amethyst", "topaz", "diamond")


def draw_bottle(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    b = fit(cv, 0.6, 0.85)
    liquid_mat = pick.role(0, LIQUIDS)
    liquid = cv.slot("liquid", liquid_mat)
    glass = cv.slot("glass", pick.fixed(("crystal", "white", "diamond")))
    lip = cv.slot("lip", pick.role(1, ("silver", "gold", "copper", "white")))
    cork = cv.slot("cork", pick.fixed(("wood", "leather", "brown")))

    cx = b.cx
    cork_b = b.y(rng.uniform(0.1, 0.14))
    neck_hw = b.w(rng.uniform(0.1, 0.14), 1.0)
    neck_b = b.y(rng.uniform(0.3, 0.38))
    shape = int(rng.integers(3))
    if shape == 0:  # round flask
        ry = (b.bottom - neck_b) / 2 + 1
        body = sh.ellipse(g, cx, b.bottom - ry, b.width / 2, ry)
    elif shape == 1:  # tall potion
        body = sh.rounded_box(g, cx, (neck_b + b.bottom) / 2, b.width * 0.42, (b.bottom - neck_b) / 2)
    else:  # conical flask with a rounded base
        body = sh.trapezoid(g, cx, neck_b, b.bottom, neck_hw, b.width / 2) & sh.rounded_box(
            g, cx, (neck_b + b.bottom) / 2, b.width / 2, (b.bottom - neck_b) / 2 + 0.5
        )
    neck = sh.bar(g, cx, neck_hw, cork_b - 1, neck_b + 1)
    cv.paint(neck | body, glass)
    rows = np.nonzero(body.any(axis=1))[0]
    top, bottom = (rows[0], rows[-1] + 1) if rows.size else (neck_b, b.bottom)
    level = top + (bottom - top) * rng.uniform(0.2, 0.45)
    cv.paint(body & (g.Y >= level), liquid)
    surface = body & (g.Y >= level) & (g.Y < level + 1)
    cv.paint(surface, liquid, shade=-1, casts=False)
    cv.paint(sh.bar(g, cx, neck_hw + 1, cork_b - 0.5, cork_b + max(1.0, b.h(0.05))), lip)
    cv.paint(sh.bar(g, cx, max(0.6, neck_hw - 0.5), b.top, cork_b), cork)
    shine_x = cx - (b.width / 2) * 0.45
    shine = sh.ellipse(g, shine_x, top + (bottom - top) * 0.35, max(0.5, b.width * 0.04), max(1.0, b.height * 0.07))
    cv.paint(shine & body, glass, shade=-1, casts=False)
    if b.height >= 40:
        for _ in range(int(rng.integers(1, 4))):
            bx = cx - rng.uniform(0.0, b.width * 0.25)
            by = level + rng.uniform(2, max(3.0, (bottom - level) * 0.7))
            cv.paint(sh.ellipse(g, bx, by, 0.7, 0.7) & body, liquid, shade=-1, casts=False)


def draw_gem(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    default = (word,) if word in GEM_COLOURS and pick.bp.allows(word) else GEM_COLOURS
    stone = cv.slot("stone", pick.role(0, default))
    n = cv.shades
    cut = int(rng.integers(3))
    if cut == 0:
        b = fit(cv, 0.95, 1.25)
        _brilliant(cv, b, stone, n, rng)
    elif cut == 1:
        b = fit(cv, 0.85, 1.0)
        _round_cut(cv, b, stone, n, rng)
    else:
        b = fit(cv, 0.6, 0.78)
        _step_cut(cv, b, stone, n, rng)
    if b.height >= 24:
        sparkle_y = b.y(0.18)
        x = b.cx - b.width * 0.18
        cv.paint(sh.rect(g, x - 1, sparkle_y, x, sparkle_y + 1) & (cv.labels == stone), stone, shade=-1, casts=False)


def _brilliant(cv: Canvas, b: Box, stone: int, n: int, rng: np.random.Generator) -> None:
    g = cv.g
    cx, top, bottom = b.cx, b.top, b.bottom
    half = b.width / 2
    table = half * rng.uniform(0.45, 0.6)
    girdle = b.y(rng.uniform(0.28, 0.38))
    crown = sh.polygon(g, [(cx - table, top), (cx + table, top), (cx + half, girdle), (cx - half, girdle)])
    pavilion = sh.polygon(g, [(cx - half, girdle), (cx + half, girdle), (cx, bottom)])
    outer = crown | pavilion
    cv.paint(outer, stone, shade=1)
    # crown: side facets darker, the table lightest
    dx = np.abs(g.X - cx)
    cv.paint(crown & (dx < table - (g.Y - top) * (table * 0.5) / max(girdle - top, 1)), stone, shade=n - 2)
    cv.paint(crown & (g.Y < top + 1) & (dx < table - 0.5), stone, shade=n - 1)
    # pavilion: a light central kite and darker sides
    t = (g.Y - girdle) / max(bottom - girdle, 1)
    cv.paint(pavilion & (dx < table * 0.6 * (1 - t)), stone, shade=2)
    cv.paint(pavilion & (dx > half * 0.7 * (1 - t)), stone, shade=0)


def _round_cut(cv: Canvas, b: Box, stone: int, n: int, rng: np.random.Generator) -> None:
    g = cv.g
    cx, cy = b.cx, b.top + b.height / 2
    r = min(b.width, b.height) / 2
    c = r * 0.42
    octagon = [
        (cx - c, cy - r),
        (cx + c, cy - r),
        (cx + r, cy - c),
        (cx + r, cy + c),
        (cx + c, cy + r),
        (cx - c, cy + r),
        (cx - r, cy + c),
        (cx - r, cy - c),
    ]
    outer = sh.polygon(g, octagon)
    k = rng.uniform(0.45, 0.58)
    table = sh.polygon(g, [(cx + (x - cx) * k, cy + (y - cy) * k) for x, y in octagon])
    dy = g.Y - cy
    dx = np.abs(g.X - cx)
    cv.paint(outer, stone, shade=1)
    cv.paint(outer & (dy < -dx * 0.5), stone, shade=n - 2)
    cv.paint(outer & (dy > dx * 0.5), stone, shade=0)
    cv.paint(table, stone, shade=2)
    cv.paint(table & (dy < -dx * 0.4 - r * 0.15), stone, shade=n - 1)


def _step_cut(cv: Canvas, b: Box, stone: int, n: int, rng: np.random.Generator) -> None:
    g = cv.g
    cx, cy = b.cx, b.top + b.height / 2
    hw, hh = b.width / 2, b.height / 2
    c = min(hw, hh) * rng.uniform(0.3, 0.45)

    def octo(sw: float, sh_: float, sc: float) -> list[tuple[float, float]]:
        return [
            (cx - sw + sc, cy - sh_),
            (cx + sw - sc, cy - sh_),
            (cx + sw, cy - sh_ + sc),
            (cx + sw, cy + sh_ - sc),
            (cx + sw - sc, cy + sh_),
            (cx - sw + sc, cy + sh_),
            (cx - sw, cy + sh_ - sc),
            (cx - sw, cy - sh_ + sc),
        ]

    outer = sh.polygon(g, octo(hw, hh, c))
    step = max(1.0, min(hw, hh) * 0.22)
    mid = sh.polygon(g, octo(hw - step, hh - step, c * 0.7))
    inner = sh.polygon(g, octo(hw - 2 * step, hh - 2 * step, c * 0.45))
    dy = g.Y - cy
    cv.paint(outer, stone, shade=1)
    cv.paint(outer & (dy < 0), stone, shade=n - 2)
    cv.paint(outer & (dy > hh * 0.4), stone, shade=0)
    cv.paint(mid, stone, shade=1)
    cv.paint(mid & (dy < -hh * 0.2), stone, shade=2)
    cv.paint(inner, stone, shade=2)
    cv.paint(inner & (dy < -hh * 0.1), stone, shade=n - 1)


def draw_chest(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    if variant == "crate":
        _crate(cv, rng, pick)
        return
    g = cv.g
    b = fit(cv, 1.1, 1.4)
    body_m = cv.slot("wood", pick.role(0, ("wood", "wood", "brown", "red")))
    band = cv.slot("band", pick.role(1, ("iron", "gold", "bronze", "steel")))
    lock = cv.slot("lock", pick.role(2, ("gold", "silver", "bronze")))
    ink = cv.slot("keyhole", "ink", detail=True)

    cx = b.cx
    lid_b = b.y(rng.uniform(0.38, 0.46))
    arch = b.h(rng.uniform(0.12, 0.22), 1.0)
    lid = sh.bar(g, cx, b.width / 2, b.top + arch, lid_b) | sh.ellipse(g, cx, b.top + arch, b.width / 2, arch)
    box = sh.bar(g, cx, b.width / 2, lid_b, b.bottom)
    cv.paint(box, body_m)
    if b.height >= 24:  # plank seams
        seam = max(3.0, round(b.height * 0.14))
        planks = box & (((g.Y - lid_b) % seam) < 1) & (g.Y > lid_b + 1)
        cv.paint(planks, body_m, shade=0, casts=False)
    cv.paint(lid, body_m)
    rim_h = max(1.0, b.h(0.06))
    cv.paint(sh.bar(g, cx, b.width / 2, lid_b - rim_h / 2, lid_b + rim_h / 2), band)
    band_x = b.width * rng.uniform(0.3, 0.38)
    band_w = b.w(0.07, 1.0)
    bands = (np.abs(g.X - cx) >= band_x - band_w) & (np.abs(g.X - cx) < band_x) & (lid | box)
    cv.paint(bands, band)
    corner = max(1.0, b.width * 0.08)
    cv.paint((lid | box) & (np.abs(g.X - cx) >= b.width / 2 - corner) & (g.Y >= b.bottom - corner), band)
    lock_hw = b.w(0.08, 1.0)
    lock_mask = sh.bar(g, cx, lock_hw + 0.5, lid_b - b.h(0.08, 1), lid_b + b.h(0.14, 2))
    cv.paint(lock_mask, lock)
    rows = np.nonzero(lock_mask.any(axis=1))[0]
    if rows.size >= 3:
        hole_y = rows[0] + rows.size // 2
        cv.paint(
            sh.bar(g, cx, 0.5 + 0.5 * (cv.width % 2 == 0), hole_y, hole_y + (2 if b.height >= 32 else 1)),
            ink,
            shade=0,
            casts=False,
        )


def _crate(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker) -> None:
    g = cv.g
    b = fit(cv, 0.95, 1.1)
    boards = cv.slot("boards", pick.role(0, ("wood", "wood", "brown")))
    frame = cv.slot("frame", pick.role(1, ("wood", "brown", "leather", "iron")))
    cx = b.cx
    box = sh.bar(g, cx, b.width / 2, b.top, b.bottom)
    cv.paint(box, boards)
    seam = max(3.0, round(b.height * rng.uniform(0.16, 0.22)))
    cv.paint(box & (((g.Y - b.top) % seam) < 1), boards, shade=0, casts=False)
    edge = max(1.0, round(min(b.width, b.height) * 0.12))
    inner = sh.bar(g, cx, b.width / 2 - edge, b.top + edge, b.bottom - edge)
    # an X brace, drawn as two slanted bands clipped to the inside
    u = (g.X - cx) / max(b.width / 2 - edge, 1)
    v = (g.Y - (b.top + b.height / 2)) / max(b.height / 2 - edge, 1)
    brace = inner & ((np.abs(u - v) < edge / max(b.width / 2, 1)) | (np.abs(u + v) < edge / max(b.width / 2, 1)))
    cv.paint(box & ~inner, frame)
    cv.paint(brace, frame)


def draw_shield(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    face = cv.slot("face", pick.role(0, ("blue", "red", "wood", "steel", "green", "purple")))
    rim = cv.slot("rim", pick.role(1, ("iron", "gold", "steel", "silver", "bronze")))
    emblem = cv.slot("emblem", pick.role(2, ("gold", "white", "yellow", "silver", "red")))
    if rng.random() < 0.35:  # round shield with a boss
        b = fit(cv, 1.0, 1.0)
        cx, cy, r = b.cx, b.top + b.height / 2, b.width / 2
        cv.paint(sh.ellipse(g, cx, cy, r, r), rim)
        ring = max(1.0, r * 0.16)
        cv.paint(sh.ellipse(g, cx, cy, r - ring, r - ring), face)
        if r >= 10:
            planks = sh.ellipse(g, cx, cy, r - ring, r - ring) & ((np.abs(g.X - cx) % max(3.0, r * 0.35)) < 1)
            cv.paint(planks, face, shade=0, casts=False)
        cv.paint(sh.ellipse(g, cx, cy, max(1.0, r * 0.3), max(1.0, r * 0.3)), emblem)
        return
    b = fit(cv, 0.78, 0.9)
    cx = b.cx
    straight = rng.uniform(0.35, 0.55)

    def heater(inset: float) -> np.ndarray:
        v = (g.Y - b.top - inset) / max(b.height - 2 * inset, 1)
        t = np.clip((v - straight) / (1 - straight), 0, 1)
        hw = (b.width / 2 - inset) * (1 - t * t)
        return (np.abs(g.X - cx) < hw) & (v >= 0) & (v <= 1)

    outer = heater(0.0)
    ring = max(1.0, round(b.width * 0.09))
    inner = heater(ring)
    cv.paint(outer, rim)
    cv.paint(inner, face)
    style = int(rng.integers(3))
    bar = max(1.0, b.width * 0.08)
    if style == 0:  # cross
        cross = (np.abs(g.X - cx) < bar) | ((g.Y >= b.y(0.28)) & (g.Y < b.y(0.28) + 2 * bar))
        cv.paint(inner & cross, emblem)
    elif style == 1:  # chevron
        v = g.Y - b.y(0.45)
        chev = (v + np.abs(g.X - cx) * 0.8 >= 0) & (v + np.abs(g.X - cx) * 0.8 < 2.2 * bar)
        cv.paint(inner & chev, emblem)
    else:  # split field
        cv.paint(inner & (g.X < cx) & (g.Y < b.y(0.5)), emblem)
        cv.paint(inner & (g.X >= cx) & (g.Y >= b.y(0.5)), emblem)


def draw_coin(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    metal_m = pick.role(0, ("gold", "gold", "silver", "copper", "bronze"))
    metal = cv.slot("metal", metal_m)
    rim_m = cv.slot("rim", metal_m)
    b = fit(cv, 0.9, 1.0)
    cx = b.cx
    thick = max(1.0, round(b.height * 0.08))
    r = b.width / 2
    ry = (b.height - thick) / 2
    cy = b.top + ry
    cv.paint(sh.ellipse(g, cx, cy + thick, r, ry), rim_m, shade=0)
    cv.paint(sh.ellipse(g, cx, cy, r, ry), metal)
    ring = max(1.0, r * 0.16)
    inner = sh.ellipse(g, cx, cy, r - ring, ry - ring)
    cv.paint(inner, metal, shade=1, casts=False)
    if r >= 6:
        symbol = int(rng.integers(3))
        s = max(1.0, r * 0.28)
        if symbol == 0:  # square hole style stamp
            mark = sh.bar(g, cx, s, cy - s, cy + s) & ~sh.bar(g, cx, s * 0.45, cy - s * 0.45, cy + s * 0.45)
        elif symbol == 1:  # star-ish diamond
            mark = np.abs(g.X - cx) / s + np.abs(g.Y - cy) / (s * 1.4) <= 1.0
        else:  # bar stamp
            mark = sh.bar(g, cx, max(0.6, s * 0.35), cy - s * 1.3, cy + s * 1.3)
        cv.paint(mark & inner, metal, shade=-1, casts=False)


def draw_heart(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    g = cv.g
    flesh = cv.slot("heart", pick.role(0, ("red", "red", "pink", "blood", "ruby")))
    b = fit(cv, 1.0, 1.15)
    cx = b.cx
    r = b.width * rng.uniform(0.25, 0.28)
    cy = b.top + r
    lobes = sh.ellipse(g, cx - b.width / 2 + r, cy, r, r)
    lobes |= sh.ellipse(g, cx + b.width / 2 - r, cy, r, r)
    v = (g.Y - cy) / max(b.bottom - cy, 1)
    point = (v >= 0) & (v <= 1) & (np.abs(g.X - cx) < (b.width / 2) * (1 - v) * (1 + 0.25 * (1 - v) * v))
    cv.paint(lobes | point, flesh)
    if b.height >= 24:
        sx, sy = cx - b.width / 2 + r * 0.9, cy - r * 0.35
        cv.paint(sh.ellipse(g, sx, sy, max(0.7, r * 0.22), max(1.0, r * 0.3)) & lobes, flesh, shade=-1, casts=False)
