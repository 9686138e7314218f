"""Kitty graphics protocol encoder: an RGBA image as base64 PNG in chunks of at most 4096 bytes."""

from __future__ import annotations

import base64
import io

from PIL import Image

from .scaling import ImageLike, fit_nearest, to_rgba_array

CHUNK_BYTES = 4096  # protocol limit per escape code; a multiple of 4 so every chunk is whole base64


def png_bytes(image: ImageLike, box: tuple[int, int] | None = None) -> bytes:
    """The image as PNG, integer-scaled (nearest neighbour) to fit a (width, height) pixel box if given."""
    pixels = fit_nearest(image, *box) if box else to_rgba_array(image)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def kitty_sequence(png: bytes) -> str:
    """APC escape codes that transmit and display a PNG at the cursor (a=T, f=100), chunked."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[start : start + CHUNK_BYTES] for start in range(0, len(data), CHUNK_BYTES)] or [""]
    codes = []
    for number, chunk in enumerate(chunks):
        more = int(number < len(chunks) - 1)
        # q=2: the terminal sends no reply, which would otherwise arrive on stdin as stray keys.
        control = f"a=T,f=100,q=2,m={more}" if number == 0 else f"m={more}"
        codes.append(f"\x1b_G{control};{chunk}\x1b\\")
    return "".join(codes)


def encode_kitty(image: ImageLike, box: tuple[int, int] | None = None) -> str:
    """The kitty graphics sequence for `image`, integer-scaled to fit a (width, height) pixel box if given."""
    return kitty_sequence(png_bytes(image, box))
