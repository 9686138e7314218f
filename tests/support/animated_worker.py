"""The recorded worker with an animation and a tile in its gallery, made here (fixed pixels, no worker needed).

`WALK` is a 4-frame walk sheet (each frame the recorded knight, shifted one pixel up on frames 1 and 3 and with a
coloured marker that moves, so every frame differs); `TILE` a 16 x 16 brick tile whose edges continue into each
other. Both are the gallery's newest images, the tile first, and `image()` answers their PNGs (shrunk to `max_px`
as the worker does).
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from typing import Any

import numpy as np
from PIL import Image

from dgx_pixels_worker.protocol import messages as m

from tests.support.recorded_worker import JOBS, T0, RecordedClient, images, sprite_png

FRAMES = 4
FRAME_PX = 32
TILE_PX = 16


def png_of(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


@cache
def walk_sheet() -> np.ndarray:
    """(32, 128, 4): four 32 x 32 frames, left to right."""
    sprite = np.asarray(Image.open(io.BytesIO(sprite_png("red knight with a sword", 42, FRAME_PX))).convert("RGBA"))
    frames = []
    for index in range(FRAMES):
        frame = np.roll(sprite, -(index % 2), axis=0).copy()
        frame[FRAME_PX - 2 :, index * 8 : index * 8 + 8] = (250, 200, 40, 255)  # a foot mark that walks along
        frames.append(frame)
    return np.concatenate(frames, axis=1)


@cache
def brick_tile() -> np.ndarray:
    """(16, 16, 4): red bricks with grey mortar, offset every other row of bricks; it wraps without a seam."""
    tile = np.zeros((TILE_PX, TILE_PX, 4), np.uint8)
    tile[...] = (170, 60, 45, 255)
    tile[::4] = (120, 120, 120, 255)
    for row in range(0, TILE_PX, 4):
        x = 0 if (row // 4) % 2 == 0 else 8
        tile[row : row + 4, x] = (120, 120, 120, 255)
    tile[1::4, 1::8] = (200, 90, 70, 255)  # a highlight per brick
    return tile


def _info(image_id: str, png: bytes, width: int, height: int, created: float, **fields: object) -> m.ImageInfo:
    job = JOBS[-1]
    prompt = "knight walk" if fields.get("frames", 1) != 1 else "brick wall"
    return m.ImageInfo(
        id=image_id,
        job_id=image_id.split("-")[0],
        index=0,
        seed=42,
        width=width,
        height=height,
        path=f"images/2023-11-14/{image_id}.png",
        bytes=len(png),
        sha256=hashlib.sha256(png).hexdigest(),
        created_at=T0 + created,
        params={"prompt": prompt, "model": job.model, "seed": 42, "width": width, "height": height},
        **fields,  # type: ignore[arg-type]
    )


WALK = _info("a1a1a1a1a1a1-0", png_of(walk_sheet()), FRAME_PX * FRAMES, FRAME_PX, 900.0, frames=FRAMES, motion="walk")
TILE = _info("b2b2b2b2b2b2-0", png_of(brick_tile()), TILE_PX, TILE_PX, 950.0, tile=True)
MADE = {WALK.id: walk_sheet(), TILE.id: brick_tile()}


class AnimatedClient(RecordedClient):
    """The recorded worker whose gallery starts with TILE and WALK."""

    async def images(self, query: str = "", *args: Any, **kwargs: Any) -> m.ImagesReply:
        reply = await super().images(query, *args, **kwargs)
        ours = [image for image in (TILE, WALK) if query.lower() in str(image.params["prompt"])]
        return m.ImagesReply(images=[*ours, *reply.images], total=reply.total + len(ours))

    async def image(
        self, image_id: str, include_bytes: bool = True, max_px: int | None = None, raw: bool = False
    ) -> m.ImageReply:
        info = {WALK.id: WALK, TILE.id: TILE}.get(image_id)
        if info is None:
            return await super().image(image_id, include_bytes, max_px, raw)
        if not include_bytes:
            return m.ImageReply(image=info)
        png = png_of(MADE[image_id])
        if max_px is not None:
            from dgx_pixels_worker.jobs.image_files import thumbnail_png

            png = thumbnail_png(png, max_px)
        return m.ImageReply(image=info, png=png)


__all__ = ["TILE", "WALK", "AnimatedClient", "brick_tile", "images", "walk_sheet"]
