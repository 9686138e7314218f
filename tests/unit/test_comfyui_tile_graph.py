"""The pieces of a ComfyUI tile: the half-tile shift, the seam mask, the seam pass's graph and the reference a
restarted worker reattaches by."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.backends.comfyui.tile_passes import _refs
from dgx_pixels_worker.backends.comfyui.tiles import (
    DENOISE,
    TILE_TITLE,
    band_halfwidth,
    load_node,
    rolled,
    seam_alpha,
    seam_graph,
    seam_pass_png,
)
from dgx_pixels_worker.backends.comfyui.workflow import BindParams, WorkflowError, WorkflowTemplate
from dgx_pixels_worker.settings.paths import shipped

from tests.support.comfyui_workflows import HIRES

SHIPPED = json.loads((shipped("workflows") / "txt2img_sprite.json").read_text())


def bound(template: WorkflowTemplate) -> dict:
    return template.bind(
        BindParams("stone", "blurry", 1, 8, 7.0, "euler", "normal", 128, 128, "m.safetensors", (), "dgx-pixels/j-0")
    )


def test_the_shift_brings_the_wrap_edges_into_a_central_cross() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    shifted = np.asarray(rolled(Image.fromarray(pixels)))
    assert np.array_equal(shifted[32, 48], pixels[0, 0])  # the top-left corner is now the centre
    assert np.array_equal(shifted[31, 47], pixels[-1, -1])
    assert np.array_equal(shifted[:, 0], np.roll(pixels[:, 48], 32, axis=0))  # the edges were inside


@pytest.mark.parametrize(("w", "h"), [(64, 64), (128, 96), (512, 512), (1024, 768)])
def test_the_mask_repaints_the_cross_and_never_touches_the_borders(w: int, h: int) -> None:
    alpha = seam_alpha(w, h)
    band = band_halfwidth(w, h)
    assert alpha.shape == (h, w) and band % 8 == 0
    for edge in (alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]):
        assert (edge == 255).all()  # kept: the border pixels are the first render's inside
    assert (alpha[h // 2 - band // 2 : h // 2 + band // 2, 2 * band : w - 2 * band] == 0).all()
    assert (alpha[2 * band : h - 2 * band, w // 2 - band // 2 : w // 2 + band // 2] == 0).all()
    assert alpha[h // 4 - band, w // 4 - band] == 255  # far from the cross: kept


def test_the_uploaded_png_is_the_shifted_render_with_the_mask_as_alpha() -> None:
    first = Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    with Image.open(io.BytesIO(seam_pass_png(first))) as upload:
        assert upload.mode == "RGBA"
        rgba = np.asarray(upload)
    assert np.array_equal(rgba[..., :3], np.asarray(rolled(first)))
    assert np.array_equal(rgba[..., 3], seam_alpha(64, 64))


def test_the_seam_pass_inpaints_the_upload_with_the_same_model_and_prompts() -> None:
    template = WorkflowTemplate.parse("t", SHIPPED)
    first = bound(template)
    graph = seam_graph(bound(template), template.roles, "dgx-pixels/x.png", 128, 128)
    by_class = {node["class_type"]: (node_id, node) for node_id, node in graph.items()}
    assert "EmptyLatentImage" not in by_class
    load_id, load = by_class["LoadImage"]
    assert load is load_node(graph) and load["inputs"] == {"image": "dgx-pixels/x.png"}
    assert load["_meta"]["title"] == TILE_TITLE
    encode_id, encode = by_class["VAEEncode"]
    mask_id, mask = by_class["SetLatentNoiseMask"]
    scale_id, scale = by_class["ImageScale"]  # the variations' graph, at the size the upload already has
    assert scale["inputs"]["image"] == [load_id, 0] and (scale["inputs"]["width"], scale["inputs"]["height"]) == (
        128,
        128,
    )
    assert encode["inputs"]["pixels"] == [scale_id, 0]
    assert mask["inputs"] == {"samples": [encode_id, 0], "mask": [load_id, 1]}
    sampler = graph[template.roles.sampler]["inputs"]
    assert sampler["latent_image"] == [mask_id, 0] and sampler["denoise"] == DENOISE
    for key in ("model", "positive", "negative", "seed", "steps", "cfg", "sampler_name", "scheduler"):
        assert sampler[key] == first[template.roles.sampler]["inputs"][key]
    paste_id, paste = by_class["ImageCompositeMasked"]
    assert paste["inputs"]["destination"] == [load_id, 0] and paste["inputs"]["mask"] == [load_id, 1]
    (save,) = [graph[n]["inputs"] for n in template.roles.save]
    assert save["images"] == [paste_id, 0] and save["filename_prefix"] == "dgx-pixels/j-0-seams"


def test_a_sampler_without_denoise_cannot_repaint_seams() -> None:
    template = WorkflowTemplate.parse("t", SHIPPED)
    graph = bound(template)
    del graph[template.roles.sampler]["inputs"]["denoise"]
    with pytest.raises(WorkflowError, match="tiles need a KSampler or KSamplerAdvanced"):
        seam_graph(graph, template.roles, "x.png", 128, 128)


@pytest.mark.parametrize(
    ("ref", "refs"),
    [(None, (None, None)), ("", (None, None)), ("p1", ("p1", None)), ("p1+p2", ("p1", "p2"))],
)
def test_the_backend_reference_names_the_first_pass_then_both(ref: str | None, refs: tuple) -> None:
    assert _refs(ref) == refs


def test_a_hires_template_masks_its_first_sampler_and_fits_the_upscaled_picture_back_to_the_tile() -> None:
    template = WorkflowTemplate.parse("hires", HIRES)
    graph = seam_graph(bound(template), template.roles, "x.png", 128, 128)
    (mask_id,) = [n for n, node in graph.items() if node["class_type"] == "SetLatentNoiseMask"]
    assert graph["3"]["inputs"]["latent_image"] == [mask_id, 0]
    assert graph["11"]["inputs"]["latent_image"] == ["10", 0]  # the second pass samples the upscaled latent
    (paste,) = [node["inputs"] for node in graph.values() if node["class_type"] == "ImageCompositeMasked"]
    assert paste["source"] == ["8", 0] and paste["resize_source"] is True
