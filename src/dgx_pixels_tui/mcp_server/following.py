"""Waiting, within a bound, for a job or a comparison to end, by asking the worker: it works the same through a
tunnel that carries no events, and a call that stops waiting leaves the work running."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m

POLL_S = 0.25

OnProgress = Callable[[m.JobInfo], Awaitable[None]]


async def follow_job(
    client: AsyncClient, job_id: str, wait_s: float, on_progress: OnProgress | None = None
) -> m.JobInfo:
    """The job when it has ended, or as it stands after `wait_s` seconds; `on_progress` hears each look at it."""
    deadline = time.monotonic() + wait_s
    while True:
        job = await client.job(job_id)
        if on_progress is not None:
            await on_progress(job)
        if job.state.terminal or time.monotonic() >= deadline:
            return job
        await anyio.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


async def follow_comparison(client: AsyncClient, comparison_id: str, wait_s: float) -> m.ComparisonInfo:
    """The comparison when every panel has ended, or as it stands after `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        comparison = await client.comparison(comparison_id)
        if comparison.state.terminal or time.monotonic() >= deadline:
            return comparison
        await anyio.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
