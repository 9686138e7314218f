"""One API node (api_node: true), as the real server lists ~100 of them; running it without a login fails."""

from __future__ import annotations

from .directories import ServerDirectories
from .node_context import NodeContext
from .node_types import NodeDef, NodeOutput


async def generate_with_dalle3(ctx: NodeContext, **inputs: object) -> NodeOutput:
    raise Exception("Unauthorized: Please login first to use this node.")


def node_defs(dirs: ServerDirectories) -> list[NodeDef]:
    return [
        NodeDef(
            name="OpenAIDalle3",
            display_name="OpenAI DALL·E 3",
            category="api node/image/OpenAI",
            schema_v3=True,
            api_node=True,
            python_module="comfy_api_nodes.nodes_openai",
            description="Generates images synchronously via OpenAI's DALL·E 3 endpoint.",
            input_types=lambda: {
                "required": {
                    "prompt": ("STRING", {"tooltip": "Text prompt for DALL·E", "default": "", "multiline": True}),
                    "seed": (
                        "INT",
                        {
                            "tooltip": "not implemented yet in backend",
                            "default": 0,
                            "min": 0,
                            "max": 2147483647,
                            "step": 1,
                            "control_after_generate": True,
                            "display": "number",
                        },
                    ),
                    "quality": (
                        "COMBO",
                        {
                            "tooltip": "image quality",
                            "default": "standard",
                            "multiselect": False,
                            "options": ["standard", "hd"],
                        },
                    ),
                    "style": (
                        "COMBO",
                        {
                            "tooltip": "Vivid causes the model to lean towards generating hyper-real and "
                            "dramatic images. Natural causes the model to produce more natural, "
                            "less hyper-real looking images.",
                            "default": "natural",
                            "multiselect": False,
                            "options": ["natural", "vivid"],
                        },
                    ),
                    "size": (
                        "COMBO",
                        {
                            "tooltip": "Image size",
                            "default": "1024x1024",
                            "multiselect": False,
                            "options": ["1024x1024", "1024x1792", "1792x1024"],
                        },
                    ),
                },
                "hidden": {
                    "auth_token_comfy_org": ("AUTH_TOKEN_COMFY_ORG",),
                    "api_key_comfy_org": ("API_KEY_COMFY_ORG",),
                    "unique_id": ("UNIQUE_ID",),
                },
            },
            return_types=("IMAGE",),
            run=generate_with_dalle3,
        ),
    ]
