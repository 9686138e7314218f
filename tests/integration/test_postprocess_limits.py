"""Post-processing keeps to [limits]: no image beyond max_size a side, and a bounded number of steps."""

import msgpack

from dgx_pixels_worker.protocol import ErrorCode

from tests.support.requests import finished_job, refusal


async def test_an_upscale_beyond_max_size_is_refused_when_the_job_is_submitted(worker):
    async with worker.client() as client:
        for post in ("upscale:32,upscale:32", "grid:size=8,upscale:32,upscale:32", "trim:padding=256,upscale:8"):
            error, _ = await refusal(client.generate("knight", seed=1, width=16, height=16, postprocess=post))
            assert error.code == ErrorCode.INVALID and error.details.get("field") == "postprocess", post
            assert "2048 pixels a side" in error.message, error.message
        for post in ("upscale:32,upscale:32",):
            error, _ = await refusal(
                client.compare("knight", ["procedural", "procedural-pico8"], width=16, height=16, postprocess=post)
            )
            assert error.code == ErrorCode.INVALID and "2048 pixels a side" in error.message
        assert not (await client.jobs()).jobs  # nothing was queued
        fits = await client.generate("knight", seed=1, width=16, height=16, postprocess="upscale:32,upscale:4")
        done = await finished_job(client, fits.id)
        assert (await client.image(done.images[0])).image.width == 2048


async def test_an_upscale_whose_size_shows_only_at_run_time_keeps_the_raw_render(worker, make_worker):
    async with worker.client() as client:
        job = await client.generate("knight", seed=1, width=32, height=32, postprocess="grid,upscale:32,upscale:32")
        done = await finished_job(client, job.id)
        reply = await client.image(done.images[0])
    assert (reply.image.width, reply.image.height) == (32, 32)  # the render, not a 32768-pixel square
    assert "2048 pixels a side" in reply.image.params["postprocess_error"]

    small = make_worker(worker.config_path.read_text() + "\n[limits]\nmax_size = 512\n", root=worker.root / "small")
    async with small.start().client() as client:
        job = await client.generate("knight", seed=1, width=32, height=32, postprocess="grid,upscale:32")
        reply = await client.image((await finished_job(client, job.id)).images[0])
    assert (reply.image.width, reply.image.height) == (32, 32)  # the configured limit holds at run time too
    assert "512 pixels a side" in reply.image.params["postprocess_error"]


async def test_the_number_of_steps_is_limited(worker, make_worker):
    async with worker.client() as client:
        error, _ = await refusal(client.generate("knight", width=16, height=16, postprocess=",".join(["trim"] * 17)))
        assert error.code == ErrorCode.INVALID and "17 steps; the limit is 16" in error.message
        error, took = await refusal(
            client.request("generate", {"prompt": "knight", "postprocess": [{"op": "trim"}] * 30000})
        )
        assert error.code == ErrorCode.INVALID and took < 1.0
        assert len(msgpack.packb(error.to_body())) < 1000
        await finished_job(client, (await client.generate("knight", width=16, height=16, postprocess="trim")).id)

    strict = make_worker(
        worker.config_path.read_text() + "\n[limits]\nmax_postprocess_steps = 2\n", root=worker.root / "b"
    )
    async with strict.start().client() as client:
        error, _ = await refusal(client.generate("knight", width=16, height=16, postprocess="trim,trim,trim"))
        assert "3 steps; the limit is 2" in error.message
        assert (await client.hello()).limits["max_postprocess_steps"] == 2
