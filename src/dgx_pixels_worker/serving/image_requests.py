"""Requests about stored images: one image (with its bytes, raw or shrunk), a page of the gallery, and the
palettes of the worker's library that post-processing may name."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..gallery.images import ImageStore
from ..jobs import image_files
from ..jobs.tags import clean_tag
from ..pixelart.palette_library import default_library
from ..protocol import Envelope, ErrorCode, WorkerError
from ..protocol import messages as m
from ..settings import paths
from .dispatch import Peer


class ImageRequests:
    def __init__(self, images: ImageStore, data_dir: Path):
        self._images = images
        self._data_dir = data_dir

    async def on_image(self, request: m.ImageRequest, envelope: Envelope, peer: Peer) -> m.ImageReply:
        info = self._images.image(request.image_id)
        if info is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"no image {request.image_id!r}; image ids look like JOBID-0",
                {"image_id": request.image_id},
            )
        if not request.include_bytes:
            return m.ImageReply(image=info)
        if request.raw and info.raw_path is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"image {info.id} had no post-processing: the image itself is the raw render",
                {"image_id": info.id},
            )
        path = paths.inside(self._data_dir, info.raw_path if request.raw and info.raw_path else info.path)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"image {info.id} is recorded but its file {path} is gone; regenerate it",
                {"image_id": info.id},
            ) from None
        if request.max_px is not None:
            data = await asyncio.to_thread(image_files.thumbnail_png, data, request.max_px)
        return m.ImageReply(image=info, png=data)

    def on_palettes(self, request: m.PalettesRequest, envelope: Envelope, peer: Peer) -> m.PalettesReply:
        return m.PalettesReply(
            palettes=[
                m.PaletteInfo(name=name, colors=palette.hex() if palette else [], shipped=shipped, error=error)
                for name, palette, shipped, error in default_library().listing()
            ]
        )

    def on_images(self, request: m.ImagesRequest, envelope: Envelope, peer: Peer) -> m.ImagesReply:
        tag = clean_tag(request.tag)
        images, total = self._images.images(
            request.query, request.model or None, tag or None, request.limit, request.before
        )
        return m.ImagesReply(images=images, total=total)
