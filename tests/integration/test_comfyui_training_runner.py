"""Training a LoRA on a ComfyUI server (the double, a real process) through ComfyUIBackend.train: the dataset
uploaded with its captions, the graph ComfyUI ran, the LoRA and loss curve fetched, and every way it goes wrong."""

import asyncio
import contextlib
import io
import json
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.backends.base import Progress, Submitted, TrainedLora, TrainingImage, TrainingTask
from dgx_pixels_worker.backends.comfyui.backend import ComfyUIBackend
from dgx_pixels_worker.backends.comfyui.training import TRAINING_STAGE
from dgx_pixels_worker.backends.comfyui.workflow import load_workflows
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.settings import paths
from dgx_pixels_worker.settings.presets import LoraRef, ModelPreset, load_presets

from tests.support.comfyui_double.process import ComfyUIDouble

BASE = "sd_xl_base_1.0.safetensors"
CAPTIONS = ("pixel knight, red cape", "pixel knight, blue shield", "pixel knight, sword", "pixel knight, helmet")


def sprite_png(seed: int, size: int = 64) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.repeat(np.repeat(rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8), 8, 0), 8, 1)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG")
    return out.getvalue()


def training_task(job_id="0123456789abcdef", steps=6, resume_ref=None, checkpoint=BASE, images=None):
    return TrainingTask(
        job_id=job_id,
        name="knights",
        checkpoint=checkpoint,
        images=images or tuple(TrainingImage(sprite_png(i), caption) for i, caption in enumerate(CAPTIONS)),
        steps=steps,
        rank=4,
        learning_rate=0.0004,
        seed=11,
        size=64,
        resume_ref=resume_ref,
    )


@pytest.fixture
def server(tmp_path):
    started = []

    def start(**options):
        options.setdefault("checkpoints", [BASE])
        options.setdefault("step_time", 0.02)
        double = ComfyUIDouble(tmp_path / f"gpu{len(started)}", **options).start()
        started.append(double)
        return double

    yield start
    for double in started:
        double.kill()


@contextlib.asynccontextmanager
async def backend_for(double):
    """ComfyUIBackend as the worker makes it, with the shipped presets and workflows."""
    presets, _ = load_presets([paths.shipped("models")])
    workflows, _ = load_workflows([paths.shipped("workflows")])
    backend = ComfyUIBackend("gpu1", double.url, presets, workflows, health_interval_s=0.3)
    await backend.start()
    try:
        yield backend
    finally:
        await backend.close()


async def run(backend, task):
    return [event async for event in backend.train(task)]


def history(double, prompt_id):
    with urllib.request.urlopen(f"{double.url}/history/{prompt_id}", timeout=5) as response:
        return json.loads(response.read()).get(prompt_id)


async def wait_for_training(events):
    """Iterate until ComfyUI runs TrainLoraNode; the prompt id."""
    prompt_id = None
    async for event in events:
        if isinstance(event, Submitted):
            prompt_id = event.ref
        if isinstance(event, Progress) and event.stage == TRAINING_STAGE:
            return prompt_id
    raise AssertionError("the training ended before TrainLoraNode ran")


async def test_a_lora_is_trained_fetched_and_becomes_a_preset_with_its_base(server):
    double = server()
    async with backend_for(double) as backend:
        assert backend.training_unavailable("sdxl-base") is None
        events = await run(backend, training_task())
        trained = events[-1]
        assert isinstance(events[0], Progress) and events[0].stage == "uploading 4 images to gpu1"
        assert isinstance(events[1], Submitted) and isinstance(trained, TrainedLora)
        progress = [e for e in events if isinstance(e, Progress)]
        assert {(e.step, e.total) for e in progress} == {(0, 0)}  # ComfyUI counts no training steps: none made up
        stages = [e.stage for e in progress]
        for stage in ("loading checkpoint", TRAINING_STAGE, "saving the LoRA", "drawing the loss curve"):
            assert stage in stages
        assert stages.index("loading checkpoint") < stages.index(TRAINING_STAGE) < stages.index("saving the LoRA")

        folder = double.root / "input" / "dgx-pixels-train-0123456789abcdef"
        assert sorted(p.name for p in folder.iterdir()) == [
            f"{i:04d}.{ext}" for i in range(4) for ext in ("png", "txt")
        ]
        assert [(folder / f"{i:04d}.txt").read_text() for i in range(4)] == list(CAPTIONS)
        assert (folder / "0002.png").read_bytes() == sprite_png(2)

        graph = history(double, events[1].ref)["prompt"][2]
        by_class = {node["class_type"]: node["inputs"] for node in graph.values()}
        assert sorted(by_class) == sorted(
            [
                "CheckpointLoaderSimple",
                "LoadImageTextSetFromFolderNode",
                "VAEEncode",
                "TrainLoraNode",
                "SaveLoRANode",
                "LossGraphNode",
            ]
        )
        assert by_class["CheckpointLoaderSimple"]["ckpt_name"] == BASE
        assert by_class["LoadImageTextSetFromFolderNode"]["resize_method"] == "None"
        train = by_class["TrainLoraNode"]
        assert (train["steps"], train["rank"], train["learning_rate"], train["seed"]) == (6, 4, 0.0004, 11)
        assert (train["batch_size"], train["existing_lora"], train["training_dtype"]) == (4, "[None]", "bf16")
        assert by_class["SaveLoRANode"]["prefix"] == "loras/dgxp_knights_01234567"

        assert trained.lora_name == "dgxp_knights_01234567_6_steps_00001_.safetensors"
        assert trained.data == (double.output_dir / "loras" / trained.lora_name).read_bytes()
        assert Image.open(io.BytesIO(trained.loss_png)).size == (840, 520)
        assert trained.info["prompt_id"] == events[1].ref and trained.info["comfyui_version"] == "0.3.64"
        assert trained.info["rank"] == 4 and trained.info["checkpoint"] == BASE and trained.info["images"] == 4

        backend.add_preset(ModelPreset(name="knights", checkpoint=BASE, loras=[LoraRef(name=trained.lora_name)]))
        assert backend.can_run("knights")
        await backend.refresh_models()
        listed = {m.name: m for m in backend.models()}
        assert listed["knights"].available and backend.can_run("knights")


async def test_a_worker_restarted_mid_training_reattaches_instead_of_training_twice(server):
    double = server(step_time=0.3)
    async with backend_for(double) as backend:
        events = backend.train(training_task())
        prompt_id = await wait_for_training(events)
        await events.aclose()  # the worker went away without cancelling: ComfyUI trains on
    async with backend_for(double) as backend:  # as a restarted worker: nothing remembered but the ref
        resumed = await run(backend, training_task(resume_ref=prompt_id))
    assert isinstance(resumed[-1], TrainedLora)
    assert not any(isinstance(e, Progress) and e.stage.startswith("uploading") for e in resumed)
    assert [e.ref for e in resumed if isinstance(e, Submitted)] == [prompt_id]
    assert double.stats()["prompts_received"] == 1
    assert [p.name for p in (double.output_dir / "loras").iterdir()] == [resumed[-1].lora_name]


async def test_a_training_finished_while_the_worker_was_away_is_fetched_from_the_history(server):
    double = server()
    async with backend_for(double) as backend:
        first = await run(backend, training_task())
        prompt_id = first[1].ref
    async with backend_for(double) as backend:
        again = await run(backend, training_task(resume_ref=prompt_id))
    assert again[-1].data == first[-1].data and again[-1].lora_name == first[-1].lora_name
    assert again[-1].loss_png == first[-1].loss_png
    assert double.stats()["prompts_received"] == 1


async def test_a_comfyui_restart_mid_training_sends_the_job_back_to_the_queue(server):
    double = server(step_time=0.3)
    async with backend_for(double) as backend:
        events = backend.train(training_task())
        prompt_id = await wait_for_training(events)
        double.restart()
        with pytest.raises(WorkerError) as lost:
            async for _ in events:
                pass
        assert lost.value.code == ErrorCode.BACKEND_UNAVAILABLE
        with pytest.raises(WorkerError) as forgotten:
            await run(backend, training_task(resume_ref=prompt_id))
    assert forgotten.value.code == ErrorCode.BACKEND_UNAVAILABLE
    assert forgotten.value.message == "gpu1 restarted and forgot the training; it goes back in the queue"
    assert double.stats()["prompts_received"] == 0  # the restarted server was not asked to train


async def test_an_older_comfyui_without_the_training_nodes_is_refused_with_what_to_do(server):
    double = server(training_nodes=False, comfyui_version="0.3.40")
    expected = (
        "gpu1 runs ComfyUI 0.3.40, which has no LoadImageTextSetFromFolderNode, TrainLoraNode, SaveLoRANode, "
        "LossGraphNode (native LoRA training came in 0.3.6x): update ComfyUI on gpu1"
    )
    async with backend_for(double) as backend:
        assert backend.can_run("sdxl-base")  # it still renders
        assert backend.training_unavailable("sdxl-base") == expected
        with pytest.raises(WorkerError) as refused:
            await run(backend, training_task())
    assert (refused.value.code, refused.value.message) == (ErrorCode.BACKEND_ERROR, expected)
    assert not (double.root / "input" / "dgx-pixels-train-0123456789abcdef").exists()
    assert double.stats()["prompts_received"] == 0


async def test_a_missing_checkpoint_or_a_down_server_says_so_before_anything_is_uploaded(server):
    double = server()
    async with backend_for(double) as backend:
        assert backend.training_unavailable("pixel-art-diffusion-xl") == (
            "checkpoint pixelArtDiffusionXL_spriteShaper.safetensors is not installed on gpu1 (installed: "
            f"{BASE}): install it there or train on another base"
        )
        assert backend.training_unavailable("no-such-preset") == "gpu1 has no preset 'no-such-preset'"
        with pytest.raises(WorkerError) as missing:
            await run(backend, training_task(checkpoint="gone.safetensors"))
        assert missing.value.code == ErrorCode.BACKEND_ERROR
        assert missing.value.message.startswith("checkpoint gone.safetensors is not installed on gpu1")
        assert not (double.root / "input" / "dgx-pixels-train-0123456789abcdef").exists()
        double.kill()
        with pytest.raises(WorkerError) as down:
            await run(backend, training_task())
        assert down.value.code == ErrorCode.BACKEND_UNAVAILABLE and down.value.message.startswith("gpu1 is down")
        await backend.check_health()
        assert backend.training_unavailable("sdxl-base").startswith("gpu1 is down")


async def test_a_full_disk_on_the_server_says_where_to_free_space(server):
    double = server()
    double.control(lora_disk_full=1)
    async with backend_for(double) as backend:
        with pytest.raises(WorkerError) as full:
            await run(backend, training_task())
    assert full.value.code == ErrorCode.BACKEND_ERROR
    assert full.value.message == (
        "gpu1's disk is full: ComfyUI could not write the LoRA; free space in its output folder and retry the job"
    )
    assert not (double.output_dir / "loras").exists() or not list((double.output_dir / "loras").iterdir())


async def test_a_node_that_fails_is_named_with_comfyuis_message(server):
    double = server()
    images = (TrainingImage(sprite_png(1, 64), "a"), TrainingImage(sprite_png(2, 32), "b"))
    async with backend_for(double) as backend:
        with pytest.raises(WorkerError) as failed:
            await run(backend, training_task(images=images))
    assert failed.value.code == ErrorCode.BACKEND_ERROR
    assert failed.value.message.startswith(
        "gpu1 failed to train, in node 2 (LoadImageTextSetFromFolderNode): Your input image size does not match"
    )
    assert failed.value.message.endswith("; check the dataset and settings and retry the job")


async def test_cancel_ends_at_once_and_comfyui_drops_the_training_when_the_node_is_done(server):
    double = server(step_time=0.5)  # 6 steps: 3 s of training, which ComfyUI does not interrupt
    async with backend_for(double) as backend:
        events = backend.train(training_task())
        reached = asyncio.get_running_loop().create_future()

        async def until_training():
            reached.set_result(await wait_for_training(events))
            async for _ in events:
                pass

        task = asyncio.create_task(until_training())
        await asyncio.wait_for(asyncio.shield(reached), 10)
        began = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - began < 1.0  # not held until ComfyUI notices
        assert double.stats()["running_prompt_id"] == reached.result()  # still training there
    await until(lambda: double.stats()["prompts_interrupted"] == 1, 10)
    assert double.stats()["prompts_succeeded"] == 0
    assert not (double.output_dir / "loras").exists() or not list((double.output_dir / "loras").iterdir())


async def until(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_training_that_failed_while_the_worker_was_away_says_why(server):
    double = server(step_time=0.2)
    double.control(lora_disk_full=1)
    async with backend_for(double) as backend:
        events = backend.train(training_task())
        prompt_id = await wait_for_training(events)
        await events.aclose()
    await until(lambda: double.stats()["prompts_failed"] == 1, 10)
    async with backend_for(double) as backend:
        with pytest.raises(WorkerError) as full:
            await run(backend, training_task(resume_ref=prompt_id))
    assert full.value.message.startswith("gpu1's disk is full: ComfyUI could not write the LoRA")
    assert double.stats()["prompts_received"] == 1


async def test_a_graph_the_server_refuses_says_so(server):
    double = server()
    double.control(reject_next_prompt_with="prompt_outputs_failed_validation")
    async with backend_for(double) as backend:
        with pytest.raises(WorkerError) as refused:
            await run(backend, training_task())
    assert refused.value.code == ErrorCode.BACKEND_ERROR
    assert refused.value.message.startswith("gpu1 refused the training graph: ")
    assert "Custom validation failed for node images" in refused.value.message  # ComfyUI's own words, per node


async def test_a_job_trained_again_after_a_comfyui_restart_gets_its_newest_lora(server):
    double = server()
    async with backend_for(double) as backend:
        first = (await run(backend, training_task()))[-1]
        double.restart()  # as when ComfyUI forgot a training: the job trains again, and its first file is there
        await backend.check_health()
        again = (await run(backend, training_task()))[-1]
    # ComfyUI counts on from the digits after the prefix, which are the steps: 00001, then 00007
    assert (first.lora_name, again.lora_name) == (
        "dgxp_knights_01234567_6_steps_00001_.safetensors",
        "dgxp_knights_01234567_6_steps_00007_.safetensors",
    )
    assert again.data == (double.output_dir / "loras" / again.lora_name).read_bytes()
    assert again.info["prompt_id"] != first.info["prompt_id"]
