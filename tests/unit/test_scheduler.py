import dataclasses
import time

from dgx_pixels_worker.jobs.params import SpriteParams
from dgx_pixels_worker.jobs.record import JobRecord
from dgx_pixels_worker.jobs.scheduler import Scheduler
from dgx_pixels_worker.protocol.messages import JobState


def _job(job_id, seq, priority=0, model="procedural"):
    return JobRecord(
        id=job_id,
        seq=seq,
        state=JobState.QUEUED,
        params=SpriteParams(
            prompt="p", negative="", model=model, seed=1, count=1, width=16, height=16, steps=1, cfg=0.0
        ),
        priority=priority,
        client="t",
        user="u",
        created_at=time.time(),
    )


def test_priority_first_then_submission_order():
    s = Scheduler()
    for job in [
        _job("a", 1),
        _job("b", 2, priority=5),
        _job("c", 3),
        _job("d", 4, priority=5),
        _job("e", 5, priority=-1),
    ]:
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


def test_affinity_prefers_the_loaded_checkpoint_within_a_priority_band():
    s = Scheduler()
    for n, model in enumerate(["a", "b", "a", "b", "a"]):
        s.push(_job(f"j{n}", n + 1, model=model))
    s.push(_job("urgent", 9, priority=5, model="b"))
    loaded = {"model": "a"}

    def prefers(job):
        return job.model == loaded["model"]

    assert s.pick(prefers=prefers).id == "urgent"  # a higher band goes first whatever is loaded
    assert [s.pick(prefers=prefers).id for _ in range(3)] == ["j0", "j2", "j4"]
    assert [s.pick(prefers=prefers).id for _ in range(2)] == ["j1", "j3"]


def test_a_job_that_waited_too_long_is_not_passed_over():
    s = Scheduler()
    old = _job("old", 1, model="b")
    old = dataclasses.replace(old, created_at=old.created_at - 120)
    s.push(old)
    s.push(_job("fresh", 2, model="a"))
    assert s.pick(prefers=lambda j: j.model == "a", max_wait_s=60).id == "old"


def test_replace_moves_a_job_and_keeps_submission_order_among_equals():
    s = Scheduler()
    jobs = {job.id: job for job in [_job("a", 1), _job("b", 2, 5), _job("c", 3), _job("d", 4, 5), _job("e", 5)]}
    for job in jobs.values():
        s.push(job)

    def reprioritize(job_id, priority):
        return s.replace(dataclasses.replace(jobs[job_id], priority=priority))

    assert reprioritize("e", 5) and s.get("e").priority == 5  # joins the band of 5 after b and d, submitted earlier
    assert reprioritize("b", -1)
    assert not s.replace(_job("missing", 9, 3))
    assert [j.id for j in s.queued()] == ["d", "e", "a", "c", "b"]
    assert reprioritize("b", 0)  # back among the 0s, in submission order
    assert [s.pick().id for _ in range(5)] == ["d", "e", "a", "b", "c"]
