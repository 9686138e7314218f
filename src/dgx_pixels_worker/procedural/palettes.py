"""Material shade ramps: dark-to-light colours with hue shifting, plus a darker outline colour."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class MaterialSpec:
    hue: tuple[float, float]  # hue of the darkest and of the lightest shade (0..1, shortest way round)
    sat: tuple[float, float, float]  # saturation at dark, middle, light
    val: tuple[float, float]  # HSV value of the darkest and lightest shade
    families: tuple[str, ...]  # colour families a negative prompt can exclude


def _m(h0: float, h1: float, s0: float, sm: float, s1: float, v0: float, v1: float, *fam: str) -> MaterialSpec:
    return MaterialSpec((h0, h1), (s0, sm, s1), (v0, v1), fam)


MATERIALS: dict[str, MaterialSpec] = {
    "fire": _m(0.985, 0.125, 0.95, 0.92, 0.62, 0.52, 1.0, "red", "orange"),
    "ice": _m(0.62, 0.50, 0.75, 0.48, 0.14, 0.50, 1.0, "cyan", "blue"),
    "gold": _m(0.075, 0.155, 0.90, 0.82, 0.40, 0.54, 1.0, "yellow"),
    "silver": _m(0.64, 0.56, 0.22, 0.10, 0.03, 0.46, 1.0, "grey", "white"),
    "iron": _m(0.66, 0.60, 0.30, 0.16, 0.07, 0.30, 0.80, "grey"),
    "steel": _m(0.63, 0.54, 0.32, 0.17, 0.06, 0.38, 0.95, "grey", "blue"),
    "forest": _m(0.44, 0.21, 0.75, 0.72, 0.55, 0.30, 0.86, "green"),
    "poison": _m(0.40, 0.20, 0.90, 0.85, 0.55, 0.36, 0.98, "green"),
    "shadow": _m(0.70, 0.80, 0.60, 0.45, 0.28, 0.24, 0.66, "purple", "black"),
    "holy": _m(0.11, 0.16, 0.55, 0.32, 0.06, 0.68, 1.0, "yellow", "white"),
    "blood": _m(0.965, 0.015, 0.92, 0.86, 0.62, 0.36, 0.88, "red"),
    "water": _m(0.65, 0.52, 0.88, 0.72, 0.38, 0.40, 0.98, "blue", "cyan"),
    "stone": _m(0.68, 0.10, 0.16, 0.08, 0.07, 0.34, 0.86, "grey"),
    "wood": _m(0.015, 0.085, 0.70, 0.62, 0.46, 0.32, 0.82, "brown"),
    "crystal": _m(0.78, 0.50, 0.50, 0.32, 0.10, 0.56, 1.0, "purple", "cyan"),
    "red": _m(0.975, 0.025, 0.90, 0.82, 0.55, 0.42, 0.98, "red"),
    "orange": _m(0.025, 0.105, 0.92, 0.85, 0.55, 0.50, 1.0, "orange"),
    "yellow": _m(0.10, 0.16, 0.90, 0.80, 0.42, 0.56, 1.0, "yellow"),
    "green": _m(0.40, 0.28, 0.80, 0.72, 0.50, 0.34, 0.92, "green"),
    "lime": _m(0.33, 0.22, 0.85, 0.80, 0.50, 0.42, 1.0, "green"),
    "teal": _m(0.50, 0.44, 0.85, 0.70, 0.40, 0.34, 0.92, "cyan", "green"),
    "cyan": _m(0.56, 0.49, 0.85, 0.65, 0.25, 0.45, 1.0, "cyan"),
    "blue": _m(0.67, 0.57, 0.85, 0.70, 0.40, 0.40, 0.98, "blue"),
    "navy": _m(0.69, 0.62, 0.80, 0.65, 0.40, 0.24, 0.70, "blue"),
    "purple": _m(0.74, 0.82, 0.78, 0.62, 0.34, 0.36, 0.94, "purple"),
    "pink": _m(0.90, 0.96, 0.65, 0.50, 0.20, 0.55, 1.0, "pink"),
    "brown": _m(0.02, 0.08, 0.66, 0.58, 0.42, 0.28, 0.76, "brown"),
    "black": _m(0.70, 0.66, 0.40, 0.26, 0.14, 0.26, 0.58, "black"),
    "white": _m(0.62, 0.12, 0.16, 0.07, 0.02, 0.66, 1.0, "white"),
    "grey": _m(0.64, 0.60, 0.12, 0.08, 0.04, 0.36, 0.88, "grey"),
    "bone": _m(0.08, 0.14, 0.34, 0.20, 0.08, 0.56, 0.98, "white"),
    "leather": _m(0.015, 0.07, 0.62, 0.55, 0.42, 0.26, 0.68, "brown"),
    "copper": _m(0.01, 0.075, 0.80, 0.72, 0.44, 0.42, 0.98, "orange", "brown"),
    "bronze": _m(0.05, 0.11, 0.78, 0.66, 0.40, 0.38, 0.92, "brown", "yellow"),
    "ruby": _m(0.955, 0.005, 0.92, 0.85, 0.45, 0.40, 1.0, "red"),
    "sapphire": _m(0.68, 0.58, 0.92, 0.80, 0.40, 0.36, 1.0, "blue"),
    "emerald": _m(0.44, 0.35, 0.90, 0.80, 0.40, 0.32, 0.98, "green"),
    "amethyst": _m(0.76, 0.84, 0.80, 0.60, 0.30, 0.38, 1.0, "purple"),
    "topaz": _m(0.05, 0.12, 0.92, 0.82, 0.40, 0.52, 1.0, "orange", "yellow"),
    "diamond": _m(0.60, 0.50, 0.40, 0.18, 0.02, 0.64, 1.0, "white", "cyan"),
    "amber": _m(0.045, 0.11, 0.95, 0.88, 0.55, 0.50, 1.0, "orange", "yellow"),
    "jade": _m(0.44, 0.36, 0.70, 0.55, 0.28, 0.38, 0.92, "green"),
    "opal": _m(0.58, 0.90, 0.30, 0.18, 0.06, 0.68, 1.0, "white", "pink"),
    "obsidian": _m(0.72, 0.78, 0.50, 0.40, 0.24, 0.18, 0.56, "black", "purple"),
    "grass": _m(0.40, 0.22, 0.78, 0.72, 0.60, 0.32, 0.84, "green"),
    "sand": _m(0.075, 0.125, 0.55, 0.42, 0.26, 0.62, 0.98, "yellow", "brown"),
    "dirt": _m(0.02, 0.075, 0.62, 0.56, 0.48, 0.26, 0.66, "brown"),
    "lava": _m(0.985, 0.14, 0.95, 0.95, 0.70, 0.55, 1.0, "red", "orange"),
    "brick": _m(0.985, 0.04, 0.66, 0.62, 0.45, 0.36, 0.82, "red", "brown"),
    "snow": _m(0.62, 0.55, 0.26, 0.10, 0.02, 0.72, 1.0, "white"),
    "basalt": _m(0.72, 0.02, 0.30, 0.24, 0.20, 0.14, 0.42, "black"),
    "ink": _m(0.70, 0.70, 0.50, 0.45, 0.40, 0.08, 0.22, "black"),
    "eye_white": _m(0.62, 0.14, 0.10, 0.05, 0.0, 0.80, 1.0, "white"),
    "skin_pale": _m(0.99, 0.07, 0.40, 0.30, 0.18, 0.72, 1.0, "pink"),
    "skin_tan": _m(0.02, 0.08, 0.52, 0.42, 0.28, 0.60, 0.98, "orange", "brown"),
    "skin_brown": _m(0.015, 0.07, 0.62, 0.52, 0.38, 0.40, 0.80, "brown"),
    "skin_dark": _m(0.99, 0.06, 0.60, 0.52, 0.40, 0.26, 0.60, "brown"),
    "skin_green": _m(0.36, 0.22, 0.66, 0.55, 0.38, 0.36, 0.86, "green"),
    "hair_brown": _m(0.01, 0.07, 0.70, 0.62, 0.50, 0.24, 0.62, "brown"),
    "hair_black": _m(0.70, 0.64, 0.40, 0.30, 0.20, 0.14, 0.40, "black"),
    "hair_blonde": _m(0.08, 0.14, 0.75, 0.62, 0.38, 0.55, 1.0, "yellow"),
    "hair_red": _m(0.99, 0.05, 0.85, 0.78, 0.55, 0.40, 0.92, "red", "orange"),
    "hair_white": _m(0.64, 0.12, 0.16, 0.07, 0.02, 0.60, 1.0, "white", "grey"),
}

# Hue nudges a seed may apply to a ramp (small enough that "fire" stays red/orange).
JITTER_STEPS: tuple[float, ...] = (-0.012, -0.006, 0.0, 0.006, 0.012)


def families(material: str) -> tuple[str, ...]:
    return MATERIALS[material].families


@lru_cache(maxsize=1024)
def ramp(material: str, shades: int, jitter: float = 0.0) -> tuple[RGB, ...]:
    """`shades` colours from darkest to lightest; darks drift toward cool hues, lights toward warm ones."""
    spec = MATERIALS[material]
    h0, h1 = spec.hue
    dh = ((h1 - h0 + 0.5) % 1.0) - 0.5
    s0, sm, s1 = spec.sat
    bend = 2.0 * sm - 0.5 * (s0 + s1)  # quadratic through (0, s0), (0.5, sm), (1, s1)
    v0, v1 = spec.val
    colours = []
    for i in range(shades):
        t = i / (shades - 1)
        h = (h0 + dh * t + jitter) % 1.0
        s = (1 - t) * (1 - t) * s0 + 2 * t * (1 - t) * bend + t * t * s1
        v = v0 + (v1 - v0) * t
        colours.append(_to_rgb(h, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0)))
    return tuple(colours)


@lru_cache(maxsize=1024)
def outline_colour(material: str, jitter: float = 0.0) -> RGB:
    """A darkened, slightly cooler version of the ramp's darkest shade."""
    spec = MATERIALS[material]
    h = (spec.hue[0] + jitter) % 1.0
    cool = ((0.72 - h + 0.5) % 1.0) - 0.5
    s = min(1.0, spec.sat[0] * 0.9 + 0.15)
    v = min(0.15, spec.val[0] * 0.45)
    return _to_rgb((h + 0.15 * cool) % 1.0, s, v)


def _to_rgb(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))
