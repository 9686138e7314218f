"""Preview frames like a diffusion sampler's: noisy colour blocks that sharpen into the final sprite.

The final sprite is computed once; earlier frames are cheap blends of a block mosaic of it with
seeded noise, so previews cost little next to the render itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def preview_frames(final: np.ndarray, steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    h, w = final.shape[:2]
    if steps > 1:
        noise = rng.integers(0, 256, size=(h, w, 4), dtype=np.uint8).astype(np.float32)
        noise[..., 3] = 255.0
        opaque = final[..., 3] > 0
        tint = final[opaque].mean(axis=0) if opaque.any() else np.full(4, 128.0)
        noise = 0.5 * noise + 0.5 * tint.astype(np.float32)
        noise[..., 3] = 255.0
        ys, xs = np.arange(h), np.arange(w)
        widest = max(h, w)
        for i in range(1, steps):
            t = i / steps
            block = max(1, int(widest * 0.25 * (1.0 - t) ** 2 + 0.5))
            rows = np.minimum(ys // block * block + block // 2, h - 1)
            cols = np.minimum(xs // block * block + block // 2, w - 1)
            mosaic = final[rows][:, cols].astype(np.float32)
            a = np.float32((1.0 - t) ** 1.5)
            frame = mosaic * (1 - a) + noise * a
            yield (frame + 0.5).astype(np.uint8)
    yield final.copy()
