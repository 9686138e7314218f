"""Embedded procedural pixel-sprite generator: offline, deterministic, no AI and no GPU.

Prompt words choose a subject (character, weapon, potion, gem, chest, creature, tile, ...) and
colour/material ramps; the seed varies the design.  See docs/procedural.md.
"""

from .animation import MAX_SHEET_WIDTH, MOTIONS, render_animation, render_animation_stages
from .planning import SpritePlan, plan_sprite, unused_words
from .render import render_sprite, render_stages
from .validation import MAX_SIZE, MIN_SIZE
from .version import GENERATOR_VERSION

__all__ = [
    "GENERATOR_VERSION",
    "MAX_SHEET_WIDTH",
    "MAX_SIZE",
    "MIN_SIZE",
    "MOTIONS",
    "SpritePlan",
    "plan_sprite",
    "render_animation",
    "render_animation_stages",
    "render_sprite",
    "render_stages",
    "unused_words",
]
