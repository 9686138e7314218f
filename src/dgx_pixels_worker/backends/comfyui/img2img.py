"""Image-to-image from a preset's own graph: its empty latent replaced by the source image, encoded.

The preset's template is bound as for text-to-image (checkpoint, LoRA chain, prompts, sampler, seed), then the
node feeding the first sampler's latent_image becomes `VAEEncode(ImageScale(LoadImage(source)))` and that
sampler's denoise becomes the strength. Everything else of the preset is kept, so a variation is made by the
same model, LoRAs and sampler as the image it varies; a hires-fix template keeps its second pass.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from .workflow import Graph, Roles, WorkflowError

SCALE_METHOD = "nearest-exact"  # pixel art grows into blocks, not blur, on its way up to the render size
SOURCE_TITLE = "dgx-pixels source"  # the LoadImage node's title, to find it again once ComfyUI names the upload
BACKGROUND = (255, 255, 255)  # what transparent pixels of the source become: LoadImage keeps only RGB


def source_png(init_png: bytes) -> bytes:
    """The source as ComfyUI gets it: RGB, transparency flattened onto white, no text chunks."""
    with Image.open(io.BytesIO(init_png)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, BACKGROUND)
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buffer = io.BytesIO()
    flat.save(buffer, "PNG")
    return buffer.getvalue()


def image_to_image(graph: Graph, roles: Roles, image_name: str, width: int, height: int, strength: float) -> str:
    """Turn a bound graph into image-to-image from the uploaded `image_name`; the LoadImage node's id."""
    vae = _vae_link(graph, roles)
    next_id = max((int(n) for n in graph if n.isdigit()), default=0) + 1
    load, scale = str(next_id), str(next_id + 1)
    graph[load] = {
        "class_type": "LoadImage",
        "inputs": {"image": image_name},
        "_meta": {"title": SOURCE_TITLE},
    }
    graph[scale] = {
        "class_type": "ImageScale",
        "inputs": {
            "image": [load, 0],
            "upscale_method": SCALE_METHOD,
            "width": width,
            "height": height,
            "crop": "center",
        },
        "_meta": {"title": "Scale source to the render size"},
    }
    # The latent node keeps its id, so every link to it (the sampler's latent_image) now carries the encoding.
    graph[roles.latent] = {
        "class_type": "VAEEncode",
        "inputs": {"pixels": [scale, 0], "vae": vae},
        "_meta": {"title": "Encode source"},
    }
    set_denoise(graph, roles.sampler, strength, "variations")
    return load


def set_denoise(graph: Graph, sampler_id: str, denoise: float, what: str) -> None:
    """Let the sampler keep 1 - `denoise` of its input latent: KSampler's denoise, or for KSamplerAdvanced the
    step it starts at. WorkflowError naming `what` needs it for a sampler with neither."""
    sampler = graph[sampler_id]["inputs"]
    if "denoise" in sampler:
        sampler["denoise"] = denoise
    elif "start_at_step" in sampler and isinstance(sampler.get("steps"), int):  # KSamplerAdvanced
        sampler["start_at_step"] = round(sampler["steps"] * (1.0 - denoise))
    else:
        raise WorkflowError(
            f"the sampler {sampler_id} ({graph[sampler_id]['class_type']}) has no denoise input: "
            f"{what} need a KSampler or KSamplerAdvanced"
        )


def _vae_link(graph: Graph, roles: Roles) -> list[Any]:
    """The VAE the template decodes with (a VAEDecode's vae input), else the checkpoint's own."""
    for node in graph.values():
        link = node["inputs"].get("vae")
        if node["class_type"] == "VAEDecode" and isinstance(link, list) and len(link) == 2:
            return list(link)
    return [roles.checkpoint, 2]
