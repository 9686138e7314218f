"""Writing finished images: PNG with every generation parameter in text chunks, inside the data directory."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

from ..protocol import ErrorCode, WorkerError

METADATA_KEY = "dgx-pixels"


def png_metadata(params: dict[str, Any]) -> PngImagePlugin.PngInfo:
    """Text chunks: one JSON chunk with everything, plain chunks for common fields, and an A1111-style summary."""
    info = PngImagePlugin.PngInfo()
    info.add_text(METADATA_KEY, json.dumps(params, sort_keys=True))
    for key in ("prompt", "negative", "model", "seed", "steps", "cfg", "backend"):
        if key in params:
            info.add_text(key, str(params[key]))
    summary = (
        f"{params.get('prompt', '')}\nNegative prompt: {params.get('negative_sent', params.get('negative', ''))}\n"
        f"Steps: {params.get('steps')}, CFG scale: {params.get('cfg')}, Seed: {params.get('seed')}, "
        f"Size: {params.get('width')}x{params.get('height')}, Model: {params.get('model')}, "
        f"Backend: {params.get('backend')}"
    )
    info.add_text("parameters", summary)
    return info


def encode_png(image: Image.Image, params: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=png_metadata(params))
    return buffer.getvalue()


def thumbnail_png(data: bytes, max_px: int) -> bytes:
    """The PNG shrunk by the smallest integer factor f that fits both sides within `max_px`, or `data` unchanged
    when it already fits. Nearest neighbour, never blurred: thumbnail pixel (x, y) is source pixel
    (f*x + f//2, f*y + f//2), the centre of its f-by-f block. Sizes are floor(side / f), at least 1 (a side shorter
    than f samples its middle pixel). Re-encoded without the text chunks."""
    with Image.open(io.BytesIO(data)) as image:
        factor = -(-max(image.width, image.height) // max_px)
        if factor <= 1:
            return data
        width, height = max(1, image.width // factor), max(1, image.height // factor)
        box = (0, 0, min(image.width, width * factor), min(image.height, height * factor))
        small = image.resize((width, height), Image.Resampling.NEAREST, box=box)
        extra = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    buffer = io.BytesIO()
    small.save(buffer, "PNG", compress_level=1, **extra)
    return buffer.getvalue()


def first_frame_png(data: bytes, frames: int) -> bytes:
    """An animation sheet's first frame as a PNG of its own, with the sheet's metadata less its frames and motion."""
    params = {k: v for k, v in read_metadata(data).items() if k not in ("frames", "motion", "frames_aligned")}
    with Image.open(io.BytesIO(data)) as image:
        frame = image.convert("RGBA").crop((0, 0, max(1, image.width // frames), image.height))
    return encode_png(frame, {**params, "width": frame.width})


def read_metadata(data: bytes) -> dict[str, Any]:
    with Image.open(io.BytesIO(data)) as image:
        text = image.text.get(METADATA_KEY) if isinstance(image, PngImagePlugin.PngImageFile) else None
    return json.loads(text) if text else {}


def relative_image_path(job_id: str, index: int, created_at: float) -> str:
    day = time.strftime("%Y-%m-%d", time.localtime(created_at))
    return f"images/{day}/{job_id}-{index}.png"


def write_atomically(root: Path, relative: str, data: bytes) -> Path:
    """Write via a temporary file and rename, so a killed process never leaves half a PNG under the final name."""
    target = root / relative
    temporary = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as fh:
            fh.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise WorkerError(
                ErrorCode.DISK_FULL,
                f"no space left to write {target}; free space under {root}",
                {"path": str(target)},
            ) from None
        raise WorkerError(ErrorCode.INTERNAL, f"cannot write {target}: {exc.strerror}", {"path": str(target)}) from None
    return target


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
