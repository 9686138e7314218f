"""Words the procedural generator draws nothing for are named: in the job, the image's metadata, the CLI."""

from __future__ import annotations

import io
import json

from PIL import Image

from tests.support.cli import dgx
from tests.support.streams import generate_and_wait


async def test_the_job_and_the_png_name_the_words_not_drawn(worker):
    async with worker.client() as client:
        queued = await client.generate("skeleton archer on a spaceship", seed=4, width=32, height=32)
        assert queued.unused_words == ["archer", "spaceship"]  # in the generate reply itself
        done = await generate_and_wait(client, "skeleton archer on a spaceship", seed=4, width=32, height=32)
        assert done.unused_words == ["archer", "spaceship"]
        reply = await client.image(done.images[0])
        plain = await generate_and_wait(client, "gold chest", seed=4, width=32, height=32)
    assert reply.image.params["unused_words"] == ["archer", "spaceship"]
    with Image.open(io.BytesIO(reply.png)) as png:
        assert json.loads(png.text["dgx-pixels"])["unused_words"] == ["archer", "spaceship"]
    assert plain.unused_words == []


def test_generate_says_on_stderr_which_words_were_not_drawn(worker):
    env = worker.cli_env()
    result = dgx("generate", "spaceship", "--size", "32x32", "--out", str(worker.root / "out"), env=env)
    assert result.returncode == 0
    assert "not drawn: spaceship (the procedural generator cannot use these words)" in result.stderr
    quiet = dgx("generate", "red potion", "--size", "32x32", "--no-wait", "--json", env=env)
    assert "not drawn" not in quiet.stderr and json.loads(quiet.stdout)["jobs"][0]["unused_words"] == []
