"""From a backend's render to the PNGs that are stored: the post-processing pipeline, and the raw render
kept beside the result. CPU work only; jobs/saving.py calls it in a thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..pixelart import run_pipeline
from . import image_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessedImage:
    png: bytes
    raw_png: bytes | None  # the render before post-processing; None when no step ran
    width: int
    height: int
    metadata: dict[str, Any]


def postprocess_render(render: Image.Image, metadata: dict[str, Any], steps: list[dict[str, Any]]) -> ProcessedImage:
    """Run `steps` on `render`. The processed PNG's text chunks hold `metadata` plus every step as applied
    (`postprocess`: params and what each step found); the raw PNG holds `metadata` alone. A pipeline that
    fails keeps the raw render as the image, with the reason under `postprocess_error`, so nothing is lost."""
    metadata = {**metadata, "width": render.width, "height": render.height}
    if not steps:
        return ProcessedImage(image_files.encode_png(render, metadata), None, render.width, render.height, metadata)
    raw_png = image_files.encode_png(render, {**metadata, "raw": True})
    try:
        image, record = run_pipeline(render, steps)
    except Exception as exc:  # a bug in a step must not cost the user the render
        log.warning("post-processing failed, keeping the raw render: %r", exc)
        failed = {**metadata, "postprocess_error": f"{exc!r}; the image is the raw render"}
        return ProcessedImage(image_files.encode_png(render, failed), None, render.width, render.height, failed)
    processed = {
        **metadata,
        "width": image.width,
        "height": image.height,
        "postprocess": record,
        "raw_size": [render.width, render.height],
    }
    return ProcessedImage(image_files.encode_png(image, processed), raw_png, image.width, image.height, processed)
