"""Assigns materials to a drawing's roles: prompt materials first, then seeded defaults."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .planning import Blueprint

FALLBACKS: tuple[str, ...] = ("steel", "grey", "stone", "wood", "blue", "green", "purple", "gold", "white")


class MaterialPicker:
    """Role 0 is the main body, role 1 the trim, role 2 the accent.

    Prompt materials fill roles in prompt order; roles the prompt leaves open take a seeded
    default that the negative prompt allows and that is not already in use.
    """

    def __init__(self, bp: Blueprint, rng: np.random.Generator):
        self.bp = bp
        self.rng = rng
        self.prompt = list(bp.plan.materials)
        self.used: list[str] = []

    def role(self, index: int, defaults: Sequence[str]) -> str:
        choice = self.prompt[index] if index < len(self.prompt) else self._choose(defaults)
        self.used.append(choice)
        return choice

    def fixed(self, defaults: Sequence[str]) -> str:
        """A material that prompt words do not override (skin, hair, leather...)."""
        options = [m for m in defaults if self.bp.allows(m)] or list(defaults)
        return options[int(self.rng.integers(len(options)))]

    def _choose(self, defaults: Sequence[str]) -> str:
        allowed = [m for m in defaults if self.bp.allows(m)]
        fresh = [m for m in allowed if m not in self.used]
        options = fresh or allowed or [m for m in FALLBACKS if self.bp.allows(m)] or ["grey"]
        return options[int(self.rng.integers(len(options)))]
