"""The pixel-art corpus (tests/data/pixelart_corpus): real game sprites, degraded like diffusion output, and how
well a pipeline gets each back. Shared by bench/pixelart.py and tests/unit/pixelart/test_pixelart_corpus.py.

Every image is degraded deterministically (its seed is its place in the corpus): upscaled by a non-integer
factor to about 1024 pixels, cut by a sub-pixel offset at the left and top, blurred, noised and JPEG'd. Opaque
tiles stay opaque; of the sprites, every other one keeps its transparency (soft alpha) and the others are put
on a flat background colour far from their own colours, as a diffusion model paints them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dgx_pixels_worker.pixelart import DEFAULT_PIPELINE, run_pipeline
from dgx_pixels_worker.pixelart.colour import srgb_to_oklab
from dgx_pixels_worker.pixelart.pipeline import pipeline_warnings
from dgx_pixels_worker.pixelart.synthetic import flatten, soften, soften_rgba

CORPUS = Path(__file__).resolve().parents[1] / "data" / "pixelart_corpus"
GROUPS = ("transparent", "flat_background", "opaque_tile")
COLOUR_TOLERANCE = 24  # a pixel is right when its colour is within this on every channel (and its alpha matches)
# Colours closer than this (OKLab distance; about 3 steps of 255 in a mid grey) are one colour to the eye and
# cannot be told apart after the noise of a render: the true palette size counts them once.
SAME_COLOUR = 0.012
DISTINCT_COLOURS = 0.08  # colours this far apart (OKLab) are clearly two: merging them is damage
BACKGROUNDS = ((255, 255, 255), (236, 236, 236), (200, 200, 200), (128, 128, 128), (232, 224, 208), (40, 40, 48))


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    truth: np.ndarray  # (H, W, 4) uint8, one-bit alpha: what the pipeline should give back
    render: Image.Image  # the degraded ~1024 px image


@cache
def cases() -> tuple[Case, ...]:
    """Every corpus image with its degraded render, in the manifest's order."""
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    out = []
    sprites = 0
    for seed, entry in enumerate(manifest["images"]):
        truth = np.array(Image.open(CORPUS / entry["file"]).convert("RGBA"))
        if entry["file"].startswith(("tile", "strip")):
            group = "opaque_tile"
        else:
            group = GROUPS[sprites % 2]
            sprites += 1
            if entry["file"].startswith("sprite"):
                margin = 2 + seed % 3
                truth = np.pad(truth, ((margin, margin), (margin, margin), (0, 0)))
        out.append(Case(entry["file"], group, truth, degrade(truth, group, seed)))
    return tuple(out)


def degrade(truth: np.ndarray, group: str, seed: int) -> Image.Image:
    """The sprite as a diffusion model might paint it: see the module docstring."""
    rng = np.random.default_rng(seed)
    side = rng.uniform(960, 1088)
    factor = float(np.floor(side / max(truth.shape[:2])) + rng.uniform(0.15, 0.85))
    # less than half a cell, so the first cell still counts (see pixelart.grid.Grid)
    crop = (int(rng.integers(0, int(factor / 2))), int(rng.integers(0, int(factor / 2))))
    blur = factor / 6 * rng.uniform(0.7, 1.3)
    noise = rng.uniform(2.0, 6.0)
    quality = int(rng.integers(70, 93))
    if group == "transparent":
        return soften_rgba(truth, factor, crop, blur, noise, quality, seed)
    if group == "flat_background":
        truth = flatten(truth, _far_background(truth, rng))
    return soften(truth, factor, crop, blur, noise, quality, seed)


def _far_background(truth: np.ndarray, rng: np.random.Generator) -> tuple[int, int, int]:
    colours = truth[truth[:, :, 3] > 0][:, :3].astype(float)
    far = [bg for bg in BACKGROUNDS if np.sqrt(((colours - bg) ** 2).sum(axis=1)).min() > 60]
    choice = far or list(BACKGROUNDS)
    return choice[int(rng.integers(0, len(choice)))]


def palette_size(rgba: np.ndarray, same: float = SAME_COLOUR) -> int:
    """The visible colours, those closer than `same` (OKLab) to a more common one counted with it."""
    visible = rgba[rgba[:, :, 3] > 0][:, :3]
    if len(visible) == 0:
        return 0
    colours, counts = np.unique(visible, axis=0, return_counts=True)
    lab = srgb_to_oklab(colours)[np.argsort(-counts, kind="stable")]
    kept: list[np.ndarray] = []
    for colour in lab:
        if not kept or np.sqrt(((np.array(kept) - colour) ** 2).sum(axis=1)).min() >= same:
            kept.append(colour)
    return len(kept)


def merged_colours(result: np.ndarray, truth: np.ndarray, apart: float = DISTINCT_COLOURS) -> int:
    """How many pairs of the truth's colours at least `apart` (OKLab) came out as one colour (each truth colour
    taken as the colour most of its pixels became); 0 when the sizes differ."""
    if result.shape != truth.shape:
        return 0
    both = (truth[:, :, 3] > 0) & (result[:, :, 3] > 0)
    became: dict[tuple[int, ...], dict[tuple[int, ...], int]] = {}
    for before, after in zip(map(tuple, truth[both][:, :3]), map(tuple, result[both][:, :3]), strict=True):
        counts = became.setdefault(before, {})
        counts[after] = counts.get(after, 0) + 1
    colours = list(became)
    outcome = [max(became[c], key=became[c].__getitem__) for c in colours]
    lab = srgb_to_oklab(np.array(colours, dtype=np.uint8).reshape(-1, 3))
    return sum(
        outcome[i] == outcome[j] and float(np.linalg.norm(lab[i] - lab[j])) >= apart
        for i in range(len(colours))
        for j in range(i + 1, len(colours))
    )


def pixels_right(result: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(H, W) bool: alpha matches and, where opaque, the colour is within COLOUR_TOLERANCE; all False when the
    sizes differ."""
    if result.shape != truth.shape:
        return np.zeros(truth.shape[:2], dtype=bool)
    opaque = truth[:, :, 3] > 0
    alpha_ok = (result[:, :, 3] > 0) == opaque
    colour_ok = np.abs(result[:, :, :3].astype(int) - truth[:, :, :3]).max(axis=2) <= COLOUR_TOLERANCE
    return alpha_ok & (colour_ok | ~opaque)


def grid_doubt_reported(record: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the run's record says that no pixel grid was found (so the raw render was kept) or that the one
    found is doubtful: what the job's result passes on as postprocess_warning."""
    return bool(pipeline_warnings(record))


def measure(
    steps: Sequence[Mapping[str, Any]] | str = DEFAULT_PIPELINE, chosen: Sequence[Case] | None = None
) -> dict[str, Any]:
    """The corpus figures of a pipeline: size_exact_share, pixels_right_<group>, colour_count_error_median,
    distinct_colours_merged (pairs of clearly different colours of a sprite that came out as one),
    failures_silent (a wrong size the record does not own up to), failures_reported, and the median and p90
    milliseconds per 1024 px render (CPU time of this process, so that other work on a shared machine does
    not count); per_image holds each image's figures."""
    right = {group: [0, 0] for group in GROUPS}
    per_image = []
    times = []
    for case in chosen or cases():
        began = time.process_time()
        image, record = run_pipeline(case.render, steps)
        times.append((time.process_time() - began) * 1000)
        result = np.array(image)
        ok = pixels_right(result, case.truth)
        right[case.group][0] += int(ok.sum())
        right[case.group][1] += ok.size
        exact = result.shape == case.truth.shape
        per_image.append(
            {
                "name": case.name,
                "group": case.group,
                "size_exact": exact,
                "size": [result.shape[1], result.shape[0]],
                "true_size": [case.truth.shape[1], case.truth.shape[0]],
                "pixels_right": float(ok.mean()),
                "colours": palette_size(result, same=1e-9) if exact else None,
                "true_colours": palette_size(case.truth),
                "colours_merged": merged_colours(result, case.truth),
                "reported": grid_doubt_reported(record),
            }
        )
    exact_images = [item for item in per_image if item["size_exact"]]
    return {
        "images": len(per_image),
        "size_exact_share": len(exact_images) / len(per_image),
        **{f"pixels_right_{group}": right[group][0] / max(1, right[group][1]) for group in GROUPS},
        "colour_count_error_median": statistics.median(
            abs(item["colours"] - item["true_colours"]) for item in exact_images
        )
        if exact_images
        else float("inf"),
        "distinct_colours_merged": sum(item["colours_merged"] for item in per_image),
        "failures_silent": sum(not item["size_exact"] and not item["reported"] for item in per_image),
        "failures_reported": sum(not item["size_exact"] and item["reported"] for item in per_image),
        "ms_per_1024_median": statistics.median(times),
        "ms_per_1024_p90": sorted(times)[min(len(times) - 1, round(0.9 * (len(times) - 1)))],
        "per_image": per_image,
    }
