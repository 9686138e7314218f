"""CheckpointLoaderSimple and LoraLoader: the model combos come from the double's model folders."""

from __future__ import annotations

from .directories import ServerDirectories
from .node_context import NodeContext, model_not_found
from .node_types import NodeDef, NodeOutput
from .node_values import ClipRef, ModelRef, VaeRef


async def load_checkpoint(ctx: NodeContext, ckpt_name: str) -> NodeOutput:
    if ctx.dirs.full_model_path("checkpoints", ckpt_name) is None:
        raise model_not_found("checkpoints", ckpt_name)
    await ctx.models.load_checkpoint(ckpt_name)
    return NodeOutput((ModelRef(ckpt_name), ClipRef(ckpt_name), VaeRef(ckpt_name)))


async def load_lora(
    ctx: NodeContext, model: ModelRef, clip: ClipRef, lora_name: str, strength_model: float, strength_clip: float
) -> NodeOutput:
    if strength_model == 0 and strength_clip == 0:
        return NodeOutput((model, clip))
    if ctx.dirs.full_model_path("loras", lora_name) is None:
        raise model_not_found("loras", lora_name)
    lora = (lora_name, strength_model, strength_clip)
    return NodeOutput((ModelRef(model.checkpoint, (*model.loras, lora)), ClipRef(clip.checkpoint, (*clip.loras, lora))))


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    return [
        NodeDef(
            name="CheckpointLoaderSimple",
            display_name="Load Checkpoint",
            category="loaders",
            description="Loads a diffusion model checkpoint, diffusion models are used to denoise latents.",
            input_types=lambda: {
                "required": {
                    "ckpt_name": (
                        dirs.filename_list("checkpoints"),
                        {"tooltip": "The name of the checkpoint (model) to load."},
                    ),
                }
            },
            return_types=("MODEL", "CLIP", "VAE"),
            output_tooltips=(
                "The model used for denoising latents.",
                "The CLIP model used for encoding text prompts.",
                "The VAE model used for encoding and decoding images to and from latent space.",
            ),
            run=load_checkpoint,
        ),
        NodeDef(
            name="LoraLoader",
            display_name="Load LoRA",
            category="loaders",
            description="LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are "
            "denoised such as applying styles. Multiple LoRA nodes can be linked together.",
            input_types=lambda: {
                "required": {
                    "model": ("MODEL", {"tooltip": "The diffusion model the LoRA will be applied to."}),
                    "clip": ("CLIP", {"tooltip": "The CLIP model the LoRA will be applied to."}),
                    "lora_name": (dirs.filename_list("loras"), {"tooltip": "The name of the LoRA."}),
                    "strength_model": (
                        "FLOAT",
                        {
                            "default": 1.0,
                            "min": -100.0,
                            "max": 100.0,
                            "step": 0.01,
                            "tooltip": "How strongly to modify the diffusion model. This value can be negative.",
                        },
                    ),
                    "strength_clip": (
                        "FLOAT",
                        {
                            "default": 1.0,
                            "min": -100.0,
                            "max": 100.0,
                            "step": 0.01,
                            "tooltip": "How strongly to modify the CLIP model. This value can be negative.",
                        },
                    ),
                }
            },
            return_types=("MODEL", "CLIP"),
            output_tooltips=("The modified diffusion model.", "The modified CLIP model."),
            run=load_lora,
        ),
    ]
