"""The parts of a variation alone: the body bound that lets an uploaded image through, the image-to-image graph
derived from a preset's template, the checks of an uploaded image, and the procedural generator's variations."""

import copy
import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.backends.comfyui.img2img import image_to_image, source_png
from dgx_pixels_worker.backends.comfyui.workflow import WorkflowError, WorkflowTemplate
from dgx_pixels_worker.jobs.source_images import stored_source
from dgx_pixels_worker.procedural import render_sprite
from dgx_pixels_worker.procedural.reference import sprite_from_image
from dgx_pixels_worker.procedural.variation import Origin, origin_of, vary_plan
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.body_limits import MAX_TEXT, check_body
from dgx_pixels_worker.protocol.messages import MAX_UPLOAD_BYTES

from tests.support.comfyui_workflows import HIRES
from tests.unit.test_workflow_binding import SHIPPED, params


def png(image: Image.Image, **info) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **info)
    return buffer.getvalue()


def test_init_png_may_hold_4_mib_and_no_more_while_other_binaries_keep_64_kib():
    check_body({"prompt": "x", "init_png": bytes(MAX_UPLOAD_BYTES)}, "generate")
    with pytest.raises(WorkerError) as caught:
        check_body({"prompt": "x", "init_png": bytes(MAX_UPLOAD_BYTES + 1)}, "generate")
    assert caught.value.details == {"field": "init_png"} and "4194304 this field may hold" in caught.value.message
    for body, kind in (({"init_png": bytes(MAX_TEXT + 1)}, "compare"), ({"other": bytes(MAX_TEXT + 1)}, "generate")):
        with pytest.raises(WorkerError):
            check_body(body, kind)


def test_the_shipped_template_becomes_img2img_keeping_its_checkpoint_loras_and_sampler():
    template = WorkflowTemplate.parse("t", copy.deepcopy(SHIPPED))
    graph = template.bind(params())
    load = image_to_image(graph, template.roles, "dgx-pixels/a.png", 512, 768, 0.4)
    assert graph[load] == {
        "class_type": "LoadImage",
        "inputs": {"image": "dgx-pixels/a.png"},
        "_meta": {"title": "dgx-pixels source"},
    }
    sampler = graph[template.roles.sampler]["inputs"]
    encode = graph[sampler["latent_image"][0]]
    assert encode["class_type"] == "VAEEncode" and encode["inputs"]["vae"] == ["4", 2]
    scale = graph[encode["inputs"]["pixels"][0]]["inputs"]
    assert scale == {
        "image": [load, 0],
        "upscale_method": "nearest-exact",
        "width": 512,
        "height": 768,
        "crop": "center",
    }
    assert sampler["denoise"] == 0.4 and sampler["sampler_name"] == "euler" and sampler["seed"] == 42
    assert not any(node["class_type"] == "EmptyLatentImage" for node in graph.values())


def test_a_hires_template_varies_in_its_first_pass_and_keeps_its_second():
    template = WorkflowTemplate.parse("hires", copy.deepcopy(HIRES))
    graph = template.bind(params())
    image_to_image(graph, template.roles, "a.png", 512, 512, 0.3)
    first, second = template.roles.samplers
    assert graph[first]["inputs"]["denoise"] == 0.3
    assert graph[second]["inputs"]["denoise"] == HIRES[second]["inputs"]["denoise"]


def test_a_sampler_without_denoise_is_refused_with_the_reason():
    graph = copy.deepcopy(SHIPPED)
    del graph["3"]["inputs"]["denoise"]
    template = WorkflowTemplate.parse("t", graph)
    with pytest.raises(WorkflowError, match="no denoise input"):
        image_to_image(template.bind(params()), template.roles, "a.png", 64, 64, 0.5)


def test_the_source_comfyui_gets_is_flattened_on_white():
    sprite = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    sprite.putpixel((1, 1), (255, 0, 0, 255))
    with Image.open(io.BytesIO(source_png(png(sprite)))) as flat:
        assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (255, 255, 255) and flat.getpixel((1, 1)) == (255, 0, 0)


def test_an_upload_is_kept_as_rgba_png_whatever_its_format_and_keeps_only_valid_parameters():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 30)).save(buffer, "JPEG")
    with Image.open(io.BytesIO(stored_source(buffer.getvalue()))) as kept:
        assert (kept.format, kept.mode, kept.size) == ("PNG", "RGBA", (20, 10))
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("dgx-pixels", '{"generator": "procedural/1", "prompt": "knight", "seed": 4}')
    info.add_text("comment", "x" * 1000)
    with Image.open(io.BytesIO(stored_source(png(Image.new("RGBA", (8, 8)), pnginfo=info)))) as kept:
        assert set(kept.text) == {"dgx-pixels"}


@pytest.mark.parametrize("data", [b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_damaged_uploads_are_invalid_naming_init_png(data):
    with pytest.raises(WorkerError) as caught:
        stored_source(data)
    assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"field": "init_png"}


def test_no_variation_is_the_sprite_itself_and_each_variation_is_deterministic():
    for prompt in ("knight", "green slime", "ruby gem", "", "grass tile"):
        assert np.array_equal(vary_plan(Origin(prompt, "", 5), 32, 32)[0], render_sprite(prompt, 5, 32, 32))
        varied = Origin(prompt, "", 5).then(8, 0.5)
        first, again = vary_plan(varied, 32, 32)[0], vary_plan(varied, 32, 32)[0]
        assert np.array_equal(first, again) and not np.array_equal(first, render_sprite(prompt, 5, 32, 32))


def test_the_plan_is_read_from_a_procedural_png_and_chains_through_a_variation():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("dgx-pixels", '{"generator": "procedural/3", "prompt": "axe", "negative": "", "seed": 2}')
    assert origin_of(png(Image.new("RGBA", (4, 4)), pnginfo=info)) == Origin("axe", "", 2)
    chained = PngImagePlugin.PngInfo()
    chained.add_text("dgx-pixels", '{"varied_from": {"prompt": "axe", "negative": "", "seed": 2, "steps": [[7, 0.5]]}}')
    assert origin_of(png(Image.new("RGBA", (4, 4)), pnginfo=chained)) == Origin("axe", "", 2, ((7, 0.5),))
    assert origin_of(png(Image.new("RGBA", (4, 4)))) is None


def test_an_image_becomes_a_sprite_of_the_asked_size_and_strength_moves_its_colours():
    picture = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    picture.paste((220, 30, 30, 255), (0, 0, 400, 100))
    data = png(picture)
    weak = sprite_from_image(data, 32, 32, seed=1, strength=0.05)
    strong = sprite_from_image(data, 32, 32, seed=1, strength=1.0)
    assert weak.shape == strong.shape == (32, 32, 4)
    assert np.array_equal(weak[..., 3], strong[..., 3]) and (weak[..., 3] == 0).any()  # 4:1 fits with empty rows
    red = np.array([220, 30, 30])
    distance = [np.abs(s[s[..., 3] > 0][:, :3].astype(int) - red).mean() for s in (weak, strong)]
    assert distance[0] < 15 < distance[1]
    assert np.array_equal(strong, sprite_from_image(data, 32, 32, seed=1, strength=1.0))
    assert not np.array_equal(strong, sprite_from_image(data, 32, 32, seed=2, strength=1.0))


class CountingHTTP:
    """ComfyHTTP's upload as ComfyUI answers it, counting the requests."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict, dict]] = []

    async def upload(self, path, data, files):
        self.posts.append((path, data, files))
        name = files["image"][0]
        return {"name": name, "subfolder": data["subfolder"], "type": "input"}


async def test_the_same_bytes_are_uploaded_once_while_the_server_stays_up_and_again_after_it_went_away():
    from dgx_pixels_worker.backends.comfyui.uploads import ImageUploads, content_name

    http = CountingHTTP()
    uploads = ImageUploads(http)  # type: ignore[arg-type]
    data = source_png(png(Image.new("RGBA", (8, 8), (1, 2, 3, 255))))
    name = content_name(data)
    assert await uploads.upload_image(data, name, "dgx-pixels") == f"dgx-pixels/{name}"
    assert await uploads.upload_image(data, name, "dgx-pixels") == f"dgx-pixels/{name}"
    assert len(http.posts) == 1
    path, fields, files = http.posts[0]
    assert path == "/upload/image" and fields == {"type": "input", "subfolder": "dgx-pixels"}
    assert files == {"image": (name, data, "image/png")}
    uploads.forget()
    await uploads.upload_image(data, name, "dgx-pixels")
    assert len(http.posts) == 2
