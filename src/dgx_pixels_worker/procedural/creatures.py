"""Creatures in three body plans: blob (slime, monster), winged (bat, dragon) and quadruped (wolf, bear)."""

from __future__ import annotations

import numpy as np

from . import shapes as sh
from .canvas import Canvas, flip
from .layout import fit
from .picker import MaterialPicker

# Default body colours for particular creature words; the prompt's colours win over these.
WORD_COLOURS: dict[str, tuple[str, ...]] = {
    "slime": ("green", "lime", "blue", "pink", "purple", "teal", "cyan"),
    "ghost": ("white", "cyan", "diamond"),
    "golem": ("stone", "grey", "bronze"),
    "bat": ("black", "purple", "brown", "shadow"),
    "dragon": ("red", "green", "emerald", "purple", "black", "blue"),
    "phoenix": ("fire",),
    "demon": ("red", "blood", "purple"),
    "imp": ("red", "purple"),
    "devil": ("red", "blood"),
    "gargoyle": ("stone", "grey"),
    "fairy": ("pink", "cyan", "white"),
    "griffin": ("gold", "brown"),
    "gryphon": ("gold", "brown"),
    "owl": ("brown", "white"),
    "bird": ("blue", "red", "brown", "yellow"),
    "wolf": ("grey", "white", "black", "brown"),
    "fox": ("orange", "copper"),
    "bear": ("brown", "black", "white"),
    "cat": ("orange", "grey", "black", "white"),
    "kitten": ("orange", "grey", "white"),
    "dog": ("brown", "white", "black", "orange"),
    "puppy": ("brown", "white"),
    "rat": ("grey", "brown"),
    "mouse": ("grey", "brown"),
    "boar": ("brown", "leather"),
    "horse": ("brown", "white", "black"),
    "pony": ("white", "pink", "brown"),
    "lion": ("gold", "orange"),
    "tiger": ("orange",),
    "deer": ("brown", "copper"),
    "pig": ("pink",),
    "cow": ("white", "brown"),
    "sheep": ("white",),
    "goat": ("white", "grey"),
    "lizard": ("green", "lime", "teal"),
}
BLOB_COLOURS = ("green", "lime", "blue", "pink", "purple", "teal", "red")
WINGED_COLOURS = ("purple", "black", "red", "green", "brown")
BEAST_COLOURS = ("brown", "grey", "orange", "black", "white")
POINTED_EARS = frozenset({"wolf", "fox", "cat", "kitten", "dog", "lion", "tiger", "beast", "horse", "pony", "goat"})


def draw_creature(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    if variant == "winged":
        _winged(cv, rng, pick, word)
    elif variant == "quadruped":
        _quadruped(cv, rng, pick, word)
    else:
        _blob(cv, rng, pick, word, monster=variant == "monster")


def _eye(cv: Canvas, x: float, y: float, r: float, ink: int, white: int | None) -> None:
    """An eye left of centre (the drawing is mirrored afterwards)."""
    g = cv.g
    if white is not None and r >= 1.5:
        cv.paint(sh.ellipse(g, x, y, r, r * 1.2), white, casts=False)
        cv.paint(sh.ellipse(g, x + r * 0.35, y + r * 0.2, r * 0.55, r * 0.75), ink, shade=0, casts=False)
    else:
        cv.paint(sh.rect(g, x - 0.5, y - 0.5, x + 0.5, y + (1.5 if r >= 1 else 0.5)), ink, shade=0, casts=False)


def _blob(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, word: str, monster: bool) -> None:
    g = cv.g
    b = fit(cv, 1.0, 1.35)
    body = cv.slot("body", pick.role(0, WORD_COLOURS.get(word, BLOB_COLOURS)))
    ink = cv.slot("eye", "ink", detail=True)
    white = cv.slot("eye_white", "eye_white", detail=True)
    cx = b.cx
    horns = monster and rng.random() < 0.7
    top = b.top + (b.h(0.18, 2) if horns else 0)
    height = b.bottom - top
    ry = height * rng.uniform(0.56, 0.66)
    shape = sh.ellipse(g, cx, top + ry, b.width / 2, ry) & (g.Y < b.bottom)
    if not monster and rng.random() < 0.5:  # a drip-like peak on top
        peak = sh.trapezoid(g, cx, top - 0.5, top + height * 0.35, 0.6, b.width * 0.22)
        shape |= peak
    cv.paint(shape, body)
    if horns:
        horn = cv.slot("horn", pick.role(1, ("bone", "white", "black", "gold")))
        hx = cx - b.width * rng.uniform(0.2, 0.3)
        hr = max(1.0, b.width * 0.05)
        base = sh.segment(g, hx, top + ry * 0.35, hx - hr * 1.2, top - (top - b.top) * 0.4, hr * 1.3)
        tip = sh.segment(g, hx - hr * 1.2, top - (top - b.top) * 0.4, hx - hr * 2.6, b.top + 0.5, hr * 0.7)
        cv.paint((base | tip) & (g.Y >= b.top), horn)
    eye_y = top + height * rng.uniform(0.42, 0.52)
    eye_r = max(0.8, b.width * rng.uniform(0.06, 0.09))
    if monster and rng.random() < 0.35:  # cyclops
        er = eye_r * 1.8
        cv.paint(sh.ellipse(g, cx, eye_y, er, er * 1.1), white, casts=False)
        cv.paint(sh.ellipse(g, cx, eye_y + er * 0.15, er * 0.5, er * 0.7), ink, shade=0, casts=False)
    else:
        _eye(cv, cx - b.width * rng.uniform(0.14, 0.2), eye_y, eye_r, ink, white)
    if monster or b.height >= 28:
        mouth_y = eye_y + max(2.0, eye_r * 2.2)
        mouth_hw = b.width * (0.2 if monster else 0.08)
        mouth = sh.ellipse(g, cx, mouth_y, mouth_hw, max(0.6, eye_r * (0.9 if monster else 0.5))) & (g.Y >= mouth_y)
        cv.paint(mouth & shape, ink, shade=0, casts=False)
        if monster and mouth_hw >= 2:
            fang = sh.bar(g, cx - mouth_hw * 0.5, 0.6, mouth_y, mouth_y + max(1.0, eye_r))
            cv.paint(fang & mouth, white, shade=-1, casts=False)


def _winged(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, word: str) -> None:
    g = cv.g
    b = fit(cv, 1.15, 1.5)
    coat = pick.role(0, WORD_COLOURS.get(word, WINGED_COLOURS))
    body = cv.slot("body", coat)
    wing = cv.slot("wing", pick.role(1, (coat,) if rng.random() < 0.6 else WORD_COLOURS.get(word, WINGED_COLOURS)))
    belly = cv.slot("belly", pick.role(2, ("gold", "bone", "yellow", "white", "orange")))
    ink = cv.slot("eye", "ink", detail=True)
    white = cv.slot("eye_white", "eye_white", detail=True)
    cx = b.cx
    dragon = word in {"dragon", "wyvern", "drake", "demon", "devil", "imp", "gargoyle"}

    # wing: a fan from the shoulder to the outer tip, with a scalloped trailing edge
    shoulder_y = b.y(rng.uniform(0.32, 0.42))
    tip_y = b.y(rng.uniform(0.02, 0.12))
    trail_y = b.y(rng.uniform(0.72, 0.85))
    inner_x = cx - b.width * 0.12
    u = np.clip((inner_x - g.X) / max(inner_x - b.left, 1), 0, 1)
    top_edge = shoulder_y + (tip_y - shoulder_y) * u
    bottom_edge = trail_y + (tip_y + (trail_y - tip_y) * 0.35 - trail_y) * u
    fan = (g.X <= inner_x) & (g.X >= b.left) & (g.Y >= top_edge) & (g.Y <= bottom_edge)
    scallops = int(rng.integers(2, 4))
    span = inner_x - b.left
    bites = np.zeros_like(fan)
    for k in range(scallops):
        sx = b.left + span * (k + 0.5) / scallops
        sy = float(trail_y + (tip_y + (trail_y - tip_y) * 0.35 - trail_y) * ((inner_x - sx) / max(span, 1)))
        r = span / scallops * 0.55
        bites |= sh.ellipse(g, sx, sy + r * 0.35, r, r * 0.9)
    cv.paint(fan & ~bites, wing)
    if b.width >= 40:  # wing bones
        for k in range(scallops):
            sx = b.left + span * k / scallops
            cv.paint(
                sh.segment(g, inner_x, shoulder_y, sx + 0.5, tip_y + (shoulder_y - tip_y) * 0.2 * k, 0.5) & fan,
                wing,
                shade=0,
                casts=False,
            )

    body_ry = b.height * 0.3
    body_y = b.bottom - body_ry - b.h(0.06, 1)
    body_mask = sh.ellipse(g, cx, body_y, b.width * rng.uniform(0.14, 0.18), body_ry)
    feet = sh.bar(g, cx - b.width * 0.08, max(0.7, b.width * 0.035), body_y, b.bottom)
    cv.paint(feet, body)
    cv.paint(body_mask, body)
    cv.paint(sh.ellipse(g, cx, body_y + body_ry * 0.2, b.width * 0.08, body_ry * 0.6) & body_mask, belly)

    head_r = b.width * rng.uniform(0.11, 0.14)
    head_y = body_y - body_ry - head_r * 0.3
    head = sh.ellipse(g, cx, head_y, head_r * 1.1, head_r)
    if dragon:
        base = sh.segment(
            g,
            cx - head_r * 0.55,
            head_y - head_r * 0.5,
            cx - head_r * 0.9,
            head_y - head_r * 1.25,
            max(0.7, head_r * 0.26),
        )
        tip = sh.segment(
            g,
            cx - head_r * 0.9,
            head_y - head_r * 1.25,
            cx - head_r * 1.45,
            head_y - head_r * 1.7,
            max(0.5, head_r * 0.14),
        )
        horn = base | tip
        cv.paint(horn & (g.Y >= b.top), belly)
        cv.paint(sh.ellipse(g, cx, head_y + head_r * 0.7, head_r * 0.6, head_r * 0.55), body)
    else:
        ear = sh.polygon(
            g,
            [
                (cx - head_r * 1.1, head_y - head_r * 2.0),
                (cx - head_r * 0.1, head_y - head_r * 0.4),
                (cx - head_r * 1.1, head_y),
            ],
        )
        cv.paint(ear & (g.Y >= b.top), body)
    cv.paint(head, body)
    _eye(cv, cx - head_r * 0.45, head_y - head_r * 0.05, max(0.8, head_r * 0.3), ink, white)


STOCKY = frozenset({"bear", "boar", "pig", "cow", "sheep"})
LONG_TAILED = frozenset({"cat", "kitten", "fox", "lion", "tiger", "rat", "mouse", "lizard"})


def _quadruped(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, word: str) -> None:
    g = cv.g
    b = fit(cv, 1.15, 1.6)
    coat = pick.role(0, WORD_COLOURS.get(word, BEAST_COLOURS))
    body = cv.slot("body", coat)
    far = cv.slot("far_legs", coat)
    belly = cv.slot("belly", pick.role(1, ("white", "bone", "sand", "grey")))
    ink = cv.slot("eye", "ink", detail=True)

    def x(u: float) -> float:
        return b.left + u * b.width

    def y(v: float) -> float:
        return b.top + v * b.height

    stocky = word in STOCKY

    body_cy = y(rng.uniform(0.52, 0.58) + (0.04 if stocky else 0.0))
    body_rx = b.width * (rng.uniform(0.32, 0.36) if stocky else rng.uniform(0.27, 0.32))
    body_ry = b.height * (rng.uniform(0.24, 0.28) if stocky else rng.uniform(0.17, 0.22))
    body_cx = x(0.45)
    leg_w = max(1.0, b.width * (rng.uniform(0.075, 0.095) if stocky else rng.uniform(0.055, 0.07)))
    legs_x = (x(0.2), x(0.6))
    for lx in legs_x:  # far legs first, a little behind
        cv.paint(sh.rect(g, lx + leg_w * 1.3, body_cy, lx + leg_w * 2.3, b.bottom - 0.5), far, shade=1)
    if word in LONG_TAILED:
        tail_len, tail_rise = b.width * rng.uniform(0.16, 0.22), rng.uniform(1.4, 2.4)
    elif stocky:
        tail_len, tail_rise = b.width * 0.05, 0.3
    else:
        tail_len, tail_rise = b.width * rng.uniform(0.12, 0.18), rng.uniform(0.6, 1.4)
    tail = sh.segment(
        g,
        x(0.16),
        body_cy - body_ry * 0.4,
        x(0.16) - tail_len,
        body_cy - body_ry * tail_rise,
        max(0.8, b.height * 0.045),
    )
    cv.paint(tail & (g.Y >= b.top), body)
    torso = sh.ellipse(g, body_cx, body_cy, body_rx, body_ry)
    cv.paint(torso, body)
    cv.paint(torso & (g.Y > body_cy + body_ry * 0.45), belly, casts=False)
    for lx in legs_x:
        cv.paint(sh.rect(g, lx, body_cy, lx + leg_w, b.bottom), body)
    head_cx, head_cy = x(0.78), y(rng.uniform(0.3, 0.38) + (0.06 if stocky else 0.0))
    head_r = min(b.width * (0.15 if stocky else 0.13), b.height * 0.22)
    neck = sh.segment(g, x(0.6), body_cy - body_ry * 0.2, head_cx, head_cy, max(1.0, head_r * 0.75))
    cv.paint(neck, body)
    snout_len = b.width * (rng.uniform(0.05, 0.08) if stocky else rng.uniform(0.08, 0.12))
    snout = sh.ellipse(g, head_cx + head_r * 0.6 + snout_len * 0.5, head_cy + head_r * 0.35, snout_len, head_r * 0.5)
    if word in POINTED_EARS or (not stocky and rng.random() < 0.5):
        ear = sh.polygon(
            g,
            [
                (head_cx - head_r * 0.7, head_cy - head_r * 1.9),
                (head_cx + head_r * 0.1, head_cy - head_r * 0.5),
                (head_cx - head_r * 0.8, head_cy - head_r * 0.3),
            ],
        )
    else:
        ear = sh.ellipse(g, head_cx - head_r * 0.45, head_cy - head_r * 0.85, head_r * 0.4, head_r * 0.4)
    cv.paint(ear & (g.Y >= b.top), body)
    cv.paint(sh.ellipse(g, head_cx, head_cy, head_r, head_r * 0.9) | snout, body)
    nose_x = head_cx + head_r * 0.6 + snout_len * 1.4
    cv.paint(
        sh.rect(g, nose_x - 1.5, head_cy + head_r * 0.05, nose_x, head_cy + head_r * 0.05 + 1) & snout,
        ink,
        shade=0,
        casts=False,
    )
    ex, ey = head_cx + head_r * 0.2, head_cy - head_r * 0.25
    cv.paint(sh.rect(g, ex - 0.5, ey - 0.5, ex + 0.5, ey + (1.5 if b.height >= 40 else 0.5)), ink, shade=0, casts=False)
    if rng.random() < 0.5:
        flip(cv)
