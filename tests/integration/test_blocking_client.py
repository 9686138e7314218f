"""The blocking client: the same calls without asyncio, for scripts."""

import time

import pytest

from dgx_pixels_worker.client import AsyncClient, BlockingClient
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import JobState


def test_blocking_client_generates_and_fetches_an_image(worker):
    with BlockingClient(AsyncClient(worker.rep, timeout=10, keys_dir=worker.keys_dir)) as client:
        assert client.hello().procedural_only
        job = client.generate("gold coin", seed=9, width=16, height=16)
        deadline = time.monotonic() + 20
        while not (job := client.job(job.id)).state.terminal and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.state is JobState.COMPLETED
        reply = client.image(job.images[0])
        assert reply.png.startswith(b"\x89PNG") and reply.image.seed == 9
        with pytest.raises(WorkerError) as caught:
            client.job("missing-job")
        assert caught.value.code == ErrorCode.UNKNOWN_JOB
