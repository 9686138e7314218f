"""Binary websocket frames exactly as ComfyUI packs them (all integers big-endian u32)."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

PREVIEW_IMAGE = 1
UNENCODED_PREVIEW_IMAGE = 2  # internal only: encoded into PREVIEW_IMAGE on the way out
TEXT = 3
PREVIEW_IMAGE_WITH_METADATA = 4

MAX_PREVIEW_RESOLUTION = 512  # --preview-size default


@dataclass(frozen=True)
class PreviewImage:
    """ComfyUI's ("JPEG", PIL image, max_size) preview tuple."""

    image: Image.Image
    image_type: str = "JPEG"
    max_size: int = MAX_PREVIEW_RESOLUTION


def _encoded_image(preview: PreviewImage) -> bytes:
    image = ImageOps.contain(preview.image, (preview.max_size, preview.max_size), Image.Resampling.BILINEAR)
    buffer = BytesIO()
    image.save(buffer, format=preview.image_type, quality=95, compress_level=1)
    return buffer.getvalue()


def preview_frame(preview: PreviewImage) -> bytes:
    image_format = 2 if preview.image_type == "PNG" else 1
    return struct.pack(">I", PREVIEW_IMAGE) + struct.pack(">I", image_format) + _encoded_image(preview)


def preview_with_metadata_frame(preview: PreviewImage, metadata: dict) -> bytes:
    metadata = {**metadata, "image_type": "image/png" if preview.image_type == "PNG" else "image/jpeg"}
    metadata_json = json.dumps(metadata).encode("utf-8")
    return (
        struct.pack(">I", PREVIEW_IMAGE_WITH_METADATA)
        + struct.pack(">I", len(metadata_json))
        + metadata_json
        + _encoded_image(preview)
    )


def text_frame(node_id: str, text: str) -> bytes:
    node_id_bytes = str(node_id).encode("utf-8")
    return struct.pack(">I", TEXT) + struct.pack(">I", len(node_id_bytes)) + node_id_bytes + text.encode("utf-8")
