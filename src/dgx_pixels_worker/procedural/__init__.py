"""Embedded procedural pixel-sprite generator: offline, deterministic, no AI and no GPU.

Prompt words choose a subject (character, weapon, potion, gem, chest, creature, tile, ...) and
colour/material ramps; the seed varies the design.  See docs/procedural.md.
"""

from .planning import SpritePlan, plan_sprite, unused_words
from .render import render_sprite, render_stages
from .validation import MAX_SIZE, MIN_SIZE
from .version import GENERATOR_VERSION

__all__ = [
    "GENERATOR_VERSION",
    "MAX_SIZE",
    "MIN_SIZE",
    "SpritePlan",
    "plan_sprite",
    "render_sprite",
    "render_stages",
    "unused_words",
]
