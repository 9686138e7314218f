"""Files put into a ComfyUI server's input folder (`POST /upload/image`), where LoadImage finds them by name."""

from __future__ import annotations

import hashlib

from .http_api import ComfyFailed, ComfyHTTP

INPUT = "input"


def content_name(data: bytes, prefix: str = "dgx-pixels") -> str:
    """A file name only these bytes have: an upload repeated (after a worker restart, for the next image of a
    job) names the same file, which ComfyUI recognises by its hash and does not store again."""
    return f"{prefix}-{hashlib.sha256(data).hexdigest()[:24]}.png"


class ImageUploads:
    """Uploads to one server, remembered while it stays up so that the same bytes go over the wire once."""

    def __init__(self, http: ComfyHTTP):
        self._http = http
        self._given: dict[tuple[str, str, str], str] = {}  # (subfolder, name, sha256) -> what LoadImage takes

    async def upload_image(self, png_bytes: bytes, name: str, subfolder: str = "") -> str:
        """Upload `png_bytes` as `name` into `subfolder` of ComfyUI's input folder; the name LoadImage takes for
        it ("subfolder/name" as ComfyUI answered: a different file already there under `name` makes it
        "name (1).png"). ComfyUnavailable or ComfyFailed when the server does not take it."""
        key = (subfolder, name, hashlib.sha256(png_bytes).hexdigest())
        known = self._given.get(key)
        if known is not None:
            return known
        answer = await self._http.upload(
            "/upload/image",
            data={"type": INPUT, "subfolder": subfolder},
            files={"image": (name, png_bytes, "image/png")},
        )
        given = answer.get("name") if isinstance(answer, dict) else None
        if not isinstance(given, str) or not given:
            raise ComfyFailed(f"POST /upload/image answered without a file name: {str(answer)[:200]}")
        folder = answer.get("subfolder") or ""
        self._given[key] = f"{folder}/{given}" if isinstance(folder, str) and folder else given
        return self._given[key]

    async def replace_file(self, data: bytes, name: str, subfolder: str, content_type: str) -> None:
        """Upload `data` as `name` into `subfolder`, replacing whatever has that name there (`overwrite`), and
        every time: a folder of our own (a training's dataset) may have been wiped since the last upload."""
        answer = await self._http.upload(
            "/upload/image",
            data={"type": INPUT, "subfolder": subfolder, "overwrite": "true"},
            files={"image": (name, data, content_type)},
        )
        given = answer.get("name") if isinstance(answer, dict) else None
        if given != name:
            raise ComfyFailed(f"POST /upload/image stored {name} as {given!r}: {str(answer)[:200]}")

    def forget(self) -> None:
        """The server went away: it may come back without the files (another machine, a wiped input folder)."""
        self._given.clear()
