"""Reading a client's event stream in tests."""

import asyncio

from dgx_pixels_worker.client import Event, Snapshot
from dgx_pixels_worker.protocol import messages as m


async def collect_until_terminal(stream, job_ids, timeout=30.0):
    """Every item up to the terminal event of each job in job_ids (or a resync snapshot showing it ended)."""
    items, open_jobs = [], set(job_ids)

    async def run():
        async for item in stream:
            items.append(item)
            if isinstance(item, Event) and item.topic in m.TERMINAL_EVENTS and item.body.job.id in open_jobs:
                open_jobs.discard(item.body.job.id)
            elif isinstance(item, Snapshot):
                open_jobs.difference_update(job.id for job in item.jobs if job.state.terminal)
            if not open_jobs:
                return

    await asyncio.wait_for(run(), timeout)
    return items


async def final_state_after_restart(client, job_id, timeout=60.0):
    """The job as it ends, seen by a client connecting to a restarted worker (it may have ended already)."""
    stream = client.events()
    await anext(stream)
    if not (await client.job(job_id)).state.terminal:
        await collect_until_terminal(stream, [job_id], timeout=timeout)
    await stream.aclose()
    return await client.job(job_id)


async def generate_and_wait(client, prompt, timeout=30.0, **params):
    """Queue one job and return it as it ended; the stream is subscribed first, so no event is missed."""
    stream = client.events()
    await anext(stream)
    try:
        job = await client.generate(prompt, **params)
        await collect_until_terminal(stream, [job.id], timeout=timeout)
    finally:
        await stream.aclose()
    return await client.job(job.id)
