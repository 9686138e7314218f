"""Preview rendering figures: our half-block renderer against rich-pixels, in time and in bytes per frame.

A real procedural sprite (knight, seed 1, 64x64 RGBA) and the same sprite upscaled x8 (512x512, nearest) are drawn
into a 64x32 cell box (64x64 half-block pixels), i.e. x1 and a /8 downscale.

  halfblock_*_ms       image -> Textual Strips (what SpritePreview does per new image or size; colours warm)
  halfblock_*_cold_ms  the same with the style cache emptied first (a sprite whose colours were never seen)
  halfblock_*_ansi_ms  image -> Strips -> ANSI text through a Rich Console (like for like with rich-pixels)
  richpixels_*_ms      Pixels.from_image(resize=same size, NEAREST) -> ANSI text through a Rich Console
  *_bytes              UTF-8 bytes of the ANSI for one frame on a truecolor terminal

    python bench/tui_render.py [--json] [--runs N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from PIL import Image
from rich_pixels import Pixels
from textual.strip import StripRenderable

from dgx_pixels_tui.previews import fit_integer_scale, frame_ansi_bytes, render_ansi, render_halfblock
from dgx_pixels_tui.previews import halfblock as halfblock_module
from dgx_pixels_worker.procedural import render_sprite

from _harness import median, report

COLS, ROWS = 64, 32
TARGETS = {"halfblock_64_ms": "target <= 3", "halfblock_512_ms": "target <= 5"}


def timed_ms(action: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return median(samples)


def rich_pixels_ansi(image: Image.Image) -> str:
    size = fit_integer_scale(image.width, image.height, COLS, ROWS * 2).size(image.width, image.height)
    return render_ansi(Pixels.from_image(image, resize=size), COLS)


def measure(runs: int) -> dict[str, float]:
    sprite = render_sprite("knight", 1, 64, 64)
    images = {"64": sprite, "512": sprite.repeat(8, axis=0).repeat(8, axis=1)}
    figures: dict[str, float] = {}
    for name, pixels in images.items():
        render_halfblock(pixels, COLS, ROWS)  # warm-up
        figures[f"halfblock_{name}_ms"] = timed_ms(lambda pixels=pixels: render_halfblock(pixels, COLS, ROWS), runs)
        figures[f"halfblock_{name}_bytes"] = frame_ansi_bytes(render_halfblock(pixels, COLS, ROWS))
    for name, pixels in images.items():
        figures[f"halfblock_{name}_cold_ms"] = timed_ms(
            lambda pixels=pixels: render_halfblock(pixels, COLS, ROWS), runs, before=halfblock_module._CELL_STYLES.clear
        )
        figures[f"halfblock_{name}_ansi_ms"] = timed_ms(
            lambda pixels=pixels: render_ansi(StripRenderable(render_halfblock(pixels, COLS, ROWS), COLS), COLS), runs
        )
    for name, pixels in images.items():
        image = Image.fromarray(np.ascontiguousarray(pixels), "RGBA")
        figures[f"richpixels_{name}_ms"] = timed_ms(lambda image=image: rich_pixels_ansi(image), runs)
        figures[f"richpixels_{name}_bytes"] = len(rich_pixels_ansi(image).encode("utf-8"))
    order = [
        f"{renderer}_{name}_{figure}"
        for renderer in ("halfblock", "richpixels")
        for figure in ("ms", "bytes")
        for name in images
    ]
    return {key: figures[key] for key in order} | figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--runs", type=int, default=300, help="timed runs per figure, at least 200 (median reported)")
    args = parser.parse_args()
    runs = max(args.runs, 200)
    report(f"Preview rendering, {COLS}x{ROWS} cells, median of {runs} runs", measure(runs), TARGETS, args.json)


if __name__ == "__main__":
    main()
