"""Animations through a real worker: `generate --frames N --motion M` stores one sheet of N frames side by side,
drawn by the procedural backend or sampled once by ComfyUI (the test double) and cut on its grid; bad requests
are answered with what to ask for instead."""

import asyncio
import io
import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.pixelart.frames import lowest_opaque_row, split_frames

from tests.support.cli import dgx
from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.worker_process import WorkerProcess

CONFIG = (
    "[worker]\nheartbeat_s = 0.2\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\nshutdown_grace_s = 0.2\n"
    '\n[[backends]]\nname = "gpu1"\nurl = "{url}"\nslots = 1\nhealth_interval_s = 0.3\n'
)


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


def generate_json(env: dict[str, str], out: Path, *args: str) -> dict:
    result = dgx("generate", *args, "--out", str(out), "--json", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_generate_frames_walk_stores_one_sheet_of_four_moving_frames(worker, tmp_path: Path):
    answer = generate_json(worker.cli_env(), tmp_path, "knight", "--frames", "4", "--motion", "walk", "--seed", "5")
    (job,) = answer["jobs"]
    (path,) = answer["files"][job["id"]]
    sheet = pixels(Path(path).read_bytes())
    assert sheet.shape == (64, 4 * 64, 4)  # the default 64x64, four times, left to right
    frames = split_frames(sheet, 4)
    assert len({f.tobytes() for f in frames}) == 3  # a walk: contact, left step, contact, right step
    assert len({lowest_opaque_row(f) for f in frames}) == 1
    async with worker.client() as client:
        reply = await client.image(job["images"][0])
    assert (reply.image.frames, reply.image.motion) == (4, "walk")
    assert (reply.image.width, reply.image.height) == (256, 64)
    assert np.array_equal(pixels(reply.png), sheet)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--frames", "0"), "frames: must be at least 1"),
        (("--frames", "17"), "frames: must be at most 16"),
        (("--motion", "walk"), "motion 'walk' needs an animation: give frames (2..16)"),
        (("--frames", "4", "--motion", "dance"), "motion: input should be 'idle', 'walk', 'run', 'attack', 'jump'"),
    ],
)
def test_a_bad_animation_request_exits_2_saying_what_to_give(worker, tmp_path: Path, args, says):
    result = dgx("generate", "knight", *args, "--out", str(tmp_path), env=worker.cli_env())
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert says in result.stderr


def test_a_sheet_wider_than_the_worker_allows_is_refused_with_the_most_frames_that_fit(make_worker, tmp_path: Path):
    worker = make_worker(config="[limits]\nmax_size = 256\n").start()
    result = dgx("generate", "knight", "--frames", "5", "--size", "64x64", "--out", str(tmp_path), env=worker.cli_env())
    assert result.returncode == 2, result.stderr
    assert "5 frames of 64 pixels make a sheet 320 wide, beyond the 256 allowed" in result.stderr
    assert "ask for at most 4 frames or a smaller size" in result.stderr


@pytest.fixture
def comfy(tmp_path):
    """A ComfyUI double and a worker driving it, both killed after the test."""
    double = ComfyUIDouble(tmp_path / "gpu1", checkpoints=["sd_xl_base_1.0.safetensors"], loras=[], step_time=0.01)
    double.start()
    worker = WorkerProcess(tmp_path / "worker", config=CONFIG.format(url=double.url)).start()
    yield double, worker
    worker.kill()
    double.kill()


async def ready(worker: WorkerProcess) -> None:
    async with worker.client() as client:
        for _ in range(100):
            if any(x.name == "sdxl-base" and x.available for x in await client.models()):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("sdxl-base never became usable")


def received_graph(double: ComfyUIDouble, prompt_id: str) -> dict:
    with urllib.request.urlopen(f"{double.url}/history/{prompt_id}", timeout=5) as response:
        return json.loads(response.read())[prompt_id]["prompt"][2]


async def test_comfyui_samples_the_whole_sheet_once_and_the_worker_cuts_it_into_frames(comfy, tmp_path: Path):
    double, worker = comfy
    await ready(worker)
    args = ("knight", "--model", "sdxl-base", "--size", "128x128", "--steps", "3", "--seed", "9")
    answer = generate_json(worker.cli_env(), tmp_path, *args, "--frames", "4", "--motion", "walk")
    (job,) = answer["jobs"]
    async with worker.client() as client:
        reply = await client.image(job["images"][0])
        raw = await client.image(job["images"][0], raw=True)
    assert double.stats()["prompts_received"] == 1  # one sampling for every frame
    graph = received_graph(double, reply.image.params["prompt_id"])
    (latent,) = [n["inputs"] for n in graph.values() if n["class_type"] == "EmptyLatentImage"]
    assert (latent["width"], latent["height"]) == (4 * 128, 128)
    texts = [n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"]
    assert any(t.startswith("knight, sprite sheet, 4 frames of a walk cycle") for t in texts), texts
    assert pixels(raw.png).shape == (128, 4 * 128, 4)  # the render is the sheet the server made
    info = reply.image
    assert (info.frames, info.motion) == (4, "walk")
    assert info.width % 4 == 0 and info.width == 4 * info.height  # cut into four square frames
    aligned = info.params["frames_aligned"]
    assert aligned["frames"] == 4 and aligned["frame_size"] == [info.width // 4, info.height]


async def test_comfyui_refuses_a_sheet_wider_than_its_largest_side(comfy, tmp_path: Path):
    double, worker = comfy
    await ready(worker)
    args = ("knight", "--model", "sdxl-base", "--size", "1024x1024", "--frames", "4", "--out", str(tmp_path))
    result = dgx("generate", *args, env=worker.cli_env())
    assert result.returncode == 2, result.stderr
    assert "4 frames of 1024 pixels make a sheet 4096 wide, beyond the 2048 allowed" in result.stderr
    assert double.stats()["prompts_received"] == 0
