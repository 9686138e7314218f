"""The ComfyUI double renders an animation's wide sheet as the real server does: the latent is 1/8 of the sheet,
the image it saves is the latent times 8 (a side that is not a multiple of 8 loses the rest, as on a real server),
and the prompt reaches it as the worker bound it. Checked by hand against a real ComfyUI (see assets.md)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from dgx_pixels_worker.backends.comfyui.animation import sheet_prompt
from dgx_pixels_worker.backends.comfyui.workflow import BindParams, load_workflow

from tests.support.comfyui_double import ComfyUIDouble

CHECKPOINT = "sd_xl_base_1.0.safetensors"
TEMPLATE = load_workflow(Path(__file__).parents[2] / "workflows" / "txt2img_sprite.json")


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComfyUIDouble]:
    server = ComfyUIDouble(tmp_path_factory.mktemp("comfyui"), step_time=0.0, checkpoints=[CHECKPOINT], loras=[])
    yield server.start()
    server.kill()


def sheet_graph(frames: int, width: int, height: int) -> dict:
    return TEMPLATE.bind(
        BindParams(
            prompt=sheet_prompt("knight", frames, "walk"),
            negative="blurry",
            seed=1,
            steps=2,
            cfg=7.0,
            sampler="euler",
            scheduler="normal",
            width=width * frames,
            height=height,
            checkpoint=CHECKPOINT,
            loras=(),
            filename_prefix="sheet",
        )
    )


async def rendered_size(http: httpx.AsyncClient, graph: dict) -> tuple[int, int]:
    response = await http.post("/prompt", json={"prompt": graph})
    assert response.status_code == 200, response.text
    prompt_id = response.json()["prompt_id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        entry = (await http.get(f"/history/{prompt_id}")).json()
        if entry and entry[prompt_id]["status"]["completed"]:
            (image,) = [i for out in entry[prompt_id]["outputs"].values() for i in out["images"]]
            params = {"filename": image["filename"], "subfolder": image["subfolder"], "type": "output"}
            data = (await http.get("/view", params=params)).content
            with Image.open(io.BytesIO(data)) as png:
                return png.size
        await asyncio.sleep(0.02)
    raise AssertionError(f"{prompt_id} never finished")


@pytest.mark.parametrize(
    ("frames", "width", "height", "size"),
    [(4, 64, 64, (256, 64)), (16, 128, 128, (2048, 128)), (3, 128, 96, (384, 96)), (4, 65, 64, (256, 64))],
)
async def test_a_sheet_comes_back_as_wide_as_a_real_server_makes_it(double, frames, width, height, size):
    async with httpx.AsyncClient(base_url=double.url, timeout=10) as http:
        assert await rendered_size(http, sheet_graph(frames, width, height)) == size


def test_the_sheet_prompt_names_the_frames_and_the_motion_and_a_still_keeps_its_prompt():
    assert sheet_prompt("knight", 1, None) == "knight"
    assert sheet_prompt("knight", 6, "run").startswith("knight, sprite sheet, 6 frames of a run cycle")
    assert "the same character in every frame, evenly spaced in one row" in sheet_prompt("slime", 2, None)
