"""From a backend's result to an image on disk: post-processing, the PNG files, and the image's record."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ..backends import Backend, RenderTask, Result
from ..protocol.messages import ImageInfo
from . import image_files
from .cache_keys import cache_key
from .params import SpriteParams
from .postprocess import postprocess_render
from .record import JobRecord, image_id

INLINE_ENCODE_PIXELS = 256 * 256


class ImageSaver:
    def __init__(self, data_dir: Path, max_size: int):
        self._data_dir = data_dir
        self._max_size = max_size  # [limits] max_size: no post-processing step makes a larger side

    async def save(
        self, job: JobRecord, task: RenderTask, result: Result, backend: Backend
    ) -> tuple[ImageInfo, str | None]:
        """Write the image's files; its record and its cache key (None when the backend has no render identity)."""
        p = job.params
        assert isinstance(p, SpriteParams)  # a training job saves a LoRA, not images (training/)
        metadata = {
            "prompt": p.prompt,
            "negative": p.negative,
            "model": p.model,
            "steps": p.steps,
            "cfg": p.cfg,
            "tags": list(p.tags),
            "seed": task.seed,
            "backend": backend.kind,
            **result.info,
        }
        if p.frames > 1:
            metadata.update(frames=p.frames, motion=p.motion)
        if p.tile:
            metadata["tile"] = True
        if p.init_image is not None:
            metadata.update(init_image=p.init_image, strength=p.strength)
        steps = list(p.postprocess)
        if steps or result.image.width * result.image.height > INLINE_ENCODE_PIXELS:
            processed = await asyncio.to_thread(
                postprocess_render, result.image, metadata, steps, self._max_size, p.palette, p.tile
            )
        else:  # a small sprite encodes in well under a millisecond: a thread hop would cost more
            processed = postprocess_render(result.image, metadata, steps, self._max_size, p.palette, p.tile)
        relative = image_files.relative_image_path(job.id, task.index, job.created_at)
        raw_relative = None
        if processed.raw_png is not None:
            raw_relative = relative.removesuffix(".png") + ".raw.png"
            image_files.write_atomically(self._data_dir, raw_relative, processed.raw_png)
        image_files.write_atomically(self._data_dir, relative, processed.png)
        info = ImageInfo(
            id=image_id(job.id, task.index),
            job_id=job.id,
            index=task.index,
            seed=task.seed,
            width=processed.width,
            height=processed.height,
            path=relative,
            bytes=len(processed.png),
            sha256=image_files.sha256(processed.png),
            created_at=time.time(),
            params=processed.metadata,
            raw_path=raw_relative,
            frames=p.frames,
            motion=p.motion,
            tile=p.tile,
            lint=processed.metadata.get("lint"),
        )
        identity = backend.render_identity(job.model)
        return info, cache_key(identity, p, task.seed) if identity else None
