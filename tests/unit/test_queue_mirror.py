"""The client's copy of the queue: snapshots replace it, events update one job each."""

import time

from dgx_pixels_worker.client.events import Event, Snapshot
from dgx_pixels_worker.client.queue_mirror import QueueMirror
from dgx_pixels_worker.protocol import messages as m


def _info(job_id, priority=0, created_at=None, state=m.JobState.QUEUED):
    return m.JobInfo(
        id=job_id,
        state=state,
        prompt="knight",
        negative="",
        model="procedural",
        seed=1,
        count=1,
        width=32,
        height=32,
        steps=1,
        cfg=0.0,
        priority=priority,
        tags=[],
        client="t",
        user="u",
        created_at=created_at or time.time(),
    )


def _event(topic, body):
    return Event(topic, m.EVENTS[topic].model_validate(body), seq=1, re=None)


def test_job_updated_replaces_the_job_and_reorders_the_queue():
    mirror = QueueMirror()
    a, b, c = _info("a", created_at=1.0), _info("b", created_at=2.0), _info("c", created_at=3.0)
    mirror.apply(Snapshot(jobs=[a, b, c], seq=1, epoch="e", reason="connected"))
    assert [j.id for j in mirror.ordered()] == ["a", "b", "c"]
    raised = c.model_copy(update={"priority": 7})
    assert mirror.apply(_event("job.updated", {"job": raised.model_dump()})) == "c"
    assert mirror.jobs["c"].priority == 7
    assert [j.id for j in mirror.ordered()] == ["c", "a", "b"]


def test_job_started_sets_when_this_attempt_started():
    """ELAPSED and ETA need a start: job.started stamps it, and a requeued job counts from its new attempt."""
    mirror = QueueMirror()
    first_attempt = _info("a", created_at=1.0).model_copy(
        update={"started_at": 5.0, "attempts": 1, "progress": 0.5, "step": 4, "total": 8, "stage": "sampling"}
    )
    mirror.apply(Snapshot(jobs=[first_attempt], seq=1, epoch="e", reason="connected"))
    before = time.time()
    assert mirror.apply(_event("job.started", {"job_id": "a", "backend": "spark", "attempt": 2})) == "a"
    job = mirror.jobs["a"]
    assert job.state is m.JobState.RUNNING and job.attempts == 2 and job.backend == "spark"
    assert job.started_at is not None and before <= job.started_at <= time.time()
    assert (job.progress, job.step, job.total, job.stage) == (0.0, 0, 0, "")
