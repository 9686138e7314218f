"""Variants for games through a real worker: `--post grid,mirror,recolor:to=pico8` stores the sprite flipped
and on the PICO-8 ramp, exactly the flip of the same render processed without the mirror."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from dgx_pixels_worker.pixelart.palette import named_palette

from tests.support.cli import dgx
from tests.support.requests import finished_job


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


def generated(worker, out: Path, post: str) -> np.ndarray:
    args = ("generate", "sword", "--seed", "7", "--size", "32x32", "--post", post, "--out", str(out))
    result = dgx(*args, env=worker.cli_env())
    assert result.returncode == 0, result.stderr
    return pixels(Path(result.stdout.split()[0]).read_bytes())


def test_generate_with_mirror_and_recolor_stores_exactly_the_flip_on_the_new_ramp(worker, tmp_path):
    plain = generated(worker, tmp_path / "plain", "grid,recolor:to=pico8")
    mirrored = generated(worker, tmp_path / "mirrored", "grid,mirror,recolor:to=pico8")
    assert plain.shape == mirrored.shape
    assert not np.array_equal(plain, mirrored)  # a sword is not symmetric: the flip shows
    assert np.array_equal(mirrored, plain[:, ::-1])
    pico8 = {tuple(c) for c in named_palette("pico8").colours}
    assert {tuple(int(v) for v in p[:3]) for p in mirrored.reshape(-1, 4) if p[3]} <= pico8
    assert (mirrored[:, :, 3] == 0).any()  # the transparent background stayed transparent


async def test_the_step_record_says_what_mirror_and_recolor_did(worker):
    async with worker.client() as client:
        job = await client.generate(
            "knight",
            seed=7,
            width=32,
            height=32,
            postprocess=[{"op": "grid"}, {"op": "mirror", "axis": "y"}, {"op": "recolor", "to": "gameboy"}],
        )
        done = await finished_job(client, job.id)
        reply = await client.image(done.images[0])
    steps = reply.image.params["postprocess"]
    assert [s["op"] for s in steps] == ["grid", "mirror", "recolor"]
    assert steps[1]["found"] == {"axis": "y"}
    recolored = steps[2]["found"]
    assert recolored["palette"] == named_palette("gameboy").name and recolored["from"] == "image"
    assert recolored["colors_after"] <= 4 and len(recolored["mapping"]) == recolored["colors_before"]
    gameboy = {tuple(c) for c in named_palette("gameboy").colours}
    assert {tuple(int(v) for v in p[:3]) for p in pixels(reply.png).reshape(-1, 4) if p[3]} <= gameboy
