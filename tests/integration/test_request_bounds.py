"""Bounded work per request: a huge body is refused at once, with a short reply, while other clients go on
being served."""

import asyncio
import time

import msgpack

from dgx_pixels_worker.protocol import ErrorCode, WorkerError

from tests.support.requests import refusal


async def test_a_huge_list_is_refused_at_once_and_other_clients_are_still_served(worker):
    huge = {"prompt": "knight", "tags": [1] * 400_000}
    async with worker.client() as client, worker.client() as other:
        await other.ping()
        latencies: list[float] = []
        stop = asyncio.Event()

        async def keep_pinging():
            while not stop.is_set():
                started = time.monotonic()
                await other.ping()
                latencies.append(time.monotonic() - started)

        pinger = asyncio.create_task(keep_pinging())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        errors = await asyncio.gather(
            *(client.request("generate", huge, timeout=5.0) for _ in range(3)), return_exceptions=True
        )
        took = time.monotonic() - started
        await asyncio.sleep(0.05)
        stop.set()
        await pinger

    for error in errors:
        assert isinstance(error, WorkerError) and error.code == ErrorCode.INVALID
        assert "tags" in error.message and "400000 items" in error.message
        assert len(msgpack.packb(error.to_body())) < 1000  # not megabytes listing every item
    assert took < 1.0
    assert latencies and max(latencies) < 0.5, latencies


async def test_an_error_reply_lists_twenty_problems_and_counts_the_rest(worker):
    async with worker.client() as client:
        error, _ = await refusal(client.request("generate", {"prompt": "knight", "tags": [1] * 200}))
    problems = error.details["errors"]
    assert len(problems) == 21
    assert problems[0]["field"] == "tags.0" and problems[-1]["problem"] == "180 more problems not listed"
    assert len(msgpack.packb(error.to_body())) < 4000
