"""Ground truth for the pixel-art tests: procedural sprites, and how much of one a result recovered."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest

from dgx_pixels_worker.procedural import render_sprite

BACKGROUND = (90, 140, 200)


@cache
def _sprite(prompt: str, seed: int, size: int) -> np.ndarray:
    return render_sprite(prompt, seed, size, size)


@pytest.fixture
def sprite() -> Callable[..., np.ndarray]:
    """sprite(prompt, seed, size): a (size, size, 4) procedural sprite with one-bit alpha (a fresh copy)."""
    return lambda prompt, seed=1, size=32: _sprite(prompt, seed, size).copy()


def recovered_fraction(result: np.ndarray, truth: np.ndarray, tolerance: int = 24) -> float:
    """Share of pixels whose alpha (transparent or not) matches and, where opaque, whose colour is within
    `tolerance` on every channel; 0 when the sizes differ."""
    if result.shape != truth.shape:
        return 0.0
    alpha_ok = (result[:, :, 3] > 0) == (truth[:, :, 3] > 0)
    colour_ok = np.abs(result[:, :, :3].astype(int) - truth[:, :, :3]).max(axis=2) <= tolerance
    return float((alpha_ok & (colour_ok | (truth[:, :, 3] == 0))).mean())


@pytest.fixture
def recovered() -> Callable[..., float]:
    return recovered_fraction
