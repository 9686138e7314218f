"""An image a client sends to be varied: read safely with Pillow, checked, and turned into the PNG kept for it.

Only the header is read before the size is checked, so a small file that claims a huge picture (a decompression
bomb) is refused without being decoded; what is kept is re-encoded RGBA, whatever came in.
"""

from __future__ import annotations

import io
import json
import warnings

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from ..protocol import ErrorCode, WorkerError
from .image_files import METADATA_KEY

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_SIDE = 2048  # a sprite or a sketch fits; a photo larger than this is shrunk by the user first
MAX_METADATA_CHARS = 65536


def stored_source(data: bytes, field: str = "init_png", purpose: str = "to vary") -> bytes:
    """The PNG kept for an uploaded image: its first frame as RGBA, with the parameters dgx-pixels wrote into it
    (so an exported sprite is varied from its own plan). WorkerError(INVALID, field init_png) saying what to do
    for anything that is not a readable image of a sensible size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width < 1 or height < 1 or max(width, height) > MAX_SIDE:
                    raise _invalid(
                        f"the image is {width}x{height} pixels; images {purpose} may be at most {MAX_SIDE} pixels a "
                        "side: shrink it first",
                        field,
                    )
                image.load()
                rgba = image.convert("RGBA")
                text = image.text.get(METADATA_KEY) if isinstance(image, PngImagePlugin.PngImageFile) else None
    except WorkerError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(
            f"the image claims more pixels than an image {purpose} may have (at most {MAX_SIDE} a side); "
            "send the picture itself, shrunk",
            field,
        ) from None
    except UnidentifiedImageError:
        raise _invalid(f"{field} is not an image: send a PNG, JPEG, GIF or WebP file", field) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _invalid(
            f"the image cannot be read ({exc}); it may be cut short: send the whole file again", field
        ) from None
    info = PngImagePlugin.PngInfo()
    if _metadata_object(text):
        info.add_text(METADATA_KEY, str(text))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _metadata_object(text: object) -> bool:
    if not isinstance(text, str) or len(text) > MAX_METADATA_CHARS:
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _invalid(message: str, field: str) -> WorkerError:
    return WorkerError(ErrorCode.INVALID, message, {"field": field})
