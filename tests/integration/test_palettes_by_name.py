"""Requests name palettes, never files: the worker's palette library is the shipped palettes and its owner's
palette folder; a palette on the user's machine travels as colours. No request reads the worker's files."""

import asyncio
import io
import os
import re
from pathlib import Path

import numpy as np
from PIL import Image

from dgx_pixels_worker.protocol import ErrorCode
from dgx_pixels_worker.protocol import messages as m

from tests.support.cli import dgx
from tests.support.requests import finished_job, refusal

SMALL = {"seed": 3, "width": 32, "height": 32}


def palette_folder(worker):
    folder = worker.root / "config-home" / "dgx-pixels" / "palettes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def colours_of(png: bytes) -> set[tuple[int, int, int]]:
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("RGBA")).reshape(-1, 4)
    return {tuple(int(v) for v in p[:3]) for p in pixels if p[3]}


async def test_a_path_as_a_palette_reads_nothing_and_says_nothing_of_what_exists(worker, tmp_path):
    secret = tmp_path / "secret.hex"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    fifo = tmp_path / "pipe.hex"
    os.mkfifo(fifo)
    probes = ["/etc/passwd", str(secret), str(tmp_path / "missing.hex"), str(tmp_path), str(fifo), "/dev/zero"]
    probes += ["../../../etc/passwd", "~/.ssh/id_rsa"]
    shapes = set()
    async with worker.client() as client:
        for path in probes:
            forms = {
                "generate list": client.generate("knight", postprocess=[{"op": "palette", "name": path}], **SMALL),
                "generate short": client.generate("knight", postprocess=f"palette:{path}", **SMALL),
                "compare": client.compare(
                    "knight", ["procedural", "procedural-pico8"], postprocess=f"palette:{path}", **SMALL
                ),
            }
            for form, call in forms.items():
                error, took = await refusal(call)
                assert error.code == ErrorCode.INVALID, (form, path)
                assert took < 2.0, (form, path, took)  # a FIFO does not hang the worker, /dev/zero is not read
                text = error.message
                assert "root:" not in text and "not found" not in text and "directory" not in text, text
                assert "not a palette name" in text and "pico8" in text and "colours" in text, text
                shapes.add(re.sub(r"\(palette\): '[^']*'", "(palette): NAME", text))  # the name, maybe shortened
        # one and the same answer whatever the path: it tells nothing about the worker's files
        assert len(shapes) == 1, shapes
        assert (await client.ping()).time > 0
        queued = await client.jobs()
        assert not queued.jobs


async def test_an_unknown_name_lists_the_library_and_the_owners_palettes_are_in_it(worker):
    folder = palette_folder(worker)
    (folder / "sweetie.gpl").write_text("GIMP Palette\nName: Sweetie\n26 28 44\n93 39 93\n177 62 83\n239 125 87\n")
    (folder / "duo.txt").write_text("; Paint.NET palette\nFF000000\nFFFFFFFF\n")
    (folder / "notes.md").write_text("not a palette")
    async with worker.client() as client:
        error, _ = await refusal(client.generate("knight", postprocess="palette:nope", **SMALL))
        assert error.code == ErrorCode.INVALID
        assert "unknown palette 'nope'" in error.message
        assert "pico8" in error.message and "sweetie" in error.message and "duo" in error.message
        assert "notes" not in error.message and "config" not in error.message

        job = await client.generate("knight", postprocess="palette:sweetie", **SMALL)
        done = await finished_job(client, job.id)
        assert done.state is m.JobState.COMPLETED
        reply = await client.image(done.images[0])
    assert colours_of(reply.png) <= {(26, 28, 44), (93, 39, 93), (177, 62, 83), (239, 125, 87)}
    assert reply.image.params["postprocess"][0]["params"] == {"name": "sweetie"}


async def test_a_fifo_or_a_device_in_the_palette_folder_is_refused_at_once(worker):
    folder = palette_folder(worker)
    os.mkfifo(folder / "trap.hex")
    (folder / "zero.pal").symlink_to("/dev/zero")
    (folder / "huge.hex").write_text("000000\n" * 20000)
    async with worker.client() as client, worker.client() as other:
        for name in ("trap", "zero", "huge"):
            pings = asyncio.gather(*(other.ping() for _ in range(5)))
            error, took = await refusal(client.generate("knight", postprocess=f"palette:{name}", **SMALL))
            assert error.code == ErrorCode.INVALID and f"palette {name!r}" in error.message
            assert "cannot be read" in error.message and str(folder) not in error.message
            assert took < 2.0
            assert len(await pings) == 5
    assert "trap" in worker.log()  # the owner finds why in the worker's log


async def test_colours_sent_in_the_request_are_the_palette(worker):
    colours = ["#1a1c2c", "#5d275d", "#b13e53", "#ef7d57", "#ffcd75"]
    async with worker.client() as client:
        job = await client.generate("knight", postprocess=[{"op": "palette", "colors": colours}], **SMALL)
        done = await finished_job(client, job.id)
        reply = await client.image(done.images[0])
        too_many, _ = await refusal(
            client.generate("knight", postprocess=[{"op": "palette", "colors": ["#000000"] * 257}], **SMALL)
        )
    wanted = {tuple(bytes.fromhex(c[1:])) for c in colours}
    assert colours_of(reply.png) <= wanted
    assert reply.image.params["postprocess"][0]["found"]["palette_colors"] == 5
    assert too_many.code == ErrorCode.INVALID and "257 colours" in too_many.message


def test_the_command_line_reads_a_palette_file_of_the_user_and_sends_its_colours(worker, tmp_path):
    mine = tmp_path / "mine.hex"
    mine.write_text("; two greens\n0f380f\n9bbc0f\n")
    out = tmp_path / "out"
    env = worker.cli_env()
    post = f"palette:{mine}"
    result = dgx("generate", "knight", "--seed", "3", "--size", "32x32", "--post", post, "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert colours_of(Path(result.stdout.split()[0]).read_bytes()) <= {(15, 56, 15), (155, 188, 15)}

    models = "procedural,procedural-pico8"
    compared = dgx(
        "compare", "knight", "--models", models, "--size", "32x32", "--post", post, "--out", str(out), env=env
    )
    assert compared.returncode == 0, compared.stderr
    for line in compared.stdout.splitlines()[1:]:
        path = line.split()[2]  # "panel N  PATH": blind, no model name
        assert colours_of(Path(path).read_bytes()) <= {(15, 56, 15), (155, 188, 15)}

    missing = dgx("generate", "knight", "--post", f"palette:{tmp_path / 'nope.hex'}", env=env)
    assert missing.returncode == 2 and "not found" in missing.stderr
