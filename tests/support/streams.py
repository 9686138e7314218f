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
