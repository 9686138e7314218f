"""Variations on ComfyUI (its test double): the source is uploaded with `/upload/image` as a real client does,
and the preset's own graph becomes image-to-image: LoadImage of the uploaded file, scaled, encoded, and the
KSampler's denoise set to the strength; the preset's checkpoint and LoRAs stay."""

import asyncio
import io
import time

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.backends.comfyui.img2img import source_png
from dgx_pixels_worker.backends.comfyui.uploads import content_name
from dgx_pixels_worker.protocol import messages as m

from tests.integration.test_comfyui_backend import BASE, PIXEL_LORA, history, wait_until_usable
from tests.support.comfyui_rig import comfyui_rig
from tests.support.requests import finished_job
from tests.support.sprite_images import png_bytes, square_sprite
from tests.support.streams import final_state_after_restart


@pytest.fixture
def rig(tmp_path):
    """(a ComfyUI double, a worker driving it); both killed after the test."""
    with comfyui_rig(tmp_path) as pair:
        yield pair


def sketch_png() -> bytes:
    return png_bytes(square_sprite((30, 200, 60), size=32, margin=8))


def graph_of(gpu, reply):
    return history(gpu, reply.image.params["prompt_id"])["prompt"][2]


async def test_an_uploaded_source_is_uploaded_once_and_varied_by_img2img_with_the_preset_kept(rig):
    gpu, worker = rig
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-pixel-art")
        job = await client.generate(
            "green slime",
            model="sdxl-pixel-art",
            width=256,
            height=256,
            steps=4,
            count=2,
            seed=1,
            init_png=sketch_png(),
            strength=0.35,
        )
        done = await finished_job(client, job.id)
        assert done.state is m.JobState.COMPLETED, done.error
        replies = [await client.image(image_id) for image_id in done.images]
    expected = source_png(sketch_png())
    uploaded = list((gpu.root / "input" / "dgx-pixels").iterdir())
    # the shape a browser sends: the file under `image` in ComfyUI's input folder, subfolder dgx-pixels; two
    # images of one job, one file
    assert [p.name for p in uploaded] == [content_name(expected)]
    assert uploaded[0].read_bytes() == expected
    for reply in replies:
        graph = graph_of(gpu, reply)
        nodes = {node["class_type"]: node["inputs"] for node in graph.values()}
        assert nodes["LoadImage"]["image"] == f"dgx-pixels/{content_name(expected)}"
        assert nodes["KSampler"]["denoise"] == 0.35
        assert "EmptyLatentImage" not in nodes
        scale_id = nodes["VAEEncode"]["pixels"][0]
        assert graph[scale_id]["class_type"] == "ImageScale"
        assert (nodes["ImageScale"]["width"], nodes["ImageScale"]["height"]) == (256, 256)
        assert nodes["ImageScale"]["upscale_method"] == "nearest-exact"
        sampler = next(n for n in graph.values() if n["class_type"] == "KSampler")
        assert graph[sampler["inputs"]["latent_image"][0]]["class_type"] == "VAEEncode"
        assert nodes["CheckpointLoaderSimple"]["ckpt_name"] == BASE and nodes["LoraLoader"]["lora_name"] == PIXEL_LORA
        assert reply.image.params["init_image"] == done.init_image and reply.image.params["strength"] == 0.35
    assert gpu.stats()["prompts_succeeded"] == 2


async def test_a_gallery_image_is_varied_on_comfyui_and_a_weak_variation_stays_closer(rig):
    gpu, worker = rig
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        source_job = await finished_job(
            client, (await client.generate("knight", model="procedural", width=64, height=64, seed=2)).id
        )
        source = await client.image(source_job.images[0])
        far = {}
        for strength in (0.1, 1.0):
            job = await client.generate(
                "knight",
                model="sdxl-base",
                width=64,
                height=64,
                steps=3,
                seed=9,
                init_image=source.image.id,
                strength=strength,
                postprocess="none",
            )
            done = await finished_job(client, job.id)
            assert done.state is m.JobState.COMPLETED, done.error
            reply = await client.image(done.images[0])
            graph = graph_of(gpu, reply)
            assert next(n for n in graph.values() if n["class_type"] == "KSampler")["inputs"]["denoise"] == strength
            with Image.open(io.BytesIO(reply.png)) as image:
                varied = np.asarray(image.convert("RGB")).astype(float)
            with Image.open(io.BytesIO(source_png(source.png))) as image:
                base = np.asarray(image.convert("RGB").resize((64, 64), Image.Resampling.NEAREST)).astype(float)
            far[strength] = np.abs(varied - base).mean()
    assert len(list((gpu.root / "input" / "dgx-pixels").iterdir())) == 1  # one source, uploaded once
    assert far[0.1] < far[1.0]


async def test_a_worker_restarted_mid_variation_reattaches_without_uploading_again(rig):
    gpu, worker = rig
    gpu.control(step_time=0.05)
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        job = await client.generate(
            "slime", model="sdxl-base", width=64, height=64, steps=40, init_png=sketch_png(), strength=0.5
        )
        deadline = time.monotonic() + 20
        while gpu.stats()["running_prompt_id"] is None:
            assert time.monotonic() < deadline, "the prompt never started"
            await asyncio.sleep(0.05)
    folder = gpu.root / "input" / "dgx-pixels"
    for uploaded in folder.iterdir():
        uploaded.unlink()  # ComfyUI already loaded it: a second upload would bring it back
    worker.kill()
    worker.start()
    async with worker.client() as client:
        done = await final_state_after_restart(client, job.id)
    assert done.state is m.JobState.COMPLETED, done.error
    assert list(folder.iterdir()) == []
    stats = gpu.stats()
    assert stats["prompts_received"] == 1 and stats["prompts_executed"] == 1
