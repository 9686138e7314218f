"""Pixel-art pipeline figures: a 1024x1024 soft render of a 64x64 sprite back to the finished sprite.

The input (prepared once, outside the timing) is a 64x64 procedural sprite on a flat background,
upscaled x16, blurred (radius 16/6), with Gaussian noise (sigma 4) and a JPEG round trip (quality 85).
The pipeline is DEFAULT_PIPELINE: grid detection and downscale, background to one-bit alpha, quantise
to 16 colours. recovered_fraction compares the sprite after grid + background with the original:
alpha equal and colour within 24 (before quantising, which changes colours on purpose).

    python bench/pixelart.py [--json] [--runs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dgx_pixels_worker.pixelart import DEFAULT_PIPELINE, apply_step, as_rgba, run_pipeline, validate_pipeline
from dgx_pixels_worker.pixelart.synthetic import flatten, soften
from dgx_pixels_worker.procedural import render_sprite

from _harness import median, percentile, report

BACKGROUND = (90, 140, 200)
STEP_FIGURES = {"grid": "grid_ms", "background": "alpha_ms", "quantize": "quantize_ms"}


def measure(runs: int) -> dict[str, float]:
    sprite = render_sprite("red knight", 7, 64, 64)
    image = soften(flatten(sprite, BACKGROUND), 16, seed=7)
    run_pipeline(image)  # warm-up: first calls pay for imports and allocations
    totals = []
    for _ in range(runs):
        began = time.perf_counter()
        run_pipeline(image)
        totals.append((time.perf_counter() - began) * 1000)
    steps = validate_pipeline(DEFAULT_PIPELINE)
    per_step: dict[str, list[float]] = {name: [] for name in STEP_FIGURES.values()}
    for _ in range(runs):
        rgba = as_rgba(image)
        for step in steps:
            began = time.perf_counter()
            rgba, _ = apply_step(rgba, step)
            per_step[STEP_FIGURES[step["op"]]].append((time.perf_counter() - began) * 1000)
    recovered = as_rgba(image)
    for step in steps[:2]:
        recovered, _ = apply_step(recovered, step)
    return {
        "pipeline_p50_ms": median(totals),
        "pipeline_p90_ms": percentile(totals, 90),
        **{name: median(values) for name, values in per_step.items()},
        "size_exact": float(recovered.shape[:2] == sprite.shape[:2]),
        "recovered_fraction": _recovered(recovered, sprite),
        "runs": float(runs),
    }


def _recovered(result: np.ndarray, sprite: np.ndarray) -> float:
    if result.shape != sprite.shape:
        return 0.0
    alpha_ok = (result[:, :, 3] > 0) == (sprite[:, :, 3] > 0)
    colour_ok = np.abs(result[:, :, :3].astype(int) - sprite[:, :, :3]).max(axis=2) <= 24
    return float((alpha_ok & (colour_ok | (sprite[:, :, 3] == 0))).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    figures = measure(max(15, args.runs))
    targets = {"pipeline_p50_ms": "target <= 100", "size_exact": "target 1", "recovered_fraction": "target >= 0.95"}
    report("bench/pixelart.py", figures, targets, args.json)


if __name__ == "__main__":
    main()
