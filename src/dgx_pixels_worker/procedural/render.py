"""Composition: prompt -> plan -> drawing -> shading -> outline, and the progressive preview frames."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from . import vocabulary as voc
from .canvas import Canvas
from .creatures import draw_creature
from .humanoid import draw_humanoid
from .items import draw_bottle, draw_chest, draw_coin, draw_gem, draw_heart, draw_shield
from .outline import compose
from .patterns import pattern_size, render_pattern
from .picker import MaterialPicker
from .planning import Blueprint, blueprint
from .plants import draw_mushroom, draw_tree
from .seeding import rng_for
from .shading import shade_map
from .stages import preview_frames
from .tiles import render_tile
from .validation import check_seed, check_size, check_steps, check_text
from .weapons import draw_blade, draw_key

# A drawer paints one subject onto the canvas: (canvas, rng, materials, variant, prompt word).
Drawer = Callable[[Canvas, np.random.Generator, MaterialPicker, str, str], None]

DRAWERS: dict[str, Drawer] = {
    "humanoid": draw_humanoid,
    "blade": draw_blade,
    "key": draw_key,
    "bottle": draw_bottle,
    "gem": draw_gem,
    "chest": draw_chest,
    "shield": draw_shield,
    "coin": draw_coin,
    "heart": draw_heart,
    "creature": draw_creature,
    "tree": draw_tree,
    "mushroom": draw_mushroom,
}


@dataclass(frozen=True)
class Sprite:
    """A finished render plus the intermediate maps (used by tests and debugging)."""

    blueprint: Blueprint
    image: np.ndarray  # (h, w, 4) uint8
    canvas: Canvas | None  # None for tiles
    shades: np.ndarray | None


def build(prompt: str, seed: int, width: int, height: int, negative: str = "", *, tile: bool = False) -> Sprite:
    width, height = check_size(width, height)
    seed = check_seed(seed)
    prompt = check_text(prompt, "prompt")
    negative = check_text(negative, "negative prompt")
    bp = blueprint(prompt, negative, seed, tile=tile)
    rng = rng_for("sprite", " ".join(voc.words(prompt)), seed, f"{width}x{height}", " ".join(voc.words(negative)))
    if bp.plan.subject == "tile":
        return Sprite(bp, render_tile(bp, rng, width, height), None, None)
    if bp.plan.tile:
        size = pattern_size(width, height)
        copy = _draw(bp, rng, size, size)
        return Sprite(bp, render_pattern(bp, copy.image, rng, width, height), None, None)
    return _draw(bp, rng, width, height)


def drawn_canvas(bp: Blueprint, rng: np.random.Generator, width: int, height: int) -> Canvas:
    """The blueprint's subject drawn on a transparent canvas, before shading."""
    cv = Canvas(width, height, rng)
    DRAWERS[bp.plan.subject](cv, rng, MaterialPicker(bp, rng), bp.variant, bp.word)
    if bp.plan.symmetric:
        cv.mirror()
    cv.clear_border()
    return cv


def _draw(bp: Blueprint, rng: np.random.Generator, width: int, height: int) -> Sprite:
    """The blueprint's subject as a sprite on a transparent canvas."""
    cv = drawn_canvas(bp, rng, width, height)
    shades = shade_map(cv, bp.plan.symmetric)
    return Sprite(bp, compose(cv, shades), cv, shades)


def render_sprite(
    prompt: str, seed: int, width: int, height: int, negative: str = "", *, tile: bool = False
) -> np.ndarray:
    """The finished sprite as a (height, width, 4) uint8 RGBA array; with `tile`, a seamless opaque tile of the
    prompt's kind, material or subject."""
    return build(prompt, seed, width, height, negative, tile=tile).image


def render_stages(
    prompt: str, seed: int, width: int, height: int, steps: int, negative: str = "", *, tile: bool = False
) -> Iterator[np.ndarray]:
    """Exactly `steps` RGBA frames from coarse and noisy to the final sprite (the last frame)."""
    steps = check_steps(steps)
    final = render_sprite(prompt, seed, width, height, negative, tile=tile)
    rng = rng_for(
        "stages", " ".join(voc.words(prompt)), check_seed(seed), f"{width}x{height}", " ".join(voc.words(negative))
    )
    return preview_frames(final, steps, rng)
