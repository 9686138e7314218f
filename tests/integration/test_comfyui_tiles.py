"""Seamless tiles on the ComfyUI test double: a first pass, its shifted copy uploaded, an inpainting seam pass whose
composite keeps the first pass's inside at the edges; progress over both passes, cancel in the second."""

import asyncio
import io
import json
import urllib.parse
import urllib.request

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.backends.comfyui.tiles import seam_alpha
from dgx_pixels_worker.client import Event
from dgx_pixels_worker.pixelart.seams import seam_score
from dgx_pixels_worker.protocol import messages as m

from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.streams import collect_until_terminal, final_state_after_restart
from tests.support.worker_process import WorkerProcess

CONFIG = (
    "[worker]\nheartbeat_s = 0.2\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\nshutdown_grace_s = 0.2\n"
    '\n[[backends]]\nname = "gpu1"\nurl = "{url}"\nslots = 1\nhealth_interval_s = 0.3\n'
)


@pytest.fixture
def rig(tmp_path):
    """A double and a worker driving it, both killed after the test."""
    started = []

    def start(step_time=0.02):
        double = ComfyUIDouble(
            tmp_path / "gpu1", checkpoints=["sd_xl_base_1.0.safetensors"], loras=[], step_time=step_time
        ).start()
        started.append(double)
        worker = WorkerProcess(tmp_path / "worker", config=CONFIG.format(url=double.url)).start()
        started.append(worker)
        return double, worker

    yield start
    for process in reversed(started):
        process.kill()


def get(double, path):
    with urllib.request.urlopen(f"{double.url}{path}", timeout=5) as response:
        return response.read()


def prompt_graph(double, prompt_id):
    return json.loads(get(double, f"/history/{prompt_id}"))[prompt_id]["prompt"][2]


def output_of(double, prompt_id):
    entry = json.loads(get(double, f"/history/{prompt_id}"))[prompt_id]
    (image,) = [i for out in entry["outputs"].values() for i in out["images"]]
    query = urllib.parse.urlencode({"filename": image["filename"], "subfolder": image["subfolder"], "type": "output"})
    return np.asarray(Image.open(io.BytesIO(get(double, f"/view?{query}"))).convert("RGB"))


async def tile_job(client, prompt, size, steps, seed, **more):
    """Once the preset is usable: subscribe, then queue a tile job; (the event stream, the job)."""
    for _ in range(100):
        if any(x.name == "sdxl-base" and x.available for x in await client.models()):
            break
        await asyncio.sleep(0.1)
    stream = client.events()
    await anext(stream)
    job = await client.generate(
        prompt, model="sdxl-base", width=size, height=size, steps=steps, seed=seed, tile=True, **more
    )
    return stream, job


async def test_a_tile_is_rendered_then_its_seams_repainted_from_the_uploaded_shifted_copy(rig):
    double, worker = rig()
    async with worker.client() as client:
        stream, job = await tile_job(client, "stone floor", 128, 5, 4)
        items = await collect_until_terminal(stream, [job.id], timeout=30)
        done = items[-1].body.job
        assert done.state is m.JobState.COMPLETED, done.error
        reply = await client.image(done.images[0], raw=True)
    stats = double.stats()
    assert stats["prompts_received"] == 2 and stats["prompts_succeeded"] == 2
    params = reply.image.params
    assert reply.image.tile is True
    first_id, seam_id = params["tile_first_prompt_id"], params["prompt_id"]
    seam = prompt_graph(double, seam_id)
    classes = sorted(node["class_type"] for node in seam.values())
    assert "EmptyLatentImage" not in classes
    assert {"LoadImage", "VAEEncode", "SetLatentNoiseMask", "KSampler", "ImageCompositeMasked", "SaveImage"} <= set(
        classes
    )
    (load,) = [node for node in seam.values() if node["class_type"] == "LoadImage"]
    uploaded = double.root / "input" / load["inputs"]["image"]
    assert uploaded.is_file()  # the upload happened, and the seam pass loads the file ComfyUI stored
    with Image.open(uploaded) as upload:
        shifted = np.asarray(upload.convert("RGBA"))
    first = output_of(double, first_id)
    assert np.array_equal(shifted[..., :3], np.roll(first, (64, 64), axis=(0, 1)))
    assert np.array_equal(shifted[..., 3], seam_alpha(128, 128))
    # The job's image is the seam pass's output: the first render's inside at its edges, the cross repainted.
    result = np.asarray(Image.open(io.BytesIO(reply.png)).convert("RGB"))
    assert np.array_equal(result, output_of(double, seam_id))
    moved = np.roll(first, (64, 64), axis=(0, 1))  # its column 0 is the first render's column 64, and so on
    for edge in (np.s_[:, 0], np.s_[:, -1], np.s_[0], np.s_[-1]):
        assert np.array_equal(result[edge], moved[edge])
    assert not np.array_equal(result[60:68], shifted[60:68, :, :3])
    assert params["seam_first_pass"] == pytest.approx(seam_score(first), abs=1e-3)
    # One bar over both passes, in order.
    progress = [i.body for i in items if isinstance(i, Event) and i.topic == "job.progress" and i.body.total]
    assert progress[-1].total == 10 and max(p.step for p in progress) == 10
    stages = [p.stage for p in progress]
    first_sampling = stages.index("sampling (tile, first pass)")
    assert (
        first_sampling
        < stages.index("uploading the tile for its seam pass")
        < stages.index("sampling (repainting the seams)")
    )


@pytest.mark.parametrize(
    ("during", "succeeded"), [("sampling (tile, first pass)", 0), ("sampling (repainting the seams)", 1)]
)
async def test_cancel_in_either_pass_interrupts_the_prompt_that_runs(rig, during, succeeded):
    double, worker = rig(step_time=0.1)
    async with worker.client() as client:
        stream, job = await tile_job(client, "grass", 64, 30, 1)
        await wait_for_stage(stream, during)
        await client.cancel(job.id)
        items = await collect_until_terminal(stream, [job.id], timeout=20)
    assert items[-1].body.job.state is m.JobState.CANCELLED
    stats = double.stats()
    assert stats["prompts_received"] == succeeded + 1  # no seam pass after a cancelled first pass
    assert stats["prompts_succeeded"] == succeeded and stats["prompts_interrupted"] == 1


async def wait_for_stage(stream, words):
    async for item in stream:
        if isinstance(item, Event) and item.topic == "job.progress" and item.body.stage.startswith(words):
            return
    raise AssertionError("the event stream ended")


@pytest.mark.parametrize("during", ["sampling (tile, first pass)", "sampling (repainting the seams)"])
async def test_a_worker_restarted_mid_tile_reattaches_instead_of_rendering_again(rig, during):
    double, worker = rig(step_time=0.05)
    async with worker.client() as client:
        stream, job = await tile_job(client, "water", 64, 30, 2)
        await wait_for_stage(stream, during)
    worker.kill()
    worker.start()
    async with worker.client() as client:
        done = await final_state_after_restart(client, job.id)
        assert done.state is m.JobState.COMPLETED, done.error
        reply = await client.image(done.images[0], raw=True)
    stats = double.stats()
    assert stats["prompts_received"] == 2 and stats["prompts_executed"] == 2  # each pass ran once
    first = output_of(double, reply.image.params["tile_first_prompt_id"])
    result = np.asarray(Image.open(io.BytesIO(reply.png)).convert("RGB"))
    assert np.array_equal(result, output_of(double, reply.image.params["prompt_id"]))
    assert np.array_equal(result[:, 0], np.roll(first, (32, 32), axis=(0, 1))[:, 0])
    assert reply.image.params["seam_first_pass"] == pytest.approx(seam_score(first), abs=1e-3)
