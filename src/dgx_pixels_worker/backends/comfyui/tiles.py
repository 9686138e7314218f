"""Seamless tiles on ComfyUI with core nodes only: render, roll by half a tile, repaint the seams.

ComfyUI has no core node for wrap-around sampling. So the first pass renders the tile with the preset's own graph;
the worker then shifts that image by half its width and height (with wrap-around), which brings the four wrap edges
together into a cross through the middle and makes the new edges pixels that were neighbours inside the first
render. The shifted image goes up with `/upload/image` as a PNG whose alpha channel is 0 on the cross, fading to
255 away from it, and a second pass repaints the cross: the preset's image-to-image graph from the upload (as
for variations), its encoded latent masked by `SetLatentNoiseMask` with LoadImage's MASK, the sampler's denoise
lowered, and an `ImageCompositeMasked` before the save that keeps the first render's pixels wherever the mask is 0.
The result's edges are exactly the first render's inside, so copies laid side by side continue into each other.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from .img2img import image_to_image, set_denoise
from .workflow import Graph, Roles

DENOISE = 0.75  # how far the seam pass repaints the cross: enough to redraw the join, keeping its colours
TILE_FOLDER = "dgx-pixels"  # subfolder of ComfyUI's input folder for the shifted first passes
TILE_TITLE = "dgx-pixels tile"  # the LoadImage node's title, to find it again once ComfyUI names the upload
LATENT = 8  # image pixels per latent pixel: the band is kept on the latent grid


def rolled(image: Image.Image) -> Image.Image:
    """The image shifted by half its size on both axes, wrapping around: its wrap edges meet in a central cross."""
    pixels = np.asarray(image.convert("RGB"))
    h, w = pixels.shape[:2]
    return Image.fromarray(np.roll(pixels, (h // 2, w // 2), axis=(0, 1)), "RGB")


def band_halfwidth(width: int, height: int) -> int:
    """Half the width of the fully repainted band: a sixteenth of the shorter side, on the latent grid."""
    return max(LATENT, -(-min(width, height) // 16 // LATENT) * LATENT)


def seam_alpha(width: int, height: int) -> np.ndarray:
    """(height, width) uint8 alpha: 0 within the band around the central cross, rising linearly to 255 over as
    much again, 255 beyond. LoadImage reads 1 - alpha as its MASK, so the cross is what the second pass repaints.

    The cross's arms run out to the borders, and a repaint that knows nothing of the wrap would end them
    differently on opposite borders, which is a new seam. So the repaint fades out over the last band's width
    before each border, and the border pixels themselves (alpha 255) stay the first render's, continuous across
    the wrap; the old seam is left only in those short stubs where the arms meet the borders."""
    band = band_halfwidth(width, height)
    ys, xs = np.arange(height)[:, None], np.arange(width)[None, :]
    distance = np.minimum(np.abs(xs + 0.5 - width / 2), np.abs(ys + 0.5 - height / 2))
    repaint = 1.0 - np.clip((distance - band) / band, 0.0, 1.0)
    border = np.minimum(np.minimum(xs, width - 1 - xs), np.minimum(ys, height - 1 - ys))
    repaint *= np.clip(border / band, 0.0, 1.0)
    return np.round((1.0 - repaint) * 255).astype(np.uint8)


def seam_pass_png(first: Image.Image) -> bytes:
    """The first pass shifted by half a tile, with the seam mask as its alpha channel, as PNG bytes."""
    shifted = rolled(first)
    rgba = np.dstack([np.asarray(shifted), seam_alpha(shifted.width, shifted.height)])
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def seam_graph(graph: Graph, roles: Roles, image_name: str, width: int, height: int, denoise: float = DENOISE) -> Graph:
    """Turn the bound first-pass graph into the seam pass over the uploaded `image_name` (in place; returned).

    It is the preset's image-to-image graph (img2img.py: the same model, LoRAs, prompts and sampler) with the
    encoded upload masked by `SetLatentNoiseMask` before the sampler, and `ImageCompositeMasked` before each save
    to keep the upload's pixels wherever the mask is 0."""
    set_denoise(graph, roles.sampler, denoise, "tiles")  # first, so that a refusal speaks of tiles
    load = image_to_image(graph, roles, image_name, width, height, denoise)
    graph[load]["_meta"] = {"title": TILE_TITLE}
    first = max(int(n) for n in graph if n.isdigit()) + 1
    masked = str(first)
    graph[masked] = {"class_type": "SetLatentNoiseMask", "inputs": {"samples": [roles.latent, 0], "mask": [load, 1]}}
    graph[roles.sampler]["inputs"]["latent_image"] = [masked, 0]
    for offset, save in enumerate(roles.save, start=1):
        paste = str(first + offset)
        inputs = graph[save]["inputs"]
        graph[paste] = {
            "class_type": "ImageCompositeMasked",
            "inputs": {
                "destination": [load, 0],
                "source": inputs["images"],
                "x": 0,
                "y": 0,
                "resize_source": True,  # a template that upscales returns a larger picture: fit it to the tile
                "mask": [load, 1],
            },
        }
        inputs["images"] = [paste, 0]
        if isinstance(inputs.get("filename_prefix"), str):
            inputs["filename_prefix"] += "-seams"
    return graph


def load_node(graph: Graph) -> dict[str, Any] | None:
    """The seam pass's LoadImage node."""
    return next((n for n in graph.values() if n.get("_meta", {}).get("title") == TILE_TITLE), None)
