"""CLIPTextEncode, EmptyLatentImage, KSampler, VAEDecode, VAEEncode: the text-to-image path.

KSampler is the only node that takes time (steps x step_time) and reports per-step progress and previews.
"""

from __future__ import annotations

import asyncio

import numpy as np

from .binary_frames import PreviewImage
from .directories import ServerDirectories
from .image_synth import (
    LATENT_SCALE,
    SampleRecipe,
    blank_pixels,
    noise_pixels,
    preview_frame,
    sprite_pixels,
    upscale_nearest,
)
from .node_context import NodeContext
from .node_types import NodeDef, NodeOutput
from .node_values import ClipRef, Conditioning, ImageBatch, Latent, ModelRef, VaeRef, resized_plane

MAX_RESOLUTION = 16384

SAMPLERS = [
    "euler",
    "euler_cfg_pp",
    "euler_ancestral",
    "euler_ancestral_cfg_pp",
    "heun",
    "heunpp2",
    "dpm_2",
    "dpm_2_ancestral",
    "lms",
    "dpm_fast",
    "dpm_adaptive",
    "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp",
    "dpmpp_sde",
    "dpmpp_sde_gpu",
    "dpmpp_2m",
    "dpmpp_2m_cfg_pp",
    "dpmpp_2m_sde",
    "dpmpp_2m_sde_gpu",
    "dpmpp_2m_sde_heun",
    "dpmpp_2m_sde_heun_gpu",
    "dpmpp_3m_sde",
    "dpmpp_3m_sde_gpu",
    "ddpm",
    "lcm",
    "ipndm",
    "ipndm_v",
    "deis",
    "res_multistep",
    "res_multistep_cfg_pp",
    "res_multistep_ancestral",
    "res_multistep_ancestral_cfg_pp",
    "gradient_estimation",
    "gradient_estimation_cfg_pp",
    "er_sde",
    "seeds_2",
    "seeds_3",
    "sa_solver",
    "sa_solver_pece",
    "ddim",
    "uni_pc",
    "uni_pc_bh2",
]
SCHEDULERS = [
    "simple",
    "sgm_uniform",
    "karras",
    "exponential",
    "ddim_uniform",
    "beta",
    "normal",
    "linear_quadratic",
    "kl_optimal",
]


async def encode_text(ctx: NodeContext, text: str, clip: ClipRef) -> NodeOutput:
    if clip is None:
        raise RuntimeError(
            "ERROR: clip input is invalid: None\n\nIf the clip is from a checkpoint loader node your "
            "checkpoint does not contain a valid clip or text encoder model."
        )
    return NodeOutput((Conditioning(text, clip),))


async def empty_latent(ctx: NodeContext, width: int, height: int, batch_size: int = 1) -> NodeOutput:
    return NodeOutput((Latent(width // LATENT_SCALE, height // LATENT_SCALE, batch_size),))


def final_small_pixels(latent: Latent, recipe: SampleRecipe | None, index: int) -> np.ndarray:
    """The latent-size picture a finished sampling decodes to."""
    init = latent.init_pixels[min(index, len(latent.init_pixels) - 1)] if latent.init_pixels is not None else None
    if recipe is None:
        return init if init is not None else blank_pixels(latent.width, latent.height)
    drawn = sprite_pixels(recipe, latent.width, latent.height, index)
    if init is None:
        return drawn
    mixed = drawn if recipe.denoise >= 1.0 else recipe.denoise * drawn + (1.0 - recipe.denoise) * init
    if latent.noise_mask is not None:  # the sampler keeps the encoded picture wherever the mask is 0
        weight = resized_plane(latent.noise_mask, latent.width, latent.height)[..., None]
        mixed = weight * mixed + (1.0 - weight) * init
    return np.asarray(mixed).astype(np.uint8)


async def sample(
    ctx: NodeContext,
    model: ModelRef,
    seed: int,
    steps: int,
    cfg: float,
    sampler_name: str,
    scheduler: str,
    positive: Conditioning,
    negative: Conditioning,
    latent_image: Latent,
    denoise: float = 1.0,
) -> NodeOutput:
    recipe = SampleRecipe(seed, positive.text, model.checkpoint, model.loras, denoise)
    result = Latent(
        latent_image.width,
        latent_image.height,
        latent_image.batch,
        recipe,
        latent_image.init_pixels,
        latent_image.noise_mask,  # common_ksampler copies the latent dict: the mask stays on the output
    )
    total = steps if denoise > 0 else 0  # denoise 0 gives an empty sigma schedule: no steps, no callbacks
    final = noise = None
    if ctx.previews_enabled and total:
        final = final_small_pixels(result, recipe, 0)
        noise = noise_pixels(recipe, latent_image.width, latent_image.height)
    clock = asyncio.get_running_loop().time
    due = clock()
    for step in range(total):
        # Steps are scheduled back to back so preview work does not stretch the run past steps x step_time.
        due = max(due + ctx.controls.step_time, clock())
        await ctx.work(due - clock())
        preview = PreviewImage(preview_frame(final, noise, step + 1, total)) if final is not None else None
        await ctx.report_progress(step + 1, total, preview)
    return NodeOutput((result,))


async def upscale_latent_by(ctx: NodeContext, samples: Latent, upscale_method: str, scale_by: float) -> NodeOutput:
    """LatentUpscaleBy: the sampled picture scaled (nearest) to round(side * scale_by) latent pixels; a sampler
    after it starts from that picture, as a hires-fix pass does."""
    width, height = round(samples.width * scale_by), round(samples.height * scale_by)
    small = np.stack([final_small_pixels(samples, samples.recipe, i) for i in range(samples.batch)])
    rows = np.minimum((np.arange(height) * samples.height) // max(1, height), samples.height - 1)
    cols = np.minimum((np.arange(width) * samples.width) // max(1, width), samples.width - 1)
    scaled = np.ascontiguousarray(small[:, rows][:, :, cols])
    # The real node copies the latent dict, so a noise mask rides along (the sampler scales it to the latent).
    return NodeOutput((Latent(width, height, samples.batch, None, scaled, samples.noise_mask),))


async def decode(ctx: NodeContext, samples: Latent, vae: VaeRef) -> NodeOutput:
    pixels = np.stack([upscale_nearest(final_small_pixels(samples, samples.recipe, i)) for i in range(samples.batch)])
    return NodeOutput((ImageBatch(pixels),))


async def encode(ctx: NodeContext, pixels: ImageBatch, vae: VaeRef) -> NodeOutput:
    width, height = pixels.width // LATENT_SCALE, pixels.height // LATENT_SCALE
    small = pixels.pixels[:, : height * LATENT_SCALE : LATENT_SCALE, : width * LATENT_SCALE : LATENT_SCALE]
    return NodeOutput((Latent(width, height, pixels.batch, None, np.ascontiguousarray(small)),))


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    return [
        NodeDef(
            name="CLIPTextEncode",
            display_name="CLIP Text Encode (Prompt)",
            category="conditioning",
            description="Encodes a text prompt using a CLIP model into an embedding that can be used to guide the "
            "diffusion model towards generating specific images.",
            input_types=lambda: {
                "required": {
                    "text": (
                        "STRING",
                        {"multiline": True, "dynamicPrompts": True, "tooltip": "The text to be encoded."},
                    ),
                    "clip": ("CLIP", {"tooltip": "The CLIP model used for encoding the text."}),
                }
            },
            return_types=("CONDITIONING",),
            output_tooltips=("A conditioning containing the embedded text used to guide the diffusion model.",),
            run=encode_text,
        ),
        NodeDef(
            name="KSampler",
            display_name="KSampler",
            category="sampling",
            description="Uses the provided model, positive and negative conditioning to denoise the latent image.",
            input_types=lambda: {
                "required": {
                    "model": ("MODEL", {"tooltip": "The model used for denoising the input latent."}),
                    "seed": (
                        "INT",
                        {
                            "default": 0,
                            "min": 0,
                            "max": 0xFFFFFFFFFFFFFFFF,
                            "control_after_generate": True,
                            "tooltip": "The random seed used for creating the noise.",
                        },
                    ),
                    "steps": (
                        "INT",
                        {
                            "default": 20,
                            "min": 1,
                            "max": 10000,
                            "tooltip": "The number of steps used in the denoising process.",
                        },
                    ),
                    "cfg": (
                        "FLOAT",
                        {
                            "default": 8.0,
                            "min": 0.0,
                            "max": 100.0,
                            "step": 0.1,
                            "round": 0.01,
                            "tooltip": "The Classifier-Free Guidance scale balances creativity and adherence to "
                            "the prompt. Higher values result in images more closely matching the "
                            "prompt however too high values will negatively impact quality.",
                        },
                    ),
                    "sampler_name": (
                        list(SAMPLERS),
                        {
                            "tooltip": "The algorithm used when sampling, this can affect the "
                            "quality, speed, and style of the generated output."
                        },
                    ),
                    "scheduler": (
                        list(SCHEDULERS),
                        {"tooltip": "The scheduler controls how noise is gradually removed to form the image."},
                    ),
                    "positive": (
                        "CONDITIONING",
                        {"tooltip": "The conditioning describing the attributes you want to include in the image."},
                    ),
                    "negative": (
                        "CONDITIONING",
                        {"tooltip": "The conditioning describing the attributes you want to exclude from the image."},
                    ),
                    "latent_image": ("LATENT", {"tooltip": "The latent image to denoise."}),
                    "denoise": (
                        "FLOAT",
                        {
                            "default": 1.0,
                            "min": 0.0,
                            "max": 1.0,
                            "step": 0.01,
                            "tooltip": "The amount of denoising applied, lower values will maintain the "
                            "structure of the initial image allowing for image to image sampling.",
                        },
                    ),
                }
            },
            return_types=("LATENT",),
            output_tooltips=("The denoised latent.",),
            run=sample,
        ),
        NodeDef(
            name="EmptyLatentImage",
            display_name="Empty Latent Image",
            category="latent",
            description="Create a new batch of empty latent images to be denoised via sampling.",
            input_types=lambda: {
                "required": {
                    "width": (
                        "INT",
                        {
                            "default": 512,
                            "min": 16,
                            "max": MAX_RESOLUTION,
                            "step": 8,
                            "tooltip": "The width of the latent images in pixels.",
                        },
                    ),
                    "height": (
                        "INT",
                        {
                            "default": 512,
                            "min": 16,
                            "max": MAX_RESOLUTION,
                            "step": 8,
                            "tooltip": "The height of the latent images in pixels.",
                        },
                    ),
                    "batch_size": (
                        "INT",
                        {"default": 1, "min": 1, "max": 4096, "tooltip": "The number of latent images in the batch."},
                    ),
                }
            },
            return_types=("LATENT",),
            output_tooltips=("The empty latent image batch.",),
            run=empty_latent,
        ),
        NodeDef(
            name="LatentUpscaleBy",
            display_name="Upscale Latent By",
            category="latent",
            input_types=lambda: {
                "required": {
                    "samples": ("LATENT",),
                    "upscale_method": (["nearest-exact", "bilinear", "area", "bicubic", "bislerp"],),
                    "scale_by": ("FLOAT", {"default": 1.5, "min": 0.01, "max": 8.0, "step": 0.01}),
                }
            },
            return_types=("LATENT",),
            run=upscale_latent_by,
        ),
        NodeDef(
            name="VAEDecode",
            display_name="VAE Decode",
            category="latent",
            description="Decodes latent images back into pixel space images.",
            input_types=lambda: {
                "required": {
                    "samples": ("LATENT", {"tooltip": "The latent to be decoded."}),
                    "vae": ("VAE", {"tooltip": "The VAE model used for decoding the latent."}),
                }
            },
            return_types=("IMAGE",),
            output_tooltips=("The decoded image.",),
            run=decode,
        ),
        NodeDef(
            name="VAEEncode",
            display_name="VAE Encode",
            category="latent",
            input_types=lambda: {"required": {"pixels": ("IMAGE",), "vae": ("VAE",)}},
            return_types=("LATENT",),
            run=encode,
        ),
    ]
