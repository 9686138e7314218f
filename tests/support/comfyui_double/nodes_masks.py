"""Inpainting nodes: SetLatentNoiseMask (nodes.py) and ImageCompositeMasked (comfy_extras/nodes_mask.py), with
the real input names, types and ranges (checked against a real server's /object_info)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .directories import ServerDirectories
from .image_synth import LATENT_SCALE
from .node_context import NodeContext
from .node_types import NodeDef, NodeOutput
from .node_values import ImageBatch, Latent, Mask, resized_plane

MAX_RESOLUTION = 16384


async def set_latent_noise_mask(ctx: NodeContext, samples: Latent, mask: Mask) -> NodeOutput:
    plane = mask.values.reshape(-1, *mask.values.shape[-2:])[0]
    height, width = plane.shape
    # The sampler scales the mask to the latent: one latent pixel stands for an 8x8 block of image pixels.
    blocks = plane[: height - height % LATENT_SCALE, : width - width % LATENT_SCALE]
    small = blocks.reshape(height // LATENT_SCALE, LATENT_SCALE, width // LATENT_SCALE, LATENT_SCALE).mean((1, 3))
    small = resized_plane(small, samples.width, samples.height)
    latent = Latent(samples.width, samples.height, samples.batch, samples.recipe, samples.init_pixels, small)
    return NodeOutput((latent,))


async def composite_masked(
    ctx: NodeContext,
    destination: ImageBatch,
    source: ImageBatch,
    x: int,
    y: int,
    resize_source: bool,
    mask: Mask | None = None,
) -> NodeOutput:
    out = destination.pixels.astype(np.float32).copy()
    src = source.pixels.astype(np.float32)
    if resize_source and (source.width, source.height) != (destination.width, destination.height):
        src = np.stack(
            [
                np.asarray(
                    Image.fromarray(p, "RGB").resize((destination.width, destination.height), Image.Resampling.BILINEAR)
                )
                for p in source.pixels
            ]
        ).astype(np.float32)
    sh, sw = src.shape[1:3]
    weight = np.ones((sh, sw), dtype=np.float32)
    if mask is not None:
        weight = resized_plane(mask.values.reshape(-1, *mask.values.shape[-2:])[0], sw, sh)
    top, left = min(y, destination.height), min(x, destination.width)
    bottom, right = min(top + sh, destination.height), min(left + sw, destination.width)
    part = src[:, : bottom - top, : right - left]
    w = weight[: bottom - top, : right - left, None]
    out[:, top:bottom, left:right] = part * w + out[:, top:bottom, left:right] * (1.0 - w)
    return NodeOutput((ImageBatch(np.clip(out, 0, 255).astype(np.uint8)),))


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    return [
        NodeDef(
            name="SetLatentNoiseMask",
            display_name="Set Latent Noise Mask",
            category="latent/inpaint",
            input_types=lambda: {"required": {"samples": ("LATENT",), "mask": ("MASK",)}},
            return_types=("LATENT",),
            run=set_latent_noise_mask,
        ),
        NodeDef(
            name="ImageCompositeMasked",
            display_name="ImageCompositeMasked",
            category="image",
            python_module="comfy_extras.nodes_mask",
            input_types=lambda: {
                "required": {
                    "destination": ("IMAGE",),
                    "source": ("IMAGE",),
                    "x": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
                    "y": ("INT", {"default": 0, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
                    "resize_source": ("BOOLEAN", {"default": False}),
                },
                "optional": {"mask": ("MASK",)},
            },
            return_types=("IMAGE",),
            run=composite_masked,
        ),
    ]
