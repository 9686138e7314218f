"""The double's inpainting nodes: described as a real ComfyUI 0.3.64 describes them, and doing what a tile's seam
pass relies on (a noise mask keeps the encoded picture where it is 0; the composite keeps the destination there)."""

import asyncio
import json

import numpy as np

from tests.support.comfyui_double.directories import ServerDirectories
from tests.support.comfyui_double.image_synth import SampleRecipe
from tests.support.comfyui_double.node_catalog import build_node_catalog
from tests.support.comfyui_double.node_values import ImageBatch, Latent, Mask
from tests.support.comfyui_double.nodes_masks import composite_masked, set_latent_noise_mask
from tests.support.comfyui_double.nodes_sampling import final_small_pixels, upscale_latent_by

# GET /object_info/<class> on a real ComfyUI 0.3.64 (CPU rig).
REAL = {
    "SetLatentNoiseMask": {
        "input": {"required": {"samples": ["LATENT"], "mask": ["MASK"]}},
        "input_order": {"required": ["samples", "mask"]},
        "output": ["LATENT"],
        "output_is_list": [False],
        "output_name": ["LATENT"],
        "name": "SetLatentNoiseMask",
        "display_name": "Set Latent Noise Mask",
        "description": "",
        "python_module": "nodes",
        "category": "latent/inpaint",
        "output_node": False,
    },
    "ImageCompositeMasked": {
        "input": {
            "required": {
                "destination": ["IMAGE"],
                "source": ["IMAGE"],
                "x": ["INT", {"default": 0, "min": 0, "max": 16384, "step": 1}],
                "y": ["INT", {"default": 0, "min": 0, "max": 16384, "step": 1}],
                "resize_source": ["BOOLEAN", {"default": False}],
            },
            "optional": {"mask": ["MASK"]},
        },
        "input_order": {"required": ["destination", "source", "x", "y", "resize_source"], "optional": ["mask"]},
        "output": ["IMAGE"],
        "output_is_list": [False],
        "output_name": ["IMAGE"],
        "name": "ImageCompositeMasked",
        "display_name": "ImageCompositeMasked",
        "description": "",
        "python_module": "comfy_extras.nodes_mask",
        "category": "image",
        "output_node": False,
    },
}


def test_the_nodes_are_described_as_the_real_server_describes_them(tmp_path):
    catalog = build_node_catalog(ServerDirectories(tmp_path))
    for name, real in REAL.items():
        assert json.loads(json.dumps(catalog[name].node_info())) == real


def test_a_noise_mask_keeps_the_encoded_picture_where_it_is_zero():
    init = np.random.default_rng(0).integers(0, 256, (1, 4, 4, 3), dtype=np.uint8)
    plane = np.zeros((1, 32, 32), dtype=np.float32)
    plane[:, :, 16:] = 1.0  # repaint the right half
    latent = asyncio.run(set_latent_noise_mask(None, Latent(4, 4, 1, None, init), Mask(plane))).result[0]
    sampled = Latent(4, 4, 1, SampleRecipe(1, "stone", "m.safetensors", (), 0.75), init, latent.noise_mask)
    picture = final_small_pixels(sampled, sampled.recipe, 0)
    assert np.array_equal(picture[:, :2], init[0, :, :2])
    assert not np.array_equal(picture[:, 2:], init[0, :, 2:])


def test_the_composite_keeps_the_destination_where_the_mask_is_zero():
    destination = ImageBatch(np.full((1, 8, 8, 3), 10, dtype=np.uint8))
    source = ImageBatch(np.full((1, 8, 8, 3), 200, dtype=np.uint8))
    plane = np.zeros((1, 8, 8), dtype=np.float32)
    plane[:, 2:6, 2:6] = 1.0
    out = asyncio.run(composite_masked(None, destination, source, 0, 0, False, Mask(plane))).result[0].pixels
    assert (out[0, 2:6, 2:6] == 200).all() and (out[0, :2] == 10).all() and (out[0, :, 6:] == 10).all()
    whole = asyncio.run(composite_masked(None, destination, source, 0, 0, False)).result[0].pixels
    assert (whole == 200).all()  # no mask: the source everywhere


def test_a_noise_mask_follows_the_latent_through_an_upscale():
    init = np.zeros((1, 4, 4, 3), dtype=np.uint8)
    plane = np.zeros((1, 32, 32), dtype=np.float32)
    plane[:, :, 16:] = 1.0
    masked = asyncio.run(set_latent_noise_mask(None, Latent(4, 4, 1, None, init), Mask(plane))).result[0]
    upscaled = asyncio.run(upscale_latent_by(None, masked, "nearest-exact", 2.0)).result[0]
    assert upscaled.noise_mask is not None  # LatentUpscaleBy copies the latent dict
    sampled = Latent(8, 8, 1, SampleRecipe(3, "x", "m.safetensors"), upscaled.init_pixels, upscaled.noise_mask)
    picture = final_small_pixels(sampled, sampled.recipe, 0)
    assert picture.shape == (8, 8, 3) and (picture[:, :3] == 0).all()
