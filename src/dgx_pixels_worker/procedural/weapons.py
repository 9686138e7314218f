"""Diagonal or upright items drawn along an axis: swords, daggers, axes, spears, keys."""

from __future__ import annotations

import math

import numpy as np

from .canvas import Canvas, flip
from .picker import MaterialPicker
from .shapes import Axis

BLADE_METALS = ("steel", "iron", "silver", "steel")
HILT_METALS = ("gold", "bronze", "iron", "silver", "copper")
HANDLES = ("leather", "wood", "brown", "black")
GEMS = ("ruby", "sapphire", "emerald", "amethyst", "topaz")


def _axis(cv: Canvas, margin: float, upright: bool) -> tuple[Axis, float]:
    """An axis from the bottom-left corner to the top-right (or bottom-centre to top-centre)."""
    w, h = cv.width, cv.height
    if upright:
        sx, sy, ex, ey = w / 2, h - 1 - margin, w / 2, 1 + margin
    else:
        sx, sy, ex, ey = 1 + margin, h - 1 - margin, w - 1 - margin, 1 + margin
    length = math.sqrt((ex - sx) ** 2 + (ey - sy) ** 2)
    return Axis(cv.g, sx, sy, ((ex - sx) / length, (ey - sy) / length)), length


def _margin(cv: Canvas, fraction: float) -> float:
    return max(1.0, min(cv.width, cv.height) * fraction)


def draw_blade(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    {"axe": _axe, "spear": _spear, "dagger": _dagger}.get(variant, _sword)(cv, rng, pick)
    if rng.random() < 0.5:
        flip(cv)


def _sword(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, dagger: bool = False) -> None:
    upright = rng.random() < (0.35 if dagger else 0.15) and cv.height >= cv.width
    ax, length = _axis(cv, _margin(cv, 0.06), upright)
    blade = cv.slot("blade", pick.role(0, BLADE_METALS))
    guard = cv.slot("guard", pick.role(1, HILT_METALS))
    gem = cv.slot("gem", pick.role(2, GEMS))
    grip = cv.slot("grip", pick.fixed(HANDLES))

    scale = length if not upright else length * 0.9
    pommel_r = max(1.0, scale * rng.uniform(0.035, 0.05))
    grip_end = scale * (rng.uniform(0.26, 0.32) if dagger else rng.uniform(0.17, 0.22))
    guard_t = max(1.0, scale * rng.uniform(0.03, 0.045))
    guard_hw = max(2.0, scale * (rng.uniform(0.09, 0.13) if dagger else rng.uniform(0.11, 0.17)))
    blade_hw = max(1.0, scale * (rng.uniform(0.06, 0.08) if dagger else rng.uniform(0.045, 0.065)))
    tip = max(2.0, blade_hw * rng.uniform(1.6, 3.0))
    start = grip_end + guard_t
    end = length - 0.5

    cv.paint(ax.band(pommel_r, grip_end + 0.5, max(0.75, scale * 0.026)), grip)
    cv.paint(ax.disc(pommel_r, 0.0, pommel_r), guard)
    body = ax.band(start - 0.5, end - tip, blade_hw) | ax.tapered(end - tip, end, blade_hw, 0.0)
    cv.paint(body, blade)
    if length >= 40:  # a bright edge line down the lit side
        edge = body & (ax.D < -0.2) & (ax.D > -blade_hw * 0.45) & (ax.T < end - tip * 0.6)
        cv.paint(edge, blade, shade=-1, casts=False)
    if rng.random() < 0.5:  # curved quillons
        guard_mask = ax.band(grip_end - 0.5, start, guard_hw) | ax.oval(
            start - guard_t, 0.0, guard_t * 1.4, guard_hw * 0.55
        )
    else:
        guard_mask = ax.band(grip_end - 0.5, start, guard_hw)
    cv.paint(guard_mask, guard)
    if length >= 40:
        cv.paint(ax.disc(grip_end + guard_t * 0.5, 0.0, max(0.8, guard_t * 0.6)), gem, casts=False)


def _dagger(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker) -> None:
    _sword(cv, rng, pick, dagger=True)


def _axe(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker) -> None:
    ax, length = _axis(cv, _margin(cv, 0.05), False)
    head = cv.slot("head", pick.role(0, BLADE_METALS))
    handle = cv.slot("handle", pick.role(1, ("wood", "wood", "leather", "brown")))
    wrap = cv.slot("wrap", pick.role(2, ("leather", "red", "gold", "bronze")))

    handle_hw = max(0.75, length * 0.028)
    cv.paint(ax.band(0.0, length * 0.9, handle_hw), handle)
    cv.paint(ax.band(length * 0.06, length * 0.22, handle_hw + 0.4), wrap)
    centre = length * rng.uniform(0.68, 0.72)
    reach = length * rng.uniform(0.22, 0.28)
    half = length * rng.uniform(0.13, 0.17)
    sides = (1.0, -1.0) if rng.random() < 0.35 else (1.0,)
    for side in sides:
        blade = ax.oval(centre, side * reach * 0.55, half, reach * 0.55) & (ax.D * side > 0)
        neck = ax.band(centre - half * 0.45, centre + half * 0.45, reach * 0.5) & (ax.D * side > 0)
        cv.paint(blade | neck, head)
        edge = blade & (ax.D * side > reach * 0.8)
        cv.paint(edge, head, shade=-1, casts=False)
    cv.paint(ax.band(centre - half * 0.5, centre + half * 0.5, handle_hw + 0.6), head)


def _spear(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker) -> None:
    upright = rng.random() < 0.3 and cv.height >= cv.width
    ax, length = _axis(cv, _margin(cv, 0.05), upright)
    tip = cv.slot("tip", pick.role(0, BLADE_METALS))
    shaft = cv.slot("shaft", pick.role(1, ("wood", "wood", "brown", "black")))
    binding = cv.slot("binding", pick.role(2, ("leather", "red", "gold", "bronze")))

    shaft_hw = max(0.6, length * 0.022)
    head_start = length * rng.uniform(0.64, 0.72)
    head_hw = max(1.5, length * rng.uniform(0.06, 0.09))
    cv.paint(ax.band(0.0, head_start + 1, shaft_hw), shaft)
    s = (ax.T - head_start) / (length - 0.5 - head_start)
    widest = rng.uniform(0.25, 0.4)
    profile = np.where(s < widest, s / widest, (1 - s) / (1 - widest)) * head_hw
    head = (s >= 0) & (s <= 1) & (np.abs(ax.D) <= np.maximum(profile, shaft_hw))
    cv.paint(head, tip)
    cv.paint(ax.band(head_start - length * 0.05, head_start, shaft_hw + 0.6), binding)


def draw_key(cv: Canvas, rng: np.random.Generator, pick: MaterialPicker, variant: str, word: str) -> None:
    ax, length = _axis(cv, _margin(cv, 0.05), False)
    metal = cv.slot("metal", pick.role(0, ("gold", "iron", "silver", "bronze", "copper")))
    gem = cv.slot("gem", pick.role(1, GEMS))

    bow_r = max(2.5, length * rng.uniform(0.14, 0.19))
    hole_r = bow_r * rng.uniform(0.38, 0.5)
    shaft_hw = max(0.75, length * 0.035)
    cv.paint(ax.band(bow_r, length - 0.5, shaft_hw), metal)
    cv.paint(ax.disc(bow_r, 0.0, bow_r) & ~ax.disc(bow_r, 0.0, hole_r), metal)
    tooth = length * rng.uniform(0.08, 0.11)
    depth = max(1.5, length * rng.uniform(0.1, 0.14))
    teeth = ax.band(length - tooth * 2.2, length - 0.5, depth + shaft_hw) & (ax.D > 0)
    notch = ax.band(length - tooth * 1.5, length - tooth * 0.9, depth + shaft_hw) & (ax.D > shaft_hw + depth * 0.45)
    cv.paint(teeth & ~notch, metal)
    if length >= 40 and hole_r >= 2:
        cv.paint(ax.disc(bow_r * 2 + 1, 0.0, shaft_hw + 0.5), gem, casts=False)
    if rng.random() < 0.5:
        flip(cv)
