"""Image nodes: SaveImage/PreviewImage write real PNGs; LoadImage reads uploads; a few V3 image nodes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo

from .directories import ServerDirectories
from .node_context import NodeContext
from .node_types import NodeDef, NodeOutput
from .node_values import ImageBatch, Mask

MAX_RESOLUTION = 16384
SAVE_IMAGE_DESCRIPTION = "Saves the input images to your ComfyUI output directory."
UPSCALE_METHODS = ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]
PIL_RESAMPLING = {
    "nearest-exact": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "area": Image.Resampling.BOX,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}


def _compute_vars(text: str, image_width: int, image_height: int) -> str:
    now = time.localtime()
    for name, value in (
        ("width", image_width),
        ("height", image_height),
        ("year", now.tm_year),
        ("month", f"{now.tm_mon:02}"),
        ("day", f"{now.tm_mday:02}"),
        ("hour", f"{now.tm_hour:02}"),
        ("minute", f"{now.tm_min:02}"),
        ("second", f"{now.tm_sec:02}"),
    ):
        text = text.replace(f"%{name}%", str(value))
    return text


def save_image_path(
    filename_prefix: str, output_dir: str, image_width: int, image_height: int
) -> tuple[str, str, int, str, str]:
    """folder_paths.get_save_image_path: next free counter for `prefix_NNNNN_.png` in the target folder."""
    if "%" in filename_prefix:
        filename_prefix = _compute_vars(filename_prefix, image_width, image_height)
    subfolder = os.path.dirname(os.path.normpath(filename_prefix))
    filename = os.path.basename(os.path.normpath(filename_prefix))
    full_output_folder = os.path.join(output_dir, subfolder)
    if os.path.commonpath((output_dir, os.path.abspath(full_output_folder))) != output_dir:
        raise Exception(
            "**** ERROR: Saving image outside the output folder is not allowed."
            f"\n full_output_folder: {os.path.abspath(full_output_folder)}\n         output_dir: {output_dir}"
            f"\n         commonpath: {os.path.commonpath((output_dir, os.path.abspath(full_output_folder)))}"
        )

    def map_filename(name: str) -> tuple[int, str]:
        prefix_len = len(os.path.basename(filename_prefix))
        prefix = name[: prefix_len + 1]
        try:
            digits = int(name[prefix_len + 1 :].split("_")[0])
        except ValueError:
            digits = 0
        return digits, prefix

    try:
        counter = (
            max(
                filter(
                    lambda a: os.path.normcase(a[1][:-1]) == os.path.normcase(filename) and a[1][-1:] == "_",
                    map(map_filename, os.listdir(full_output_folder)),
                )
            )[0]
            + 1
        )
    except ValueError:
        counter = 1
    except FileNotFoundError:
        os.makedirs(full_output_folder, exist_ok=True)
        counter = 1
    return full_output_folder, filename, counter, subfolder, filename_prefix


def _write_pngs(
    images: ImageBatch,
    filename_prefix: str,
    output_dir: Path,
    folder_type: str,
    compress_level: int,
    prompt: dict | None,
    extra_pnginfo: dict | None,
) -> list[dict]:
    full_output_folder, filename, counter, subfolder, _ = save_image_path(
        filename_prefix, str(output_dir), images.width, images.height
    )
    results = []
    for batch_number, pixels in enumerate(images.pixels):
        metadata = PngInfo()
        if prompt is not None:
            metadata.add_text("prompt", json.dumps(prompt))
        if extra_pnginfo is not None:
            for key in extra_pnginfo:
                metadata.add_text(key, json.dumps(extra_pnginfo[key]))
        file = f"{filename.replace('%batch_num%', str(batch_number))}_{counter:05}_.png"
        Image.fromarray(pixels, "RGB").save(
            os.path.join(full_output_folder, file), pnginfo=metadata, compress_level=compress_level
        )
        results.append({"filename": file, "subfolder": subfolder, "type": folder_type})
        counter += 1
    return results


async def save_images(
    ctx: NodeContext,
    images: ImageBatch,
    filename_prefix: str = "ComfyUI",
    prompt: dict | None = None,
    extra_pnginfo: dict | None = None,
) -> NodeOutput:
    if ctx.controls.take_injected_save_failure():
        # A plain Exception, so execution_error reports exception_type "Exception" like a failing custom node.
        raise Exception("comfyui-double: injected failure in SaveImage (fail_next_prompt)")
    results = await asyncio.to_thread(
        _write_pngs, images, filename_prefix, ctx.dirs.output, "output", 4, prompt, extra_pnginfo
    )
    return NodeOutput((), {"images": results})


async def preview_images(
    ctx: NodeContext,
    images: ImageBatch,
    filename_prefix: str = "ComfyUI",
    prompt: dict | None = None,
    extra_pnginfo: dict | None = None,
) -> NodeOutput:
    prefix = filename_prefix + "_temp_" + "".join(random.choice("abcdefghijklmnopqrstupvxyz") for _ in range(5))
    results = await asyncio.to_thread(_write_pngs, images, prefix, ctx.dirs.temp, "temp", 1, prompt, extra_pnginfo)
    return NodeOutput((), {"images": results})


def _image_path(dirs: ServerDirectories, name: str) -> Path:
    name, base = dirs.annotated_path(name)
    return (base or dirs.input) / name


async def load_image(ctx: NodeContext, image: str) -> NodeOutput:
    with Image.open(_image_path(ctx.dirs, image)) as opened:
        frame = ImageOps.exif_transpose(opened)
        rgb = np.array(frame.convert("RGB"), dtype=np.uint8)[None]
        if "A" in frame.getbands():
            mask = 1.0 - np.array(frame.getchannel("A"), dtype=np.float32)[None] / 255.0
        else:
            mask = np.zeros((1, 64, 64), dtype=np.float32)
    return NodeOutput((ImageBatch(rgb), Mask(mask)))


def empty_image_pixels(width: int, height: int, batch_size: int, color: int) -> np.ndarray:
    rgb = np.array([(color >> 16) & 0xFF, (color >> 8) & 0xFF, color & 0xFF], dtype=np.uint8)
    return np.broadcast_to(rgb, (batch_size, height, width, 3)).copy()


async def empty_image(ctx: NodeContext, width: int, height: int, batch_size: int = 1, color: int = 0) -> NodeOutput:
    return NodeOutput((ImageBatch(empty_image_pixels(width, height, batch_size, color)),))


def _center_crop(image: Image.Image, width: int, height: int) -> Image.Image:
    old_aspect, new_aspect = image.width / image.height, width / height
    if old_aspect > new_aspect:
        x = round((image.width - image.width * (new_aspect / old_aspect)) / 2)
        return image.crop((x, 0, image.width - x, image.height))
    if old_aspect < new_aspect:
        y = round((image.height - image.height * (old_aspect / new_aspect)) / 2)
        return image.crop((0, y, image.width, image.height - y))
    return image


async def scale_image(
    ctx: NodeContext, image: ImageBatch, upscale_method: str, width: int, height: int, crop: str
) -> NodeOutput:
    if width == 0 and height == 0:
        return NodeOutput((image,))
    if width == 0:
        width = max(1, round(image.width * height / image.height))
    elif height == 0:
        height = max(1, round(image.height * width / image.width))
    frames = []
    for pixels in image.pixels:
        picture = Image.fromarray(pixels, "RGB")
        if crop == "center":
            picture = _center_crop(picture, width, height)
        frames.append(np.array(picture.resize((width, height), PIL_RESAMPLING[upscale_method])))
    return NodeOutput((ImageBatch(np.stack(frames)),))


async def image_size(ctx: NodeContext, image: ImageBatch) -> NodeOutput:
    unique_id = ctx.hidden.get("unique_id")
    if unique_id:
        ctx.send_progress_text(f"width: {image.width}, height: {image.height}\n batch size: {image.batch}", unique_id)
    return NodeOutput((image.width, image.height, image.batch))


async def rotate_image(ctx: NodeContext, image: ImageBatch, rotation: str) -> NodeOutput:
    turns = {"none": 0, "90 degrees": 1, "180 degrees": 2, "270 degrees": 3}[rotation]
    return NodeOutput((ImageBatch(np.ascontiguousarray(np.rot90(image.pixels, k=-turns, axes=(1, 2)))),))


def _validate_load_image(dirs: ServerDirectories, image: str) -> bool | str:
    if not _image_path(dirs, image).exists():
        return f"Invalid image file: {image}"
    return True


def _load_image_changed(dirs: ServerDirectories, image: str) -> str:
    return hashlib.sha256(_image_path(dirs, image).read_bytes()).hexdigest()


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    hidden_v1 = {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}

    def validate_load_image(image: str) -> bool | str:
        return _validate_load_image(dirs, image)

    validate_load_image.__qualname__ = "LoadImage.VALIDATE_INPUTS"  # as named in the real TypeError messages
    return [
        NodeDef(
            name="SaveImage",
            display_name="Save Image",
            category="image",
            description=SAVE_IMAGE_DESCRIPTION,
            input_types=lambda: {
                "required": {
                    "images": ("IMAGE", {"tooltip": "The images to save."}),
                    "filename_prefix": (
                        "STRING",
                        {
                            "default": "ComfyUI",
                            "tooltip": "The prefix for the file to save. "
                            "This may include formatting information such as %date:yyyy-MM-dd% "
                            "or %Empty Latent Image.width% to include values from nodes.",
                        },
                    ),
                },
                "hidden": dict(hidden_v1),
            },
            return_types=(),
            output_node=True,
            run=save_images,
        ),
        NodeDef(
            # PreviewImage subclasses SaveImage in nodes.py and so inherits its DESCRIPTION.
            name="PreviewImage",
            display_name="Preview Image",
            category="image",
            description=SAVE_IMAGE_DESCRIPTION,
            input_types=lambda: {"required": {"images": ("IMAGE",)}, "hidden": dict(hidden_v1)},
            return_types=(),
            output_node=True,
            run=preview_images,
        ),
        NodeDef(
            name="LoadImage",
            display_name="Load Image",
            category="image",
            input_types=lambda: {"required": {"image": (dirs.input_images(), {"image_upload": True})}},
            return_types=("IMAGE", "MASK"),
            run=load_image,
            validate_inputs=validate_load_image,
            validate_input_names=("s", "image"),
            is_changed=lambda image: _load_image_changed(dirs, image),
        ),
        NodeDef(
            name="EmptyImage",
            display_name="EmptyImage",
            category="image",
            input_types=lambda: {
                "required": {
                    "width": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
                    "height": ("INT", {"default": 512, "min": 1, "max": MAX_RESOLUTION, "step": 1}),
                    "batch_size": ("INT", {"default": 1, "min": 1, "max": 4096}),
                    "color": ("INT", {"default": 0, "min": 0, "max": 0xFFFFFF, "step": 1, "display": "color"}),
                }
            },
            return_types=("IMAGE",),
            run=empty_image,
        ),
        NodeDef(
            name="ImageScale",
            display_name="Upscale Image",
            category="image/upscaling",
            input_types=lambda: {
                "required": {
                    "image": ("IMAGE",),
                    "upscale_method": (list(UPSCALE_METHODS),),
                    "width": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
                    "height": ("INT", {"default": 512, "min": 0, "max": MAX_RESOLUTION, "step": 1}),
                    "crop": (["disabled", "center"],),
                }
            },
            return_types=("IMAGE",),
            run=scale_image,
        ),
        NodeDef(
            name="GetImageSize",
            display_name="Get Image Size",
            category="image",
            schema_v3=True,
            python_module="comfy_extras.nodes_images",
            description="Returns width and height of the image, and passes it through unchanged.",
            input_types=lambda: {"required": {"image": ("IMAGE", {})}, "hidden": {"unique_id": ("UNIQUE_ID",)}},
            return_types=("INT", "INT", "INT"),
            return_names=("width", "height", "batch_size"),
            run=image_size,
        ),
        NodeDef(
            name="ImageRotate",
            display_name="Image Rotate",
            category="image/transform",
            schema_v3=True,
            python_module="comfy_extras.nodes_images",
            input_types=lambda: {
                "required": {
                    "image": ("IMAGE", {}),
                    "rotation": (
                        "COMBO",
                        {"multiselect": False, "options": ["none", "90 degrees", "180 degrees", "270 degrees"]},
                    ),
                }
            },
            return_types=("IMAGE",),
            run=rotate_image,
        ),
    ]
