"""The real worker driving ComfyUI test doubles (each a real process reproducing ComfyUI's API)."""

import asyncio
import io
import json
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.jobs.image_files import read_metadata
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.support.comfyui_double.process import ComfyUIDouble, free_port
from tests.support.streams import collect_until_terminal, final_state_after_restart, generate_and_wait
from tests.support.worker_process import WorkerProcess

BASE = "sd_xl_base_1.0.safetensors"
PIXEL_LORA = "pixel-art-xl.safetensors"


def worker_config(*servers: tuple[str, str], slots: int = 2, extra: str = "") -> str:
    text = (
        "[worker]\nheartbeat_s = 0.2\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\nshutdown_grace_s = 0.2\n"
        + extra
    )
    for name, url in servers:
        text += f'\n[[backends]]\nname = "{name}"\nurl = "{url}"\nslots = {slots}\nhealth_interval_s = 0.3\n'
    return text


@pytest.fixture
def doubles(tmp_path):
    started = []

    def start(name="gpu1", **options):
        options.setdefault("checkpoints", [BASE])
        options.setdefault("loras", [PIXEL_LORA])
        options.setdefault("step_time", 0.02)
        double = ComfyUIDouble(tmp_path / name, **options).start()
        started.append(double)
        return double

    yield start
    for double in started:
        double.kill()


@pytest.fixture
def start_worker(tmp_path):
    """Starts a worker driving the doubles; every one started is killed after the test, whatever happened."""
    started = []

    def start(config):
        worker = WorkerProcess(tmp_path / "worker", config=config).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


async def wait_until_usable(client, model, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(x.name == model and x.available for x in await client.models()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{model} never became usable: {await client.models()}")


async def submit_and_wait_for_sampling(client, steps):
    """Subscribe, queue an sdxl-base job, and return once ComfyUI is sampling it."""
    stream = client.events()
    await anext(stream)
    job = await client.generate("x", model="sdxl-base", width=64, height=64, steps=steps)
    async for item in stream:
        if isinstance(item, Event) and item.topic == "job.progress" and item.body.stage == "sampling":
            return stream, job
    raise AssertionError("the event stream ended")


def history(double, prompt_id):
    with urllib.request.urlopen(f"{double.url}/history/{prompt_id}", timeout=5) as response:
        return json.loads(response.read())[prompt_id]


async def test_lora_preset_runs_with_real_progress_previews_and_the_chain_injected(doubles, start_worker):
    gpu = doubles(preview_method="latent2rgb")
    worker = start_worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-pixel-art")
        stream = client.events(previews=True)
        await anext(stream)
        job = await client.generate("pixel knight", model="sdxl-pixel-art", width=256, height=256, steps=6, seed=3)
        items = await collect_until_terminal(stream, [job.id], timeout=30)
        done = items[-1].body.job
        assert done.state is m.JobState.COMPLETED, done.error
        reply = await client.image(done.images[0])
    steps = [
        i.body.step for i in items if isinstance(i, Event) and i.topic == "job.progress" and i.body.stage == "sampling"
    ]
    assert steps[-1] == 6 and sorted(set(steps)) == steps[:1] + sorted(set(steps))[1:]
    stages = [i.body.stage for i in items if isinstance(i, Event) and i.topic == "job.progress"]
    assert (
        "loading checkpoint" in stages and "sampling" in stages and stages.index("sampling") < stages.index("decoding")
    )
    assert sum(1 for i in items if isinstance(i, Event) and i.topic == "preview") >= 3
    assert (reply.image.width, reply.image.height) == (32, 32)  # the preset's post-processing found the 8 px grid
    graph = history(gpu, reply.image.params["prompt_id"])["prompt"][2]
    loras = [n["inputs"] for n in graph.values() if n["class_type"] == "LoraLoader"]
    assert [(lora["lora_name"], lora["strength_model"]) for lora in loras] == [(PIXEL_LORA, 1.0)]
    texts = sorted(n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode")
    assert "pixel knight" in texts
    assert reply.image.params["checkpoint"] == BASE and reply.image.params["loras"][0]["name"] == PIXEL_LORA


async def test_models_say_where_each_preset_runs_and_why_not(doubles, start_worker):
    full = doubles("gpu1")
    bare = doubles("gpu2", loras=[])
    worker = start_worker(worker_config(("gpu1", full.url), ("gpu2", bare.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-pixel-art")
        models = {x.name: x for x in await client.models()}
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "dgx_pixels_tui.cli", "models"],
            env=worker.cli_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
    pixel = models["sdxl-pixel-art"]
    assert pixel.available and pixel.where["gpu1"] is None
    assert f"LoRA {PIXEL_LORA} is not installed on gpu2" in pixel.where["gpu2"]
    assert not models["pixel-art-diffusion-xl"].available
    assert "not installed on gpu1" in models["pixel-art-diffusion-xl"].reason
    assert "sdxl-pixel-art" in result.stdout and "gpu2" in result.stdout


async def test_cancel_deletes_a_pending_prompt_and_interrupts_a_running_one(doubles, start_worker):
    gpu = doubles(step_time=0.1)
    worker = start_worker(worker_config(("gpu1", gpu.url), slots=2))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream = client.events()
        await anext(stream)
        running = await client.generate("a", model="sdxl-base", width=64, height=64, steps=40)
        pending = await client.generate("b", model="sdxl-base", width=64, height=64, steps=40)
        async for item in stream:
            if isinstance(item, Event) and item.topic == "job.progress" and item.body.stage == "sampling":
                break
        await asyncio.sleep(0.3)  # both prompts are inside ComfyUI now: one runs, one waits
        await client.cancel(pending.id)
        await client.cancel(running.id)
        items = await collect_until_terminal(stream, [running.id, pending.id], timeout=20)
    ended = {i.body.job.id: i.body.job.state for i in items if isinstance(i, Event) and i.topic in m.TERMINAL_EVENTS}
    assert ended == {running.id: m.JobState.CANCELLED, pending.id: m.JobState.CANCELLED}
    stats = gpu.stats()
    assert stats["prompts_interrupted"] == 1 and stats["prompts_succeeded"] == 0


async def test_a_rejected_prompt_fails_the_job_with_the_server_and_preset_named(doubles, start_worker):
    gpu = doubles()
    worker = start_worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream = client.events()
        await anext(stream)
        gpu.control(reject_next_prompt_with="prompt_outputs_failed_validation")
        job = await client.generate("x", model="sdxl-base", width=64, height=64, steps=2)
        items = await collect_until_terminal(stream, [job.id], timeout=20)
    failed = items[-1].body.job
    assert failed.state is m.JobState.FAILED and failed.error.code == "backend_error"
    assert failed.error.message.startswith("gpu1 rejected preset sdxl-base")


async def test_a_server_dying_mid_job_fails_over_to_another(doubles, start_worker):
    first = doubles("gpu1", step_time=0.1)
    second = doubles("gpu2", step_time=0.02)
    worker = start_worker(worker_config(("gpu1", first.url), ("gpu2", second.url), slots=1))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream = client.events()
        await anext(stream)
        job = await client.generate("x", model="sdxl-base", width=64, height=64, steps=30)
        async for item in stream:
            if isinstance(item, Event) and item.topic == "job.started":
                victim = first if item.body.backend == "gpu1" else second
                break
        async for item in stream:
            if isinstance(item, Event) and item.topic == "job.progress" and item.body.stage == "sampling":
                break
        victim.kill()
        items = await collect_until_terminal(stream, [job.id], timeout=40)
    done = items[-1].body.job
    assert done.state is m.JobState.COMPLETED and done.attempts == 2, done.error
    assert done.backend != ("gpu1" if victim is first else "gpu2")
    assert any(isinstance(i, Event) and i.topic == "job.queued" and i.body.job.id == job.id for i in items)


async def test_comfyui_restarting_mid_job_sends_the_job_back_and_it_completes(doubles, start_worker):
    gpu = doubles(step_time=0.05)
    worker = start_worker(worker_config(("gpu1", gpu.url), slots=1))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream, job = await submit_and_wait_for_sampling(client, steps=30)
        gpu.restart()  # its queue and history are gone
        items = await collect_until_terminal(stream, [job.id], timeout=60)
    done = items[-1].body.job
    assert done.state is m.JobState.COMPLETED and done.attempts >= 2 and len(done.images) == 1


async def test_a_dropped_websocket_does_not_lose_the_job(doubles, start_worker):
    gpu = doubles(step_time=0.05)
    worker = start_worker(worker_config(("gpu1", gpu.url), slots=1))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream, job = await submit_and_wait_for_sampling(client, steps=30)
        gpu.control(drop_websockets=True)
        items = await collect_until_terminal(stream, [job.id], timeout=40)
    done = items[-1].body.job
    assert done.state is m.JobState.COMPLETED and done.attempts == 1
    assert gpu.stats()["prompts_executed"] == 1


async def test_worker_restart_reattaches_to_the_running_prompt_instead_of_rerunning(doubles, start_worker):
    gpu = doubles(step_time=0.05)
    config = worker_config(("gpu1", gpu.url), slots=1)
    worker = start_worker(config)
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        _stream, job = await submit_and_wait_for_sampling(client, steps=40)
    worker.kill()
    worker.start()
    async with worker.client() as client:
        done = await final_state_after_restart(client, job.id)
    assert done.state is m.JobState.COMPLETED and len(done.images) == 1
    stats = gpu.stats()
    assert stats["prompts_received"] == 1 and stats["prompts_executed"] == 1  # reattached, not run twice


async def test_comfyui_down_at_start_is_a_clear_error_then_it_comes_up(doubles, start_worker):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    worker = start_worker(worker_config(("gpu1", url)))
    async with worker.client() as client:
        status = await client.status()
        assert status.procedural_only and not next(b for b in status.backends if b.name == "gpu1").healthy
        with pytest.raises(WorkerError) as caught:
            await client.generate("x", model="sdxl-base")
        assert caught.value.code == ErrorCode.UNKNOWN_MODEL and "gpu1" in caught.value.message
        doubles(port=port)
        await wait_until_usable(client, "sdxl-base", timeout=20)
        assert not (await client.status()).procedural_only


async def test_a_fully_cached_rerun_completes(doubles, start_worker):
    """ComfyUI answers an identical prompt from its cache: `executed` comes with no `executing` at all."""
    gpu = doubles()
    worker = start_worker(worker_config(("gpu1", gpu.url), slots=1))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        stream = client.events()
        await anext(stream)
        first = await client.generate("same", model="sdxl-base", width=64, height=64, steps=3, seed=5)
        await collect_until_terminal(stream, [first.id], timeout=20)
        second = await client.generate("same", model="sdxl-base", width=64, height=64, steps=3, seed=5)
        items = await collect_until_terminal(stream, [second.id], timeout=20)
        done = items[-1].body.job
        assert done.state is m.JobState.COMPLETED
        a, b = (await client.image(first.id + "-0")).png, (await client.image(second.id + "-0")).png
    pixels = [Image.open(io.BytesIO(png)).tobytes() for png in (a, b)]
    assert pixels[0] == pixels[1]  # the metadata differs (each job's own ComfyUI prompt id), the picture not


async def test_a_server_too_slow_to_answer_is_marked_down_with_the_reason_and_recovers(doubles, start_worker):
    gpu = doubles()
    config = worker_config(("gpu1", gpu.url)).replace(
        "health_interval_s = 0.3", "health_interval_s = 0.3\nrequest_timeout_s = 0.5"
    )
    worker = start_worker(config)
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        gpu.control(slow_http_s=2.0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            backend = next(b for b in (await client.status()).backends if b.name == "gpu1")
            if not backend.healthy:
                break
            await asyncio.sleep(0.1)
        assert not backend.healthy and "did not answer" in backend.detail
        gpu.control(slow_http_s=0)
        await wait_until_usable(client, "sdxl-base", timeout=15)


async def test_refused_presets_are_listed_with_the_reason(tmp_path, doubles, start_worker):
    gpu = doubles()
    user_models = tmp_path / "my-models"
    user_models.mkdir()
    (user_models / "broken.toml").write_text('checkpoint = "x.safetensors"\nworkflow = "no-such-workflow"\n')
    worker = start_worker(worker_config(("gpu1", gpu.url), extra=f'models_dirs = ["{user_models}"]\n'))
    async with worker.client() as client:
        library = await client.model_library()
    assert any("preset broken" in p and "no-such-workflow" in p for p in library.problems)


def three_presets(tmp_path):
    directory = tmp_path / "presets"
    directory.mkdir()
    for name in ("ckpt-a", "ckpt-b", "ckpt-c"):
        (directory / f"{name}.toml").write_text(
            f'checkpoint = "{name}.safetensors"\n[defaults]\nwidth = 64\nheight = 64\n'
        )
    return directory, ["ckpt-a", "ckpt-b", "ckpt-c"]


async def run_comparison(worker, models):
    async with worker.client() as client:
        for model in models:
            await wait_until_usable(client, model)
        comparison = await client.compare("three models", models, seed=3, steps=4)
        while not comparison.state.terminal:
            await asyncio.sleep(0.05)
            comparison = await client.comparison(comparison.id)
        assert comparison.state is m.JobState.COMPLETED
        return [await client.job(p.job_id) for p in comparison.panels]


async def test_a_comparison_spreads_over_servers_one_prompt_each(tmp_path, doubles, start_worker):
    directory, models = three_presets(tmp_path)
    servers = [doubles(f"gpu{n}", checkpoints=[f"{x}.safetensors" for x in models]) for n in (1, 2, 3)]
    config = worker_config(
        *((f"gpu{n}", d.url) for n, d in enumerate(servers, 1)), extra=f'models_dirs = ["{directory}"]\n'
    )
    worker = start_worker(config)
    jobs = await run_comparison(worker, models)
    assert sorted(job.backend for job in jobs) == ["gpu1", "gpu2", "gpu3"]  # never two prompts on one server
    assert [d.stats()["checkpoint_loads"] for d in servers] == [1, 1, 1]


async def test_a_comparison_on_one_server_loads_each_checkpoint_once(tmp_path, doubles, start_worker):
    directory, models = three_presets(tmp_path)
    server = doubles("gpu1", checkpoints=[f"{x}.safetensors" for x in models])
    config = worker_config(("gpu1", server.url), extra=f'models_dirs = ["{directory}"]\n')
    worker = start_worker(config)
    await run_comparison(worker, models)
    assert server.stats()["checkpoint_loads"] == 3
    async with worker.client() as client:  # the same comparison again: cached, nothing runs on the server
        again = await client.compare("three models", models, seed=3, steps=4)
        assert again.state is m.JobState.COMPLETED and all(p.cached for p in again.panels)
    assert server.stats()["checkpoint_loads"] == 3


async def test_post_processing_recovers_the_true_sprite_and_keeps_the_raw_render(doubles, start_worker):
    gpu = doubles()
    worker = start_worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        done = await run_job(client, "pixel knight", model="sdxl-base", width=256, height=256, steps=2, seed=9)
        image = await client.image(done.images[0])
        raw = await client.image(done.images[0], raw=True)
        plain = await run_job(
            client, "pixel knight", model="sdxl-base", width=256, height=256, steps=2, seed=9, postprocess="none"
        )
        plain_image = await client.image(plain.images[0])
        custom = await run_job(
            client,
            "pixel knight",
            model="sdxl-base",
            width=256,
            height=256,
            steps=2,
            seed=9,
            postprocess="grid,palette:gameboy,upscale:2",
        )
        custom_image = await client.image(custom.images[0])
        with pytest.raises(WorkerError) as bad:
            await client.generate("knight", model="sdxl-base", postprocess="grid,sparkle")
        with pytest.raises(WorkerError) as no_raw:
            await client.image(plain.images[0], raw=True)
    with Image.open(io.BytesIO(raw.png)) as big, Image.open(io.BytesIO(image.png)) as small:
        assert big.size == (256, 256) and small.size == (32, 32) and small.mode == "RGBA"
        assert set(np.asarray(small)[:, :, 3].ravel()) <= {0, 255} and 0 in np.asarray(small)[:, :, 3]
        # Each sprite pixel is the colour of the 8x8 cell it came from.
        cells = np.asarray(big.convert("RGB"))[4::8, 4::8]
        opaque = np.asarray(small)[:, :, 3] == 255
        assert (np.asarray(small)[:, :, :3][opaque] == cells[opaque]).all()
    record = image.image.params["postprocess"]
    assert [step["op"] for step in record] == ["grid", "background", "quantize"]
    assert record[0]["found"]["pitch_x"] == pytest.approx(8, abs=0.1) and image.image.raw_path.endswith(".raw.png")
    assert read_metadata(image.png)["postprocess"] == record and read_metadata(raw.png)["raw"] is True
    assert (plain_image.image.width, plain_image.image.height) == (256, 256) and plain_image.image.raw_path is None
    assert no_raw.value.code == ErrorCode.UNKNOWN_IMAGE and "raw render" in no_raw.value.message
    with Image.open(io.BytesIO(custom_image.png)) as gameboy:
        assert gameboy.size == (64, 64)  # 32 cells, upscaled by 2
        colours = {c[:3] for _, c in gameboy.convert("RGBA").getcolors(4096) if c[3]}
        assert colours <= {(0x0F, 0x38, 0x0F), (0x30, 0x62, 0x30), (0x8B, 0xAC, 0x0F), (0x9B, 0xBC, 0x0F)}
    assert bad.value.code == ErrorCode.INVALID and "sparkle" in bad.value.message


async def run_job(client, prompt, **params):
    job = await generate_and_wait(client, prompt, **params)
    assert job.state is m.JobState.COMPLETED, job.error
    return job


async def test_a_server_back_after_a_long_outage_is_noticed_within_one_health_interval(doubles, start_worker):
    gpu = doubles()
    worker = start_worker(worker_config(("gpu1", gpu.url)))
    async with worker.client() as client:
        await wait_until_usable(client, "sdxl-base")
        gpu.kill()
        await asyncio.sleep(9.0)  # long enough for a doubling back-off to have reached several seconds
        gpu.start()
        back = time.monotonic()
        await wait_until_usable(client, "sdxl-base", timeout=10.0)
        assert time.monotonic() - back < 1.5  # the interval is 0.3 s
