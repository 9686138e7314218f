"""Seamless tiles through a real worker: `generate --tile` stores an image marked as a tile that repeats without a
seam, and a tile cannot also be an animation."""

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from dgx_pixels_worker.pixelart.seams import seam_score

from tests.support.cli import dgx


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


async def test_generate_tile_stores_a_seamless_tile_marked_as_one(worker, tmp_path: Path):
    args = ("generate", "knight", "--tile", "--seed", "5", "--size", "48x48", "--out", str(tmp_path), "--json")
    result = dgx(*args, env=worker.cli_env())
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    (job,) = answer["jobs"]
    (path,) = answer["files"][job["id"]]
    tile = pixels(Path(path).read_bytes())
    assert tile.shape == (48, 48, 4) and (tile[..., 3] == 255).all()
    assert seam_score(tile) <= 1.0
    plain = dgx(
        "generate", "knight", "--seed", "5", "--size", "48x48", "--out", str(tmp_path / "plain"), env=worker.cli_env()
    )
    assert (pixels(Path(plain.stdout.split()[0]).read_bytes())[..., 3] == 0).any()  # without --tile: a sprite
    async with worker.client() as client:
        reply = await client.image(job["images"][0])
    assert reply.image.tile is True
    assert np.array_equal(pixels(reply.png), tile)


def test_a_tile_with_frames_is_refused_with_what_to_do(worker, tmp_path: Path):
    result = dgx("generate", "knight", "--tile", "--frames", "4", "--out", str(tmp_path), env=worker.cli_env())
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "a tile is one still image; ask for the tile and the animation separately" in result.stderr
