import time

from dgx_pixels_worker.protocol.messages import JobState
from dgx_pixels_worker.scheduler import Scheduler
from dgx_pixels_worker.store import JobRecord


def _job(job_id, seq, priority=0, model="procedural"):
    return JobRecord(id=job_id, seq=seq, state=JobState.QUEUED, params={"model": model, "count": 1}, priority=priority,
                     client="t", user="u", created_at=time.time())


def test_priority_first_then_submission_order():
    s = Scheduler()
    for job in [_job("a", 1), _job("b", 2, priority=5), _job("c", 3), _job("d", 4, priority=5), _job("e", 5, priority=-1)]:
        s.push(job)
    assert [s.pick().id for _ in range(5)] == ["b", "d", "a", "c", "e"]
    assert s.pick() is None


def test_pick_skips_jobs_the_backend_cannot_run_and_remove_takes_one_out():
    s = Scheduler()
    s.push(_job("a", 1, model="sdxl"))
    s.push(_job("b", 2))
    s.push(_job("c", 3))
    assert s.remove("c").id == "c"
    assert s.pick(lambda j: j.model == "procedural").id == "b"
    assert len(s) == 1 and "a" in s
