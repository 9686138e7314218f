"""ComfyUI's binary websocket frames (all integers big-endian): previews and text."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

PREVIEW_IMAGE = 1
TEXT = 3
PREVIEW_IMAGE_WITH_METADATA = 4
_FORMATS = {1: "image/jpeg", 2: "image/png"}


@dataclass(frozen=True)
class PreviewFrame:
    image: bytes
    mime: str
    prompt_id: str | None  # only the metadata layout (4) names its prompt
    node_id: str | None


@dataclass(frozen=True)
class TextFrame:
    node_id: str
    text: str


def parse_binary(data: bytes) -> PreviewFrame | TextFrame | None:
    """Decode one binary frame; None for kinds a client never needs or frames too short to be real."""
    if len(data) < 8:
        return None
    (kind,) = struct.unpack_from(">I", data, 0)
    if kind == PREVIEW_IMAGE:
        (image_format,) = struct.unpack_from(">I", data, 4)
        return PreviewFrame(data[8:], _FORMATS.get(image_format, "image/jpeg"), None, None)
    if kind == PREVIEW_IMAGE_WITH_METADATA:
        (length,) = struct.unpack_from(">I", data, 4)
        try:
            meta = json.loads(data[8 : 8 + length])
        except ValueError:
            return None
        return PreviewFrame(
            data[8 + length :], meta.get("image_type", "image/jpeg"), meta.get("prompt_id"), meta.get("node_id")
        )
    if kind == TEXT:
        (length,) = struct.unpack_from(">I", data, 4)
        node = data[8 : 8 + length].decode("utf-8", "replace")
        return TextFrame(node, data[8 + length :].decode("utf-8", "replace"))
    return None
