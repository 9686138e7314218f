"""Argument checks shared by the public functions; messages tell the user what to pass instead."""

from __future__ import annotations

import operator
from typing import SupportsIndex

MIN_SIZE = 16
MAX_SIZE = 128
MAX_STEPS = 100
SEED_MODULUS = 2**63


def check_size(width: object, height: object) -> tuple[int, int]:
    w = _as_int(width, "width", "pass a size such as 64x64")
    h = _as_int(height, "height", "pass a size such as 64x64")
    for name, value in (("width", w), ("height", h)):
        if not MIN_SIZE <= value <= MAX_SIZE:
            raise ValueError(
                f"{name} {value} is outside {MIN_SIZE}..{MAX_SIZE} for the procedural backend; "
                f"pass a size such as 64x64 (each side {MIN_SIZE} to {MAX_SIZE} pixels)"
            )
    return w, h


def check_steps(steps: object) -> int:
    n = _as_int(steps, "steps", "pass a whole number of steps such as 8")
    if not 1 <= n <= MAX_STEPS:
        raise ValueError(f"steps {n} is outside 1..{MAX_STEPS}; pass a number of preview steps such as 8")
    return n


def check_seed(seed: object) -> int:
    """Any integer is accepted; values outside 0..2**63-1 are folded into that range."""
    value = _as_int(seed, "seed", "pass a whole number such as 42")
    return value % SEED_MODULUS


def check_text(text: object, name: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be text, got {type(text).__name__}; pass a string such as 'fire sword'")
    return text


def _as_int(value: object, name: str, hint: str) -> int:
    refusal = ValueError(f"{name} must be a whole number, got {value!r}; {hint}")
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise refusal
    try:
        return operator.index(value)
    except TypeError:  # an __index__ that returns no int
        raise refusal from None
