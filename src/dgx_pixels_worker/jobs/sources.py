"""The image a variation starts from: a gallery image named by its id (or a prefix only it has), or an image the
client sent, kept once by its content hash under uploads/ in the data directory. No request field ever becomes a
path: an upload's file is named by the hash the worker computed, a gallery image's by its record."""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from ..database import Database
from ..gallery.images import ImageStore
from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import GenerateParams
from ..settings import paths
from . import image_files
from .source_images import stored_source

UPLOAD_PREFIX = "upload:"
UPLOADS = "uploads"
CANDIDATES = 5  # images an ambiguous prefix names in its error
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Source:
    png: bytes
    prompt: str | None  # the gallery image's prompt; None for an upload


class VariationSources:
    def __init__(self, db: Database, images: ImageStore, data_dir: Path):
        self._db = db
        self._images = images
        self._data_dir = data_dir
        self._keeping = threading.Lock()  # two requests with the same image write its one file in turn

    def resolve(self, request: GenerateParams) -> str | None:
        """What a job records as its source (`SpriteParams.init_image`): the full gallery id, or "upload:<sha256>"
        once the uploaded image is checked and kept. None when the request varies nothing."""
        if request.init_png is not None:
            return UPLOAD_PREFIX + self.keep_upload(request.init_png)
        if request.init_image is not None:
            return self.gallery_id(request.init_image.strip())
        return None

    async def load(self, init_image: str) -> Source:
        """The source's PNG bytes (and prompt) for a job about to render; INVALID when it has gone since."""
        if init_image.startswith(UPLOAD_PREFIX):
            digest = init_image.removeprefix(UPLOAD_PREFIX)
            if not _SHA256.fullmatch(digest):
                raise WorkerError(ErrorCode.INVALID, f"the job names a source {init_image!r} that is not an upload")
            path = paths.inside(self._data_dir, f"{UPLOADS}/{digest}.png")
            return Source(await self._read(path, "the image sent to vary"), None)
        info = self._images.image(init_image)
        if info is None:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"image {init_image}, which this job varies, is no longer in the gallery",
                {"image_id": init_image},
            )
        data = await self._read(paths.inside(self._data_dir, info.path), f"image {info.id}")
        if info.frames > 1:  # an animation is varied from its first frame, as a still
            data = await asyncio.to_thread(image_files.first_frame_png, data, info.frames)
        prompt = info.params.get("prompt")
        return Source(data, prompt if isinstance(prompt, str) else None)

    def keep_upload(self, data: bytes, field: str = "init_png", purpose: str = "to vary") -> str:
        """Check an uploaded image and keep it (once: the same image sent again finds its file); its SHA-256.
        Decoding and encoding a large image takes a good part of a second: call it in a thread first, and the
        call made while queueing the job only finds the file."""
        digest = image_files.sha256(data)
        relative = f"{UPLOADS}/{digest}.png"
        with self._keeping:
            if not (self._data_dir / relative).is_file():
                image_files.write_atomically(self._data_dir, relative, stored_source(data, field, purpose))
        return digest

    def gallery_id(self, wanted: str) -> str:
        """The full id of the gallery image `wanted` names (its id, or a prefix only it has)."""
        if self._images.image(wanted) is not None:
            return wanted
        rows = self._db.rows(
            "SELECT id FROM images WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?",
            (len(wanted), wanted, CANDIDATES + 1),
        )
        if len(rows) == 1:
            return str(rows[0][0])
        if not rows:
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"no image {wanted!r} in the gallery to vary; image ids look like JOBID-0 "
                "(dgx-pixels jobs or the gallery shows them), or give an image file",
                {"image_id": wanted, "field": "init_image"},
            )
        names = [str(row[0]) for row in rows[:CANDIDATES]]
        more = ", ..." if len(rows) > CANDIDATES else ""
        raise WorkerError(
            ErrorCode.INVALID,
            f"{wanted!r} names several images ({', '.join(names)}{more}); give more of the id",
            {"field": "init_image", "candidates": names},
        )

    @staticmethod
    async def _read(path: Path, what: str) -> bytes:
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise WorkerError(
                ErrorCode.INVALID, f"{what} is gone from the data directory ({path}); vary another image"
            ) from None
