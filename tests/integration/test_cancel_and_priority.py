"""Cancelling queued and running jobs, and the order jobs run in."""

import pytest

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.support.streams import collect_until_terminal
from tests.support.worker_process import paced_config

SLOW = paced_config(0.05)


async def test_cancel_queued_and_running_jobs(make_worker):
    worker = make_worker(SLOW).start()
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        running = await client.generate("knight", count=20, width=32, height=32, steps=8)
        queued = await client.generate("potion", width=32, height=32)
        async for item in stream:  # wait until the first job is really running
            if isinstance(item, Event) and item.topic == "job.progress" and item.body.job_id == running.id:
                break
        cancelled_queued = await client.cancel(queued.id[:6])  # a unique prefix is enough
        assert cancelled_queued.state is m.JobState.CANCELLED
        reply = await client.cancel(running.id)
        assert reply.cancel_requested
        items = await collect_until_terminal(stream, [running.id], timeout=10)
        final = items[-1].body.job
        assert final.state is m.JobState.CANCELLED and len(final.images) < 20
        with pytest.raises(WorkerError) as caught:
            await client.cancel(running.id)
        assert caught.value.code == ErrorCode.JOB_FINISHED
        # no second terminal event for either job, and the worker goes on working
        follow = await client.generate("gem", width=32, height=32, steps=1)
        more = await collect_until_terminal(stream, [follow.id], timeout=10)
        terminal = [i for i in items + more if isinstance(i, Event) and i.topic in m.TERMINAL_EVENTS]
        ended = [i.body.job.id for i in terminal]
        assert ended.count(running.id) == 1 and ended.count(queued.id) == 1 and ended.count(follow.id) == 1


async def test_higher_priority_runs_first_then_submission_order(make_worker):
    worker = make_worker(SLOW).start()
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        blocker = await client.generate("knight", width=32, height=32, steps=20)  # a second at 0.05 s a step
        async for item in stream:  # the blocker holds the slot before the others come, however busy the machine
            if isinstance(item, Event) and item.topic == "job.started" and item.body.job_id == blocker.id:
                break
        low = await client.generate("low", width=32, height=32, steps=1)
        normal = await client.generate("normal", width=32, height=32, steps=1, priority=0)
        high = await client.generate("high", width=32, height=32, steps=1, priority=10)
        items = await collect_until_terminal(stream, [blocker.id, low.id, normal.id, high.id], timeout=20)
    started = [i.body.job_id for i in items if isinstance(i, Event) and i.topic == "job.started"]
    assert started == [high.id, low.id, normal.id]
