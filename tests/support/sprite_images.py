"""Small sprites for tests to send, upload or train on: a coloured square on transparency, as an image or PNG."""

import io

from PIL import Image


def square_sprite(colour: tuple[int, int, int], size: int = 16, margin: int = 3) -> Image.Image:
    """A `size` x `size` sprite: a square of `colour`, `margin` pixels in from each side, on transparency."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.paste((*colour, 255), (margin, margin, size - margin, size - margin))
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
