"""Edges of driving a real-shaped ComfyUI: model lists that change while it runs, previews on the right step,
hires-fix graphs, sizes it cannot render, and what the image records (see shared ComfyUI reference notes)."""

import asyncio
import io
import json
import urllib.request

import pytest
from PIL import Image

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.integration.test_comfyui_backend import (
    BASE,
    PIXEL_LORA,
    submit_and_wait_for_sampling,
    wait_until_usable,
    worker_config,
)
from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.comfyui_workflows import HIRES
from tests.support.streams import collect_until_terminal, generate_and_wait
from tests.support.worker_process import WorkerProcess


@pytest.fixture
def servers(tmp_path):
    """start(name, **options) -> a ComfyUI double; start.worker(config) -> a worker. All are killed afterwards."""
    started = []

    def start(name="gpu1", **options):
        options = {"checkpoints": [BASE], "loras": [PIXEL_LORA], "step_time": 0.02, **options}
        started.append(ComfyUIDouble(tmp_path / name, **options).start())
        return started[-1]

    def worker(config):
        started.append(WorkerProcess(tmp_path / "worker", config=config).start())
        return started[-1]

    start.worker = worker
    yield start
    for process in reversed(started):
        process.kill()


def library(tmp_path, presets, workflows=None):
    """A worker config section naming folders with these presets (name -> TOML) and workflows (name -> graph)."""
    models, flows = tmp_path / "presets", tmp_path / "flows"
    models.mkdir(exist_ok=True)
    flows.mkdir(exist_ok=True)
    for name, text in presets.items():
        (models / f"{name}.toml").write_text(text)
    for name, graph in (workflows or {}).items():
        (flows / f"{name}.json").write_text(json.dumps(graph))
    return f'models_dirs = ["{models}"]\nworkflows_dirs = ["{flows}"]\n'


async def render_watching(client, model, previews=False, **params):
    """Every event of one job of `model`, from the moment it is usable until the job ends."""
    await wait_until_usable(client, model)
    events = client.events(previews=previews)
    await anext(events)
    job = await client.generate("knight", model=model, **params)
    return await collect_until_terminal(events, [job.id], timeout=30)


def history_graph(double, prompt_id):
    with urllib.request.urlopen(f"{double.url}/history/{prompt_id}", timeout=5) as response:
        return json.loads(response.read())[prompt_id]["prompt"][2]


async def wait_for(check, timeout=10.0):
    for _ in range(int(timeout / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition never held")


async def test_models_added_or_deleted_while_comfyui_runs_are_seen_without_a_restart(tmp_path, servers):
    gpu = servers(checkpoints=[BASE], loras=[])
    worker = servers.worker(worker_config(("gpu1", gpu.url)))
    lora = gpu.root / "models" / "loras" / "pixel-art-xl.safetensors"
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        pixel = next(x for x in await client.models() if x.name == "sdxl-pixel-art")
        assert not pixel.available
        lora.write_bytes((gpu.root / "models" / "checkpoints" / BASE).read_bytes())
        await wait_until_usable(client, "sdxl-pixel-art", timeout=5)
        (gpu.root / "models" / "checkpoints" / BASE).unlink()

        async def gone():
            return not any(x.available for x in await client.models() if x.name == "sdxl-base")

        await wait_for(gone, timeout=5)
        base = next(x for x in await client.models() if x.name == "sdxl-base")
    assert BASE in str(base.where) and "not installed" in str(base.where)


async def test_a_preview_belongs_to_the_step_it_shows_and_each_prompt_asks_for_previews(servers):
    # A newer server started without --preview-method: only a prompt that asks for previews gets them.
    gpu = servers(preview_method="none", per_prompt_preview_method=True)
    worker = servers.worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        items = await render_watching(client, "sdxl-base", previews=True, width=64, height=64, steps=5, seed=2)
    assert items[-1].body.job.state is m.JobState.COMPLETED
    previews = [i.body.step for i in items if isinstance(i, Event) and i.topic == "preview"]
    assert previews == [1, 2, 3, 4, 5]  # the preview of step k comes before `progress` k, and is step k's


async def test_a_hires_fix_graph_binds_every_sampler_counts_one_bar_and_records_the_real_size(tmp_path, servers):
    gpu = servers(checkpoints=["x.safetensors"], loras=[])
    preset = (
        'checkpoint = "x.safetensors"\nworkflow = "hires"\npostprocess = []\n'
        '[defaults]\nwidth = 64\nheight = 64\nnegative = "blurry, 3d render"\n'
    )
    extra = library(tmp_path, {"hires": preset}, {"hires": HIRES})
    worker = servers.worker(worker_config(("gpu1", gpu.url), extra=extra))
    async with worker.client() as client:
        items = await render_watching(client, "hires", width=64, height=64, steps=4, seed=5, negative="text")
        done = items[-1].body.job
        assert done.state is m.JobState.COMPLETED, done.error
        image = await client.image(done.images[0])
    bar = [(i.body.step, i.body.total) for i in items if isinstance(i, Event) and i.topic == "job.progress"]
    assert {total for _, total in bar} == {8}  # 4 + 4 steps, one bar
    steps = [step for step, _ in bar]
    assert steps == sorted(steps) and steps[-1] == 8 and steps.count(8) == len(steps) - steps.index(8)
    stages = [i.body.stage for i in items if isinstance(i, Event) and i.topic == "job.progress"]
    assert stages.index("sampling, pass 1 of 2") < stages.index("upscaling") < stages.index("sampling, pass 2 of 2")
    graph = history_graph(gpu, image.image.params["prompt_id"])
    assert [(graph[n]["inputs"]["seed"], graph[n]["inputs"]["steps"]) for n in ("3", "11")] == [(5, 4), (5, 4)]
    assert graph["11"]["inputs"]["denoise"] == 0.5  # the template's own pass settings stay
    assert (image.image.width, image.image.height) == (128, 128)
    with Image.open(io.BytesIO(image.png)) as png:
        assert png.size == (128, 128)
        assert "Size: 128x128" in png.text["parameters"]
        assert "Negative prompt: blurry, 3d render, text\n" in png.text["parameters"]
    assert (image.image.params["negative"], image.image.params["negative_sent"]) == ("text", "blurry, 3d render, text")


async def test_a_size_comfyui_cannot_render_is_refused_with_the_nearest_sizes(servers):
    gpu = servers()
    worker = servers.worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        with pytest.raises(WorkerError) as refused:
            await client.generate("knight", model="sdxl-base", width=65, height=65)
        ok = await client.generate("knight", model="sdxl-base", width=72, height=64, steps=1)
    assert refused.value.code == ErrorCode.INVALID
    assert "64x64" in refused.value.message and "72x72" in refused.value.message
    assert ok.width == 72


async def test_a_preset_whose_sampler_the_server_lacks_is_unavailable_before_any_job(tmp_path, servers):
    gpu = servers()
    preset = f'checkpoint = "{BASE}"\n[defaults]\nsampler = "euler_fancy"\nscheduler = "normal"\n'
    worker = servers.worker(worker_config(("gpu1", gpu.url), extra=library(tmp_path, {"fancy": preset})))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        fancy = next(x for x in await client.models() if x.name == "fancy")
        with pytest.raises(WorkerError) as refused:
            await client.generate("knight", model="fancy")
    assert not fancy.available
    reason = fancy.where["gpu1"]
    assert "sampler 'euler_fancy' is not offered by gpu1" in reason and "euler_ancestral" in reason
    assert refused.value.code in (ErrorCode.UNKNOWN_MODEL, ErrorCode.INVALID, ErrorCode.BACKEND_UNAVAILABLE)


async def test_a_job_sent_back_to_the_queue_says_why_to_the_waiting_client(servers):
    gpu = servers(step_time=0.05)
    worker = servers.worker(worker_config(("gpu1", gpu.url), slots=1))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        events, job = await submit_and_wait_for_sampling(client, steps=30)
        gpu.restart()  # ComfyUI forgets the prompt: the job goes back to the worker's queue
        items = await collect_until_terminal(events, [job.id], timeout=60)
    stages = [i.body.stage for i in items if isinstance(i, Event) and i.topic == "job.progress"]
    said = [s for s in stages if s.startswith("requeued: gpu1 went away")]
    assert len(said) == 1 and said[0].endswith("); waiting for a server that can run sdxl-base")
    assert items[-1].body.job.state is m.JobState.COMPLETED


async def test_a_prompt_refused_for_a_missing_file_refreshes_the_lists_at_once(servers):
    gpu = servers()
    config = worker_config(("gpu1", gpu.url)).replace("health_interval_s = 0.3", "health_interval_s = 60")
    worker = servers.worker(config)
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        (gpu.root / "models" / "checkpoints" / BASE).unlink()  # long before the next health check
        job = await generate_and_wait(client, "knight", model="sdxl-base", width=64, height=64, steps=1)
        base = next(x for x in await client.models() if x.name == "sdxl-base")
    assert job.state is m.JobState.FAILED
    assert f"checkpoint '{BASE}' is not installed (installed: none)" in job.error.message
    assert not base.available and "not installed on gpu1" in base.where["gpu1"]
