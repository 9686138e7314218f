"""Seam scores of seamless tiles (pixelart/seams.py: difference across the wrap edges / difference inside; about 1
or less reads seamless), before and after each method's seam step.

Procedural tiles: every tile kind and a few subjects asked as tiles, over seeds and sizes; "before" is the same
periodic tile cut at a random place, "after" the tile as the generator cuts it (where neighbours differ least).

ComfyUI's seam pass, on synthetic seamed tiles (crops of smooth noise whose opposite edges do not meet): the
first render's edge score, the score after the half-tile shift (the edges are the first render's inside), and the
old seam left inside the tile (the central cross, scored like an edge) before and after the cross is repainted
with the seam mask. The repaint here is a stand-in for the diffusion model: a smooth fill of the masked cross from
its surroundings, blended by the mask as ImageCompositeMasked does. `--double N` also runs N tile jobs through a
real worker and the ComfyUI test double and reports the scores of what the worker stored.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

from dgx_pixels_worker.backends.comfyui.tiles import rolled, seam_alpha
from dgx_pixels_worker.pixelart.seams import seam_score
from dgx_pixels_worker.procedural import render_sprite

from _harness import median, report, start_worker

from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.streams import collect_until_terminal

PROMPTS = ["grass", "stone", "water", "sand", "brick", "wood", "lava", "dirt", "snow", "ice", "gold coin", "knight"]
SIZES = [(32, 32), (64, 64), (48, 96)]
GRAIN = 3.0  # the synthetic texture's pixel noise


def procedural(seeds: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    before, after = [], []
    for prompt in PROMPTS:
        for seed in range(seeds):
            for w, h in SIZES:
                tile = render_sprite(prompt, seed, w, h, tile=True)
                after.append(seam_score(tile))
                before.append(seam_score(np.roll(tile, (int(rng.integers(h)), int(rng.integers(w))), axis=(0, 1))))
    return {
        "procedural_tiles": len(after),
        "procedural_random_cut_median": median(before),
        "procedural_random_cut_max": max(before),
        "procedural_median": median(after),
        "procedural_max": max(after),
    }


def seamed_texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A crop of smooth noise with a little grain: its inside varies slowly, its opposite edges do not meet."""
    coarse = rng.random((size // 8 + 2, size // 8 + 2, 3)) * 255
    field = np.asarray(
        Image.fromarray(coarse.astype(np.uint8), "RGB").resize((size * 2, size * 2), Image.Resampling.BICUBIC)
    )
    crop = field[size // 3 : size // 3 + size, size // 2 : size // 2 + size].astype(np.float32)
    return np.clip(crop + rng.normal(0, GRAIN, crop.shape), 0, 255).astype(np.uint8)


def cross_score(image: np.ndarray) -> float:
    """The seam score of the central cross: the tile shifted back by half, so the cross is on its edges."""
    h, w = image.shape[:2]
    return seam_score(np.roll(image, (-(h // 2), -(w // 2)), axis=(0, 1)))


def stand_in_repaint(shifted: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, rounds: int = 300) -> np.ndarray:
    """Fill the masked cross smoothly from its surroundings, with the texture's grain drawn again as a model
    would, then composite by the mask."""
    repaint = 1.0 - alpha.astype(np.float32)[..., None] / 255.0
    kept = shifted.astype(np.float32)
    fill = kept.copy()
    inside = repaint[..., 0] > 0
    for _ in range(rounds):
        padded = np.pad(fill, ((1, 1), (1, 1), (0, 0)), mode="edge")
        smooth = (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]) / 4
        fill[inside] = smooth[inside]
    fill += rng.normal(0, GRAIN, fill.shape)
    return np.clip(fill * repaint + kept * (1.0 - repaint) + 0.5, 0, 255).astype(np.uint8)


def seam_pass(count: int, size: int = 128) -> dict[str, float]:
    rng = np.random.default_rng(1)
    first, shifted_edges, cross_before, cross_after, final = [], [], [], [], []
    alpha = seam_alpha(size, size)
    for _ in range(count):
        texture = seamed_texture(rng, size)
        shifted = np.asarray(rolled(Image.fromarray(texture)))
        repainted = stand_in_repaint(shifted, alpha, rng)
        first.append(seam_score(texture))
        shifted_edges.append(seam_score(shifted))
        cross_before.append(cross_score(shifted))
        cross_after.append(cross_score(repainted))
        final.append(seam_score(repainted))
    return {
        "synthetic_tiles": count,
        "synthetic_first_pass_median": median(first),
        "synthetic_after_shift_median": median(shifted_edges),
        "synthetic_cross_before_repaint_median": median(cross_before),
        "synthetic_cross_after_repaint_median": median(cross_after),
        "synthetic_final_median": median(final),
    }


async def through_double(count: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="dgx-bench-tiles-"))
    double = ComfyUIDouble(root / "gpu1", checkpoints=["sd_xl_base_1.0.safetensors"], loras=[], step_time=0.0).start()
    config = (
        "[worker]\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\n"
        f'[[backends]]\nname = "gpu1"\nurl = "{double.url}"\nslots = 1\nhealth_interval_s = 0.3\n'
    )
    worker = start_worker(config)
    before, inside, after, stored = [], [], [], []
    try:
        async with worker.client() as client:
            for _ in range(100):  # the worker's first health check of the double
                if any(x.name == "sdxl-base" and x.available for x in await client.models()):
                    break
                await asyncio.sleep(0.1)
            stream = client.events()
            await anext(stream)
            for seed in range(count):
                job = await client.generate(
                    "stone floor", model="sdxl-base", width=128, height=128, steps=4, seed=seed, tile=True
                )
                done = (await collect_until_terminal(stream, [job.id], timeout=60))[-1].body.job
                reply = await client.image(done.images[0], raw=True)
                first = pixels(double_output(double.url, reply.image.params["tile_first_prompt_id"]))
                before.append(seam_score(first))
                inside.append(cross_score(first))
                after.append(seam_score(pixels(reply.png)))
                stored.append(seam_score(pixels((await client.image(done.images[0])).png)))
    finally:
        worker.kill()
        double.kill()
    return {
        "double_tiles": count,
        "double_first_pass_median": median(before),
        "double_inside_cut_median": median(inside),
        "double_after_median": median(after),
        "double_stored_median": median(stored),
    }


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def double_output(url: str, prompt_id: str) -> bytes:
    with urllib.request.urlopen(f"{url}/history/{prompt_id}", timeout=10) as response:
        entry = json.loads(response.read())[prompt_id]
    (image,) = [i for out in entry["outputs"].values() for i in out["images"]]
    query = urllib.parse.urlencode({"filename": image["filename"], "subfolder": image["subfolder"], "type": "output"})
    with urllib.request.urlopen(f"{url}/view?{query}", timeout=10) as response:
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--seeds", type=int, default=8, help="procedural seeds per prompt and size (default 8)")
    parser.add_argument("--synthetic", type=int, default=20, help="synthetic seamed tiles (default 20)")
    parser.add_argument("--double", type=int, default=0, help="also run this many tile jobs on the ComfyUI double")
    args = parser.parse_args()
    figures = {**procedural(args.seeds), **seam_pass(args.synthetic)}
    if args.double:
        figures.update(asyncio.run(through_double(args.double)))
    targets = {
        "procedural_max": "<= 1",
        "synthetic_after_shift_median": "about 1: the edges are the first render's inside",
        "synthetic_cross_after_repaint_median": "well below the value before the repaint",
    }
    report("Seam scores (difference across the wrap edges / difference inside)", figures, targets, args.json)


if __name__ == "__main__":
    main()
