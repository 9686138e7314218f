"""A comparison and its panel jobs are recorded together or not at all, against a real worker over ZeroMQ."""

import asyncio
import sqlite3
from collections import Counter

import pytest

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError
from dgx_pixels_worker.protocol import messages as m

STYLES = ["procedural", "procedural-pico8", "procedural-gameboy"]
REFUSE = (
    "CREATE TRIGGER comparisons_refused BEFORE INSERT ON comparisons"
    " BEGIN SELECT RAISE(ABORT, 'comparisons refused by this test'); END"
)


def database(worker, statement=None):
    """Run `statement` on the worker's database (beside the worker: WAL lets both write), then count its rows."""
    with sqlite3.connect(worker.data_dir / "dgx-pixels.db", timeout=10) as db:
        if statement:
            db.execute(statement)
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("jobs", "comparisons")}


async def job_events(stream, seconds):
    """The job.* events that arrive within `seconds`."""
    seen = []

    async def read():
        async for item in stream:
            if isinstance(item, Event) and item.topic.startswith("job."):
                seen.append(item)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(read(), seconds)
    return seen


async def test_a_comparison_that_cannot_be_recorded_queues_nothing_and_says_why(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        database(worker, REFUSE)
        with pytest.raises(WorkerError) as refused:
            await client.compare("red knight", STYLES, seed=3, width=32, height=32)
        assert await job_events(stream, 1.0) == []  # nothing queued, so nothing runs, ends or is cancelled
        assert database(worker) == {"jobs": 0, "comparisons": 0}
        assert refused.value.code == ErrorCode.INTERNAL
        assert "the comparison was not made and none of its jobs queued" in refused.value.message
        assert "comparisons refused by this test" in refused.value.message
        status = await client.status()
        assert status.queue["queued"] == status.queue["running"] == status.queue["cancelled"] == 0

        database(worker, "DROP TRIGGER comparisons_refused")
        comparison = await client.compare("red knight", STYLES, seed=3, width=32, height=32)
        ids = [p.job_id for p in comparison.panels]
        ends = Counter()
        async for item in stream:
            if isinstance(item, Event) and item.topic in m.TERMINAL_EVENTS:
                ends[(item.body.job.id, item.topic)] += 1
            if sum(ends.values()) == len(ids):
                break
        await stream.aclose()
        assert ends == Counter((job_id, "job.completed") for job_id in ids)
        assert (await client.comparison(comparison.id)).state is JobState.COMPLETED
