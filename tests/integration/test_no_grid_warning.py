"""A render in which post-processing finds no pixel grid says so: in the image's metadata and on the command line."""

from __future__ import annotations

from tests.support.cli import dgx
from tests.support.requests import finished_job


async def test_no_grid_found_is_in_the_result_and_on_the_command_line(worker, tmp_path):
    # procedural art is already at its true size: a grid step finds no grid in it
    async with worker.client() as client:
        job = await client.generate("knight", seed=2, width=32, height=32, postprocess="grid,upscale:2")
        reply = await client.image((await finished_job(client, job.id)).images[0])
    assert reply.image.params["postprocess_warning"].startswith("no pixel grid found")
    assert reply.image.params["postprocess"][0]["found"]["found"] is False
    assert (reply.image.width, reply.image.height) == (64, 64)  # taken as true size, so the upscale ran

    result = dgx(
        "generate", "knight", "--seed", "2", "--size", "32x32", "--post", "grid", "--out", str(tmp_path),
        env=worker.cli_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no pixel grid found; the image is taken as pixel art at its true size" in result.stderr

    plain = dgx("generate", "knight", "--seed", "2", "--size", "32x32", "--out", str(tmp_path), env=worker.cli_env())
    assert plain.returncode == 0 and "pixel grid" not in plain.stderr
