"""From a backend's render to the PNGs that are stored: the post-processing pipeline, and the raw render
kept beside the result, and the bounds a pipeline keeps. CPU work only; jobs/saving.py calls it in a thread."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..pixelart import run_pipeline, smallest_output
from ..pixelart.frames import align_sheet
from ..pixelart.lint import lint_image
from ..pixelart.pipeline import pipeline_warnings
from ..protocol import ErrorCode, WorkerError
from ..settings.config import LimitsSettings
from . import image_files

log = logging.getLogger(__name__)

# The largest side post-processing may make when the caller names no limit: the shipped `[limits] max_size`.
# A render larger than that may stay as large, never grow.
DEFAULT_MAX_SIDE = 2048


def bounded_pipeline(
    steps: list[dict[str, Any]], size: tuple[int, int], limits: LimitsSettings, model: str
) -> list[dict[str, Any]]:
    """`steps`, checked against `[limits]`: at most `max_postprocess_steps` of them, and no output that must be
    larger than `max_size` a side (known up front for upscales of a known size); WorkerError(INVALID) if not."""
    if len(steps) > limits.max_postprocess_steps:
        raise WorkerError(
            ErrorCode.INVALID,
            f"post-processing for {model!r} has {len(steps)} steps; the limit is {limits.max_postprocess_steps}",
            {"field": "postprocess"},
        )
    width, height = smallest_output(steps, size)
    if max(width, height) > limits.max_size:
        raise WorkerError(
            ErrorCode.INVALID,
            f"post-processing for {model!r} would make a {size[0]}x{size[1]} image at least {width}x{height}, "
            f"beyond the {limits.max_size} pixels a side allowed; use a smaller upscale",
            {"field": "postprocess"},
        )
    return steps


@dataclass(frozen=True)
class ProcessedImage:
    png: bytes
    raw_png: bytes | None  # the render before post-processing; None when no step ran
    width: int
    height: int
    metadata: dict[str, Any]


def postprocess_render(
    render: Image.Image,
    metadata: dict[str, Any],
    steps: list[dict[str, Any]],
    max_size: int | None = None,
    palette: Sequence[str] = (),
    tile: bool = False,
) -> ProcessedImage:
    """Run `steps` on `render`. The processed PNG's text chunks hold `metadata` plus every step as applied
    (`postprocess`: params and what each step found); the raw PNG holds `metadata` alone. A pipeline that
    fails keeps the raw render as the image, with the reason under `postprocess_error`, so nothing is lost;
    so does one whose steps would make an image larger than `max_size` a side (DEFAULT_MAX_SIDE, or the
    render's own size when that is larger), refused before the step allocates. The stored image's quality
    figures (pixelart/lint.py: against `palette`, the locked one, and as a tile when `tile`) go under `lint`.
    A tile skips any `background` step."""
    metadata = {**metadata, "width": render.width, "height": render.height}
    if tile:  # a seamless tile fills its frame: it has no background, and a flood from its edge would eat it
        steps = [step for step in steps if step["op"] != "background"]
    if not steps:
        metadata["lint"] = lint_image(render, palette, tile).to_dict()
        return ProcessedImage(image_files.encode_png(render, metadata), None, render.width, render.height, metadata)
    raw_png = image_files.encode_png(render, {**metadata, "raw": True})
    try:
        limit = max(max_size or DEFAULT_MAX_SIDE, render.width, render.height)
        image, record = run_pipeline(render, steps, max_side=limit)
        aligned: dict[str, Any] = {}
        if metadata.get("frames", 1) > 1:  # an animation's sheet: its frames set on one baseline
            image, aligned = align_sheet(image, metadata["frames"], record)
    except Exception as exc:  # a bug in a step must not cost the user the render
        log.warning("post-processing failed, keeping the raw render: %r", exc)
        failed = {**metadata, "postprocess_error": f"{exc!r}; the image is the raw render"}
        failed["lint"] = lint_image(render, palette, tile).to_dict()
        return ProcessedImage(image_files.encode_png(render, failed), None, render.width, render.height, failed)
    processed = {
        **metadata,
        "width": image.width,
        "height": image.height,
        "postprocess": record,
        "raw_size": [render.width, render.height],
        **({"frames_aligned": aligned} if aligned else {}),
        "lint": lint_image(image, palette, tile, record).to_dict(),
    }
    warnings = pipeline_warnings(record)
    if warnings:
        processed["postprocess_warning"] = "; ".join(warnings)
    return ProcessedImage(image_files.encode_png(image, processed), raw_png, image.width, image.height, processed)
