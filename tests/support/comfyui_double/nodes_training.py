"""ComfyUI's native LoRA training nodes (comfy_extras/nodes_train.py): dataset loaders, TrainLoraNode, SaveLoRANode,
LossGraphNode and LoraModelLoader, with the real input specs and the real quirks (checked on a 0.3.64 server).

Training takes steps x grad_accumulation_steps x step_time and reports no progress at all: the real loop drives a
tqdm bar, not ComfyUI's progress hook, so a client sees only progress_state and executing while it runs.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from .directories import ServerDirectories
from .node_context import NodeContext
from .node_types import NodeDef, NodeOutput
from .node_values import ClipRef, Conditioning, ImageBatch, Latent, ModelRef, tensor_repr
from .nodes_images import save_image_path

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
RESIZE_METHODS = ["None", "Stretch", "Crop", "Pad"]
CLIP_MISSING = (
    "ERROR: clip input is invalid: None\n\nIf the clip is from a checkpoint loader node your checkpoint does not "
    "contain a valid clip or text encoder model."
)
SIZE_MISMATCH = (
    "Your input image size does not match the first image in the dataset. Either select a valid resize method or use "
    "the same size for all images."
)


class ConditioningSet(list):
    """CONDITIONING of a dataset: one entry per caption (two for an empty caption, as the real node appends)."""

    def __str__(self) -> str:
        return "[" + ", ".join(str(item)[1:-1] for item in self) + "]"


@dataclass(frozen=True, eq=False)
class LoraWeights:
    checkpoint: str
    rank: int
    steps: int
    seed: int
    algorithm: str

    def __str__(self) -> str:
        return "{'diffusion_model.input_blocks.1.1.proj_in.lora_up.weight': " + tensor_repr(np.zeros((7, 4))) + "}"

    def safetensors_bytes(self) -> bytes:
        """Small deterministic weights in safetensors form (no __metadata__, as safetensors.torch.save_file writes)."""
        rng = np.random.default_rng([self.seed, self.rank, self.steps, len(self.checkpoint)])
        data = rng.standard_normal((self.rank, 4)).astype("<f4").tobytes()
        header = {
            "diffusion_model.input_blocks.1.1.proj_in.lora_up.weight": {
                "dtype": "F32",
                "shape": [self.rank, 4],
                "data_offsets": [0, len(data)],
            }
        }
        raw = json.dumps(header, separators=(",", ":")).encode()
        raw += b" " * (-len(raw) % 8)
        return struct.pack("<Q", len(raw)) + raw + data


class SafetensorError(Exception):
    """safetensors' own error, which save_file raises when the disk is full (it writes a temporary file beside the
    target, then renames it)."""


SafetensorError.__module__ = "safetensors._safetensors_rust"
DISK_FULL = "Error while serializing: I/O error: No space left on device (os error 28)"


@dataclass(frozen=True, eq=False)
class LossMap:
    loss: tuple[float, ...]

    def __str__(self) -> str:
        return "{'loss': [" + ", ".join(f"{value:.4f}" for value in self.loss[:6]) + "]}"


def _dataset_images(folder: str, images: list[str], resize_method: str, w: int | None, h: int | None) -> ImageBatch:
    """load_and_process_images: every image is made the first one's size (or w x h) or refused."""
    if not images:
        raise ValueError("No valid images found in input")
    out = []
    for file in images:
        with Image.open(os.path.join(folder, file)) as opened:
            img = opened.point(lambda i: i * (1 / 255)) if opened.mode == "I" else opened
            img = img.convert("RGB")
        if w is None and h is None:
            w, h = img.size
        if img.size != (w, h):
            if resize_method in ("Stretch", "Pad"):
                img = img.resize((w, h), Image.Resampling.LANCZOS)
            elif resize_method == "Crop":
                img = img.crop((0, 0, w, h))
            elif resize_method == "None":
                raise ValueError(SIZE_MISMATCH)
        out.append(np.asarray(img, dtype=np.uint8))
    return ImageBatch(np.stack(out))


def _missing_resize_method(node: str) -> TypeError:
    # The real load_images() has no default for this optional input, so a prompt without it fails at run time.
    return TypeError(f"{node}.load_images() missing 1 required positional argument: 'resize_method'")


async def load_image_text_set(
    ctx: NodeContext,
    folder: str,
    clip: ClipRef | None,
    resize_method: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> NodeOutput:
    if resize_method is None:
        raise _missing_resize_method("LoadImageTextSetFromFolderNode")
    if clip is None:
        raise RuntimeError(CLIP_MISSING)
    root = os.path.join(ctx.dirs.input, folder)
    files: list[str] = []
    for item in os.listdir(root):  # directory order, as the real node reads it
        path = os.path.join(root, item)
        if item.lower().endswith(IMAGE_EXTENSIONS):
            files.append(path)
        elif os.path.isdir(path):
            # kohya-ss layout: a subfolder named "N_name" repeats its images N times
            repeat = int(item.split("_")[0]) if item.split("_")[0].isdigit() else 1
            files.extend(
                [os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS)] * repeat
            )
    captions = []
    for file in files:
        caption_path = file.replace(os.path.splitext(file)[1], ".txt")
        if os.path.exists(caption_path):
            with open(caption_path, encoding="utf-8") as f:
                captions.append(f.read().strip())
        else:
            captions.append("")
    w = None if width in (None, -1) else width
    h = None if height in (None, -1) else height
    images = await asyncio.to_thread(_dataset_images, root, files, resize_method, w, h)
    conditions = ConditioningSet()
    for text in captions:
        if text == "":
            conditions.append(Conditioning("", clip))  # the real node adds the empty caption twice
        conditions.append(Conditioning(text, clip))
    return NodeOutput((images, conditions))


async def load_image_set(ctx: NodeContext, folder: str, resize_method: str | None = None) -> NodeOutput:
    if resize_method is None:
        raise _missing_resize_method("LoadImageSetFromFolderNode")
    root = os.path.join(ctx.dirs.input, folder)
    files = [f for f in os.listdir(root) if f.lower().endswith(IMAGE_EXTENSIONS)]
    return NodeOutput((await asyncio.to_thread(_dataset_images, root, files, resize_method, None, None),))


def _losses(seed: int, count: int) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    return tuple(float(0.15 * np.exp(-i / max(count, 1)) + 0.01 * rng.random()) for i in range(count))


async def train_lora(
    ctx: NodeContext,
    model: ModelRef,
    latents: Latent,
    positive: ConditioningSet | Conditioning,
    batch_size: int,
    grad_accumulation_steps: int,
    steps: int,
    learning_rate: float,
    rank: int,
    optimizer: str,
    loss_function: str,
    seed: int,
    training_dtype: str,
    lora_dtype: str,
    algorithm: str,
    gradient_checkpointing: bool,
    existing_lora: str,
) -> NodeOutput:
    conditions = len(positive) if isinstance(positive, ConditioningSet) else 1
    if conditions != 1 and conditions != latents.batch:
        raise ValueError(
            f"Number of positive conditions ({conditions}) does not match number of images ({latents.batch})."
        )
    existing_steps = 0
    if existing_lora != "[None]":
        if ctx.dirs.full_model_path("loras", existing_lora) is None:
            raise FileNotFoundError(f"Model in folder 'loras' with filename '{existing_lora}' not found.")
        existing_steps = int(existing_lora.split("_steps_")[0].split("_")[-1])
    # No report_progress: no progress message, and no interrupt check until the next node.
    for _ in range(steps * grad_accumulation_steps):
        await ctx.work(ctx.controls.step_time)
    weights = LoraWeights(model.checkpoint, rank, steps + existing_steps, seed, algorithm)
    trained = ModelRef(model.checkpoint, model.loras)
    return NodeOutput(
        (trained, weights, LossMap(_losses(seed, steps * grad_accumulation_steps)), steps + existing_steps)
    )


async def save_lora(ctx: NodeContext, lora: LoraWeights, prefix: str, steps: int | None = None) -> NodeOutput:
    folder, filename, counter, _, _ = save_image_path(prefix, str(ctx.dirs.output), 0, 0)
    if ctx.controls.take_lora_disk_full():
        raise SafetensorError(DISK_FULL)
    if steps is None:
        name = f"{filename}_{counter:05}_.safetensors"
    else:
        name = f"{filename}_{steps}_steps_{counter:05}_.safetensors"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(lora.safetensors_bytes())
    return NodeOutput(())


def _loss_png(path: str, values: tuple[float, ...], prompt: dict | None, extra_pnginfo: dict | None) -> None:
    width, height, margin = 800, 480, 40
    img = Image.new("RGB", (width + margin, height + margin), "white")
    draw = ImageDraw.Draw(img)
    low, high = min(values), max(values)
    scaled = [(value - low) / (high - low) for value in values]  # one step or a flat curve: ZeroDivisionError
    prev = (margin, height - int(scaled[0] * height))
    for i, value in enumerate(scaled[1:], start=1):
        point = (margin + int(i / len(scaled) * width), height - int(value * height))
        draw.line([prev, point], fill="blue", width=2)
        prev = point
    draw.line([(margin, 0), (margin, height)], fill="black", width=2)
    draw.line([(margin, height), (width + margin, height)], fill="black", width=2)
    font = ImageFont.load_default()
    draw.text((5, height // 2), "Loss", font=font, fill="black")
    draw.text((width // 2, height + 10), "Steps", font=font, fill="black")
    draw.text((margin - 30, 0), f"{high:.2f}", font=font, fill="black")
    draw.text((margin - 30, height - 10), f"{low:.2f}", font=font, fill="black")
    metadata = PngInfo()
    if prompt is not None:
        metadata.add_text("prompt", json.dumps(prompt))
    for key, value in (extra_pnginfo or {}).items():
        metadata.add_text(key, json.dumps(value))
    img.save(path, pnginfo=metadata)


async def plot_loss(
    ctx: NodeContext,
    loss: LossMap,
    filename_prefix: str,
    prompt: dict | None = None,
    extra_pnginfo: dict | None = None,
) -> NodeOutput:
    # Saved in the temp folder (not output), named by the local time to the second.
    name = f"{filename_prefix}_{datetime.datetime.now().strftime('%Y%m%d_%H%M%S')}.png"
    await asyncio.to_thread(_loss_png, os.path.join(ctx.dirs.temp, name), loss.loss, prompt, extra_pnginfo)
    return NodeOutput((), {"images": [{"filename": name, "subfolder": "", "type": "temp"}]})


async def apply_trained_lora(ctx: NodeContext, model: ModelRef, lora: LoraWeights, strength_model: float) -> NodeOutput:
    if strength_model == 0:
        return NodeOutput((model,))
    name = f"trained:{lora.seed}:{lora.rank}:{lora.steps}"
    return NodeOutput((ModelRef(model.checkpoint, (*model.loras, (name, strength_model, 0.0))),))


def _tip(text: str, **extra: object) -> dict:
    return {**extra, "tooltip": text}


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    module = "comfy_extras.nodes_train"
    folder_tip = "The folder to load images from."
    resize = (RESIZE_METHODS, {"default": "None"})
    strength = _tip(
        "How strongly to modify the diffusion model. This value can be negative.",
        default=1.0,
        min=-100.0,
        max=100.0,
        step=0.01,
    )
    return [
        NodeDef(
            name="LoadImageSetFromFolderNode",
            display_name="Load Image Dataset from Folder",
            category="loaders",
            python_module=module,
            experimental=True,
            description="Loads a batch of images from a directory for training.",
            input_types=lambda: {
                "required": {"folder": (dirs.input_subfolders(), _tip(folder_tip))},
                "optional": {"resize_method": resize},
            },
            return_types=("IMAGE",),
            run=load_image_set,
        ),
        NodeDef(
            name="LoadImageTextSetFromFolderNode",
            display_name="Load Image and Text Dataset from Folder",
            category="loaders",
            python_module=module,
            experimental=True,
            description="Loads a batch of images and caption from a directory for training.",
            input_types=lambda: {
                "required": {
                    "folder": (dirs.input_subfolders(), _tip(folder_tip)),
                    "clip": ("CLIP", _tip("The CLIP model used for encoding the text.")),
                },
                "optional": {
                    "resize_method": resize,
                    "width": (
                        "INT",
                        _tip(
                            "The width to resize the images to. -1 means use the original width.",
                            default=-1,
                            min=-1,
                            max=10000,
                            step=1,
                        ),
                    ),
                    "height": (
                        "INT",
                        _tip(
                            "The height to resize the images to. -1 means use the original height.",
                            default=-1,
                            min=-1,
                            max=10000,
                            step=1,
                        ),
                    ),
                },
            },
            return_types=("IMAGE", "CONDITIONING"),
            run=load_image_text_set,
        ),
        NodeDef(
            name="TrainLoraNode",
            display_name="Train LoRA",
            category="training",
            python_module=module,
            experimental=True,
            input_types=lambda: {
                "required": {
                    "model": ("MODEL", _tip("The model to train the LoRA on.")),
                    "latents": (
                        "LATENT",
                        _tip("The Latents to use for training, serve as dataset/input of the model."),
                    ),
                    "positive": ("CONDITIONING", _tip("The positive conditioning to use for training.")),
                    "batch_size": (
                        "INT",
                        _tip("The batch size to use for training.", default=1, min=1, max=10000, step=1),
                    ),
                    "grad_accumulation_steps": (
                        "INT",
                        _tip(
                            "The number of gradient accumulation steps to use for training.",
                            default=1,
                            min=1,
                            max=1024,
                            step=1,
                        ),
                    ),
                    "steps": ("INT", _tip("The number of steps to train the LoRA for.", default=16, min=1, max=100000)),
                    "learning_rate": (
                        "FLOAT",
                        _tip("The learning rate to use for training.", default=0.0005, min=1e-07, max=1.0, step=1e-06),
                    ),
                    "rank": ("INT", _tip("The rank of the LoRA layers.", default=8, min=1, max=128)),
                    "optimizer": (
                        ["AdamW", "Adam", "SGD", "RMSprop"],
                        _tip("The optimizer to use for training.", default="AdamW"),
                    ),
                    "loss_function": (
                        ["MSE", "L1", "Huber", "SmoothL1"],
                        _tip("The loss function to use for training.", default="MSE"),
                    ),
                    "seed": (
                        "INT",
                        _tip(
                            "The seed to use for training (used in generator for LoRA weight initialization and "
                            "noise sampling)",
                            default=0,
                            min=0,
                            max=0xFFFFFFFFFFFFFFFF,
                        ),
                    ),
                    "training_dtype": (["bf16", "fp32"], _tip("The dtype to use for training.", default="bf16")),
                    "lora_dtype": (["bf16", "fp32"], _tip("The dtype to use for lora.", default="bf16")),
                    "algorithm": (
                        ["LoRA", "LoHa", "LoKr", "OFT"],
                        _tip("The algorithm to use for training.", default="LoRA"),
                    ),
                    "gradient_checkpointing": (
                        "BOOLEAN",
                        _tip("Use gradient checkpointing for training.", default=True),
                    ),
                    "existing_lora": (
                        [*dirs.filename_list("loras"), "[None]"],
                        _tip("The existing LoRA to append to. Set to None for new LoRA.", default="[None]"),
                    ),
                }
            },
            return_types=("MODEL", "LORA_MODEL", "LOSS_MAP", "INT"),
            return_names=("model_with_lora", "lora", "loss", "steps"),
            run=train_lora,
        ),
        NodeDef(
            name="LoraModelLoader",
            display_name="Load LoRA Model",
            category="loaders",
            python_module=module,
            experimental=True,
            description="Load Trained LoRA weights from Train LoRA node.",
            input_types=lambda: {
                "required": {
                    "model": ("MODEL", _tip("The diffusion model the LoRA will be applied to.")),
                    "lora": ("LORA_MODEL", _tip("The LoRA model to apply to the diffusion model.")),
                    "strength_model": ("FLOAT", dict(strength)),
                }
            },
            return_types=("MODEL",),
            output_tooltips=("The modified diffusion model.",),
            run=apply_trained_lora,
        ),
        NodeDef(
            name="SaveLoRANode",
            display_name="Save LoRA Weights",
            category="loaders",
            python_module=module,
            experimental=True,
            output_node=True,
            input_types=lambda: {
                "required": {
                    "lora": ("LORA_MODEL", _tip("The LoRA model to save. Do not use the model with LoRA layers.")),
                    "prefix": (
                        "STRING",
                        _tip("The prefix to use for the saved LoRA file.", default="loras/ComfyUI_trained_lora"),
                    ),
                },
                "optional": {
                    "steps": (
                        "INT",
                        {
                            "forceInput": True,
                            "tooltip": "Optional: The number of steps to LoRA has been trained for, used to name the "
                            "saved file.",
                        },
                    ),
                },
            },
            return_types=(),
            run=save_lora,
        ),
        NodeDef(
            name="LossGraphNode",
            display_name="Plot Loss Graph",
            category="training",
            python_module=module,
            experimental=True,
            output_node=True,
            description="Plots the loss graph and saves it to the output directory.",
            input_types=lambda: {
                "required": {
                    "loss": ("LOSS_MAP", {"default": {}}),
                    "filename_prefix": ("STRING", {"default": "loss_graph"}),
                },
                "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
            },
            return_types=(),
            run=plot_loss,
        ),
    ]
