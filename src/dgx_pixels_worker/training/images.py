"""A dataset image made ready to train on: one still, flattened, scaled up by a whole factor and padded square.

Pixel art keeps its hard edges only when every source pixel becomes a block of whole pixels, so the scale is the
largest whole factor that fits and the rest is padding of the background colour, never a resample."""

from __future__ import annotations

import io

from PIL import Image

BACKGROUND = (255, 255, 255)  # transparent pixels become white: what the sprites' own backgrounds are keyed out to


def prepared_png(png: bytes, frames: int, size: int) -> bytes:
    """The RGB PNG, `size` x `size`, that the LoRA is trained on: the first frame of an animation, flattened onto
    white, scaled up by the largest whole factor that fits (nearest neighbour) and centred."""
    flat = _flat_still(png, frames)
    factor = max(1, size // max(flat.width, flat.height))
    if flat.width * factor > size or flat.height * factor > size:  # larger than the training size: shrink to fit
        flat.thumbnail((size, size), Image.Resampling.NEAREST)
        factor = 1
    scaled = flat.resize((flat.width * factor, flat.height * factor), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", (size, size), BACKGROUND)
    canvas.paste(scaled, ((size - scaled.width) // 2, (size - scaled.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def visible_colours(png: bytes, frames: int = 1, most: int = 2) -> int:
    """How many colours the image shows once flattened, counted up to `most` (an image of one colour teaches a
    LoRA nothing)."""
    colours = _flat_still(png, frames).getcolors(maxcolors=most)
    return most + 1 if colours is None else len(colours)


def image_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as opened:
        return opened.size


def _flat_still(png: bytes, frames: int) -> Image.Image:
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGBA")
    if frames > 1:
        image = image.crop((0, 0, image.width // frames, image.height))
    flat = Image.new("RGB", image.size, BACKGROUND)
    flat.paste(image, mask=image.getchannel("A"))
    return flat
