"""Quality figures through a real worker: every finished image carries them in the `image` reply, the PNG and
`dgx-pixels images --json`; `export --strict` refuses an image past a `[lint]` threshold, saying which and by
how much, and passes one within them."""

import io
import json

import numpy as np
from PIL import Image

from dgx_pixels_worker.jobs.image_files import read_metadata
from dgx_pixels_worker.pixelart.lint import lint_image

from tests.support.cli import dgx
from tests.support.requests import finished_job

FIELDS = {"colors", "opaque", "off_palette", "orphans", "semi_transparent", "grid_fit", "seam"}


async def test_a_generated_image_carries_its_figures_in_the_image_reply_and_its_png(worker):
    async with worker.client() as client:
        # upscaled first, so the grid step has a grid to find (a 32-pixel sprite is taken at its true size)
        job = await client.generate(
            "knight", seed=3, width=32, height=32, postprocess="upscale:4,grid,quantize:colors=8"
        )
        done = await finished_job(client, job.id)
        reply = await client.image(done.images[0])
    lint = reply.image.lint
    assert lint is not None
    with Image.open(io.BytesIO(reply.png)) as image:
        expected = lint_image(image, (), False, reply.image.params["postprocess"]).to_dict()
    assert read_metadata(reply.png)["lint"] == expected  # the PNG's metadata chunk holds them too
    assert lint.model_dump() == expected
    with Image.open(io.BytesIO(reply.png)) as image:
        pixels = np.asarray(image.convert("RGBA"))
    opaque = pixels[pixels[:, :, 3] == 255][:, :3]
    assert lint.colors == len({tuple(p) for p in opaque}) > 1
    assert lint.opaque == len(opaque)
    assert lint.grid_fit is not None and lint.grid_fit > 0.5 and lint.seam is None and lint.off_palette is None


async def test_a_palette_locked_image_counts_its_off_palette_share(worker):
    async with worker.client() as client:
        job = await client.generate("sword", seed=5, width=32, height=32, palette="pico8")
        done = await finished_job(client, job.id)
        reply = await client.image(done.images[0], include_bytes=False)
    assert reply.image.lint is not None
    assert reply.image.lint.off_palette == 0.0  # the pipeline ends by mapping onto the palette


def generate(env, tmp_path, seed):
    args = ("generate", "green slime", "--seed", str(seed), "--size", "24x24", "--json", "--out", str(tmp_path))
    result = dgx(*args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["jobs"][0]["images"][0]


def test_images_json_carries_the_figures_and_the_listing_shows_them(worker, tmp_path):
    env = worker.cli_env()
    image_id = generate(env, tmp_path, 21)
    result = dgx("images", image_id, "--json", env=env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    [image] = listed["images"]
    assert image["id"] == image_id and set(image["lint"]) == FIELDS
    assert listed["failing"] == {}
    shown = dgx("images", env=env)
    assert shown.returncode == 0, shown.stderr
    assert image_id in shown.stdout
    assert f"{image['lint']['colors']} colours · " in shown.stdout
    strict_env = {**env, "DGX_PIXELS_LINT__MAX_COLORS": "1"}
    failing = json.loads(dgx("images", image_id, "--json", env=strict_env).stdout)["failing"]
    assert "more than the 1 allowed ([lint] max_colors)" in failing[image_id][0]
    assert "✗ " in dgx("images", image_id, env=strict_env).stdout
    unknown = dgx("images", "nope-0", env=env)
    assert unknown.returncode == 2 and "`dgx-pixels images` lists images" in unknown.stderr


def bevy_project(tmp_path):
    game = tmp_path / "game"
    game.mkdir()
    (game / "Cargo.toml").write_text("[package]\n")
    return game


def test_export_strict_passes_an_image_within_the_thresholds(worker, tmp_path):
    env = worker.cli_env()
    image_id = generate(env, tmp_path, 22)
    game = bevy_project(tmp_path)
    result = dgx("export", "--bevy", str(game), "--strict", image_id, env=env)
    assert result.returncode == 0, result.stderr
    assert (game / "assets/sprites/misc/green-slime-22.png").is_file()


def test_export_strict_refuses_an_image_past_a_threshold_and_writes_nothing(worker, tmp_path):
    env = worker.cli_env()
    image_id = generate(env, tmp_path, 23)
    game = bevy_project(tmp_path)
    strict_env = {**env, "DGX_PIXELS_LINT__MAX_COLORS": "2"}
    result = dgx("export", "--bevy", str(game), "--strict", image_id, "--json", env=strict_env)
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "lint_failed"
    [message] = error["details"]["images"][image_id]
    assert "colours," in message and "more than the 2 allowed ([lint] max_colors)" in message
    assert "nothing was exported" in result.stderr and image_id in result.stderr
    assert not (game / "assets").exists()
    # without --strict the same image goes
    assert dgx("export", "--bevy", str(game), image_id, env=strict_env).returncode == 0


async def test_a_tile_carries_its_seam_and_an_animation_the_figures_of_its_whole_sheet(worker):
    async with worker.client() as client:
        tile_job = await client.generate("grass", seed=4, width=32, height=32, tile=True)
        walk_job = await client.generate("knight", seed=4, width=32, height=32, frames=4, motion="walk")
        tile = await client.image((await finished_job(client, tile_job.id)).images[0])
        walk = await client.image((await finished_job(client, walk_job.id)).images[0])
    assert tile.image.lint is not None and tile.image.lint.seam is not None
    assert tile.image.lint.seam <= 1.5  # the procedural tile is cut where it wraps cleanly
    assert walk.image.lint is not None and walk.image.lint.seam is None
    with Image.open(io.BytesIO(walk.png)) as image:
        sheet = np.asarray(image.convert("RGBA"))
    assert sheet.shape[1] == 4 * 32
    assert walk.image.lint.opaque == int((sheet[:, :, 3] == 255).sum())
