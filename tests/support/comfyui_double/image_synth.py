"""Deterministic stand-ins for what a diffusion model would draw: blocky sprites from a seeded RNG.

The picture depends only on (seed, positive prompt, checkpoint, LoRAs), so a client can check that the
image it received belongs to the job it submitted. Everything is drawn at latent size (1/8) and scaled
up by 8 with nearest-neighbour, which keeps a 1024x1024 image well under 10 ms.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
from PIL import Image

LATENT_SCALE = 8


@dataclass(frozen=True)
class SampleRecipe:
    seed: int
    positive: str
    checkpoint: str
    loras: tuple[tuple[str, float, float], ...] = ()
    denoise: float = 1.0

    def rng(self, purpose: str, index: int = 0) -> np.random.Generator:
        key = json.dumps([self.seed, self.positive, self.checkpoint, list(self.loras), purpose, index])
        return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def sprite_pixels(recipe: SampleRecipe, width: int, height: int, index: int = 0) -> np.ndarray:
    """A (height, width, 3) uint8 left-right symmetric sprite on a flat background."""
    rng = recipe.rng("sprite", index)
    palette = rng.integers(0, 256, size=(6, 3), dtype=np.uint8)
    half = (width + 1) // 2
    cells = rng.integers(0, len(palette), size=(height, half))
    cells[rng.random((height, half)) < 0.35] = 0
    mirrored = np.concatenate([cells, cells[:, : width - half][:, ::-1]], axis=1)
    return palette[mirrored]


def noise_pixels(recipe: SampleRecipe, width: int, height: int) -> np.ndarray:
    return recipe.rng("noise").integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def blank_pixels(width: int, height: int) -> np.ndarray:
    # What decoding an all-zero SD1.5 latent looks like: a flat mid-grey.
    return np.full((height, width, 3), 127, dtype=np.uint8)


def upscale_nearest(small: np.ndarray, factor: int = LATENT_SCALE) -> np.ndarray:
    return np.repeat(np.repeat(small, factor, axis=0), factor, axis=1)


def preview_frame(final_small: np.ndarray, noise_small: np.ndarray, step: int, total: int) -> Image.Image:
    """What a latent2rgb preview shows after `step` of `total` steps: noise fading into the final sprite."""
    t = step / max(total, 1)
    mixed = (1.0 - t) * noise_small.astype(np.float32) + t * final_small.astype(np.float32)
    return Image.fromarray(mixed.astype(np.uint8), "RGB")
