"""Variations through a real worker: of a gallery image the procedural generator drew (varied from its own plan),
of an image sent by the client (CLI `--vary file.png`), and the clear refusals of bad sources."""

import asyncio
import io
import json
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.support.cli import dgx
from tests.support.requests import finished_job


def rgba(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


def png_of(image: Image.Image, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **save)
    return buffer.getvalue()


def shape(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., 3] > 0


async def test_variations_of_a_gallery_sprite_keep_its_subject_and_silhouette_and_differ(worker):
    async with worker.client() as client:
        source_job = await finished_job(client, (await client.generate("knight", seed=11, width=48, height=48)).id)
        source = await client.image(source_job.images[0])
        job = await client.generate(
            "knight", seed=100, width=48, height=48, count=4, init_image=source.image.id, strength=0.6
        )
        assert job.init_image == source.image.id and job.strength == 0.6
        done = await finished_job(client, job.id)
        replies = [await client.image(image_id) for image_id in done.images]
    assert done.state is m.JobState.COMPLETED and len(replies) == 4
    original = rgba(source.png)
    varied = [rgba(reply.png) for reply in replies]
    for reply, pixels in zip(replies, varied, strict=True):
        assert reply.image.params["subject"] == source.image.params["subject"] == "humanoid"
        assert reply.image.params["varied_from"]["seed"] == 11
        assert reply.image.params["init_image"] == source.image.id and reply.image.params["strength"] == 0.6
        assert not np.array_equal(pixels, original)
        # the same figure: its silhouette covers most of the source's (parts may be added, none taken away)
        kept = (shape(pixels) & shape(original)).sum() / shape(original).sum()
        assert kept > 0.95
    assert len({pixels.tobytes() for pixels in varied}) == 4  # four different variations


async def test_a_stronger_variation_moves_further_and_the_same_seed_gives_the_same_image(worker):
    async with worker.client() as client:
        source_job = await finished_job(client, (await client.generate("wizard", seed=3, width=48, height=48)).id)
        source = rgba((await client.image(source_job.images[0])).png)
        changed = {}
        for strength in (0.1, 1.0):
            job = await client.generate(
                "wizard", seed=40, count=6, width=48, height=48, init_image=source_job.images[0], strength=strength
            )
            done = await finished_job(client, job.id)
            images = [rgba((await client.image(i)).png) for i in done.images]
            changed[strength] = np.mean([(img != source).any(axis=-1).mean() for img in images])
        again = await finished_job(
            client,
            (
                await client.generate(
                    "wizard", seed=40, width=48, height=48, init_image=source_job.images[0], strength=1.0
                )
            ).id,
        )
        first_of_strong = rgba((await client.image(done.images[0])).png)
        assert np.array_equal(rgba((await client.image(again.images[0])).png), first_of_strong)
    assert changed[1.0] > 2 * changed[0.1] > 0


async def test_a_gallery_image_is_named_by_a_prefix_only_it_has(worker):
    async with worker.client() as client:
        source_job = await finished_job(client, (await client.generate("sword", seed=5, width=32, height=32)).id)
        job = await client.generate("sword", width=32, height=32, init_image=source_job.id[:8] + "")
        # a job id prefix names the job's only image
        assert job.init_image == source_job.images[0]
        await finished_job(client, job.id)


def test_vary_an_uploaded_png_through_the_cli_makes_a_sprite_of_the_asked_size_in_its_colours(worker, tmp_path):
    picture = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    picture.paste((200, 40, 40, 255), (50, 20, 250, 180))
    picture.paste((40, 40, 200, 255), (120, 60, 180, 120))
    source = tmp_path / "sketch.png"
    source.write_bytes(png_of(picture))
    out = tmp_path / "out"
    result = dgx(
        "generate",
        "red block",
        "--vary",
        str(source),
        "--strength",
        "0.3",
        "--count",
        "2",
        "--size",
        "32x32",
        "--seed",
        "9",
        "--out",
        str(out),
        "--json",
        env=worker.cli_env(),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    job = report["jobs"][0]
    assert job["init_image"].startswith("upload:") and len(job["init_image"]) == len("upload:") + 64
    files = [Path(p) for p in report["files"][job["id"]]]
    sprites = [rgba(path.read_bytes()) for path in files]
    assert len(sprites) == 2 and not np.array_equal(sprites[0], sprites[1])
    for sprite in sprites:
        assert sprite.shape == (32, 32, 4)
        assert (sprite[..., 3] == 0).any() and (sprite[..., 3] == 255).any()  # the transparency is kept
        opaque = sprite[sprite[..., 3] > 0][:, :3].astype(int)
        assert (opaque[:, 0] > opaque[:, 2]).mean() > 0.5  # mostly the sketch's red, still, at strength 0.3
    kept = list((worker.data_dir / "uploads").iterdir())
    assert [p.name for p in kept] == [job["init_image"].removeprefix("upload:") + ".png"]
    again = dgx("generate", "red block", "--vary", str(source), "--size", "32x32", "--no-wait", env=worker.cli_env())
    assert again.returncode == 0, again.stderr
    assert len(list((worker.data_dir / "uploads").iterdir())) == 1  # the same image sent again is kept once


async def test_a_variation_of_an_animation_is_a_full_size_still_of_its_character(worker):
    async with worker.client() as client:
        walk = await client.generate("green slime", seed=5, width=48, height=48, frames=4, motion="walk")
        source = await client.image((await finished_job(client, walk.id)).images[0])
        assert source.image.frames == 4 and source.image.width == 192
        job = await client.generate("green slime", seed=50, width=48, height=48, init_image=source.image.id)
        varied = await client.image((await finished_job(client, job.id)).images[0])
    pixels = rgba(varied.png)
    first_frame = rgba(source.png)[:, :48]
    assert pixels.shape == (48, 48, 4) and varied.image.frames == 1
    assert varied.image.params["subject"] == source.image.params["subject"]
    # the character at its own size, not the whole sheet squeezed into one frame
    kept = (shape(pixels) & shape(first_frame)).sum() / shape(first_frame).sum()
    assert kept > 0.9


def test_vary_a_gallery_image_through_the_cli_by_a_prefix_of_its_id(worker, tmp_path):
    made = dgx(
        "generate",
        "ruby gem",
        "--seed",
        "4",
        "--size",
        "32x32",
        "--out",
        str(tmp_path / "a"),
        "--json",
        env=worker.cli_env(),
    )
    assert made.returncode == 0, made.stderr
    source_id = json.loads(made.stdout)["jobs"][0]["images"][0]
    varied = dgx(
        "generate",
        "ruby gem",
        "--vary",
        source_id[:6],
        "--count",
        "2",
        "--size",
        "32x32",
        "--out",
        str(tmp_path / "b"),
        "--json",
        env=worker.cli_env(),
    )
    assert varied.returncode == 0, varied.stderr
    job = json.loads(varied.stdout)["jobs"][0]
    assert job["init_image"] == source_id and job["strength"] == 0.5
    files = [Path(p) for p in json.loads(varied.stdout)["files"][job["id"]]]
    source = rgba(next((tmp_path / "a").iterdir()).read_bytes())
    assert len(files) == 2 and all(not np.array_equal(rgba(f.read_bytes()), source) for f in files)


def bomb(side: int = 20000) -> bytes:
    """A valid side x side one-bit PNG of a few kilobytes: at 20000 a side, 400 million pixels decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(side // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: b"this is not a picture at all", "not an image: send a PNG, JPEG, GIF or WebP file"),
        (lambda tmp: bomb(), "the image claims more pixels than an image to vary may have"),
        (lambda tmp: bomb(3000), "3000x3000 pixels; images to vary may be at most 2048 pixels a side: shrink it"),
        (lambda tmp: png_of(Image.new("RGB", (64, 64)))[:60], "cannot be read"),
    ],
    ids=["not-an-image", "decompression-bomb", "too-large", "cut-short"],
)
def test_a_bad_upload_is_refused_with_what_to_do_and_exit_2(worker, tmp_path, make, words):
    source = tmp_path / "bad.png"
    source.write_bytes(make(tmp_path))
    result = dgx("generate", "knight", "--vary", str(source), "--out", str(tmp_path), env=worker.cli_env())
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (worker.data_dir / "uploads").exists() or not list((worker.data_dir / "uploads").iterdir())


def test_an_upload_over_4_mib_and_an_unknown_gallery_id_are_refused_with_exit_2(worker, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + bytes(m.MAX_UPLOAD_BYTES))
    result = dgx("generate", "knight", "--vary", str(big), env=worker.cli_env())
    assert result.returncode == 2 and "shrink it first" in result.stderr and "Traceback" not in result.stderr
    result = dgx("generate", "knight", "--vary", "abcdef-0", env=worker.cli_env())
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no image 'abcdef-0' in the gallery to vary" in result.stderr


async def test_the_worker_refuses_an_oversized_init_png_sent_past_the_client_checks(worker):
    async with worker.client() as client:
        with pytest.raises(WorkerError) as caught:
            await client.call("generate", {"prompt": "knight", "init_png": bytes(m.MAX_UPLOAD_BYTES + 1)})
    assert caught.value.code == ErrorCode.INVALID
    assert "init_png" in caught.value.message and "4194304" in caught.value.message


async def test_a_full_4_mib_upload_passes_the_size_limits_and_is_checked_as_an_image(worker):
    noise = np.random.default_rng(1).integers(0, 256, size=(1100, 1100, 4), dtype=np.uint8)
    data = png_of(Image.fromarray(noise, "RGBA"), compress_level=0)[: m.MAX_UPLOAD_BYTES]
    assert len(data) == m.MAX_UPLOAD_BYTES
    async with worker.client() as client:
        with pytest.raises(WorkerError) as caught:
            await client.generate("knight", init_png=data)  # cut short: read, so it got through the size limits
    assert caught.value.code == ErrorCode.INVALID and "cannot be read" in caught.value.message


async def test_the_worker_answers_others_while_it_checks_a_large_upload(worker):
    noise = np.random.default_rng(0).integers(0, 256, size=(2048, 2048, 4), dtype=np.uint8)
    noise[:, :1800] = 50  # 2 MB of PNG that decodes to 16 MB of pixels: about a second of checking
    data = png_of(Image.fromarray(noise, "RGBA"), compress_level=9)
    assert len(data) <= m.MAX_UPLOAD_BYTES
    async with worker.client() as client:

        async def slowest_ping() -> float:
            slowest = 0.0
            for _ in range(30):
                began = time.perf_counter()
                await client.ping()
                slowest = max(slowest, time.perf_counter() - began)
                await asyncio.sleep(0.01)
            return slowest

        job, slowest = await asyncio.gather(client.generate("x", init_png=data, width=32, height=32), slowest_ping())
    assert job.init_image.startswith("upload:")
    assert slowest < 0.5  # checked in a thread: before, a ping waited the whole second


async def test_a_tile_cannot_also_be_a_variation(worker):
    async with worker.client() as client:
        with pytest.raises(WorkerError) as caught:
            await client.generate("grass tile", tile=True, init_png=png_of(Image.new("RGBA", (16, 16))))
    assert caught.value.code == ErrorCode.INVALID and caught.value.details["field"] == "tile"


def test_vary_without_a_prompt_takes_the_gallery_images_own(worker, tmp_path):
    env = worker.cli_env()
    made = dgx("generate", "ruby gem", "--seed", "4", "--size", "32x32", "--out", str(tmp_path), "--json", env=env)
    source_id = json.loads(made.stdout)["jobs"][0]["images"][0]
    varied = dgx("generate", "--vary", source_id, "--size", "32x32", "--out", str(tmp_path), "--json", env=env)
    assert varied.returncode == 0, varied.stderr
    assert json.loads(varied.stdout)["jobs"][0]["prompt"] == "ruby gem"
    unknown = dgx("generate", "--vary", "0000000000aa-0", "--out", str(tmp_path), env=env)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "0000000000aa-0" in unknown.stderr
    empty = dgx("generate", "--out", str(tmp_path), env=env)
    assert empty.returncode == 2 and "the prompt is empty" in empty.stderr
