"""Waiting for a request's refusal or a job's end against a real worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import pytest

from dgx_pixels_worker.protocol import WorkerError
from dgx_pixels_worker.protocol import messages as m


async def refusal(call: Awaitable[Any], within: float = 5.0) -> tuple[WorkerError, float]:
    """The error `call` ends with (it must end with one, within `within` seconds) and how long it took."""
    started = time.monotonic()
    with pytest.raises(WorkerError) as caught:
        await asyncio.wait_for(call, within)
    return caught.value, time.monotonic() - started


async def finished_job(client: Any, job_id: str, timeout: float = 30.0) -> m.JobInfo:
    """The job once it has ended, asked for every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await client.job(job_id)
        if job.state.terminal:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish within {timeout:g}s")
