"""A full disk pauses the queue: what cannot be written is held, shown as stored, and written once there is room."""

import asyncio

import pytest

from dgx_pixels_worker.jobs import pause
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol.messages import GenerateRequest, JobState
from dgx_pixels_worker.serving.publisher import EventPublisher

from tests.unit.test_job_domain import TERMINAL, Recorder, assemble

FULL = WorkerError(ErrorCode.DISK_FULL, "the database could not be written (database or disk is full)")


@pytest.fixture(autouse=True)
def quick_probe(monkeypatch):
    monkeypatch.setattr(pause, "PROBE_S", 0.05)


class Disk:
    """Fails the store's writes it is put in front of with DISK_FULL while `full`."""

    def __init__(self, monkeypatch, store, *names):
        self.full = True
        for name in names:
            real = getattr(store, name)
            monkeypatch.setattr(store, name, self._guard(real))

    def _guard(self, real):
        def write(*args, **kwargs):
            if self.full:
                raise FULL
            return real(*args, **kwargs)

        return write


async def until(condition, timeout=5.0):
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def listed(jobs):
    return {info.id: info.state for info in jobs.views.snapshot(None, finished_limit=50)}


async def test_an_end_that_cannot_be_written_is_held_shown_as_stored_and_published_once_written(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    disk = Disk(monkeypatch, jobs.store, "finish")
    jobs.slots.start()
    job = jobs.queue.submit(GenerateRequest(prompt="one", count=2, seed=1), "t", "u", None)
    other = jobs.queue.submit(GenerateRequest(prompt="two", seed=2), "t", "u", None)
    await until(lambda: job.id in jobs.active.held)
    await asyncio.sleep(0.2)  # paused: nothing more starts, nothing ends
    assert jobs.store.job(job.id).state is JobState.RUNNING and len(jobs.store.job(job.id).images) == 2
    assert listed(jobs) == {job.id: JobState.RUNNING, other.id: JobState.QUEUED}  # as stored, not vanished
    assert jobs.views.counts()["running"] == 1 and jobs.queue.find(job.id).state is JobState.RUNNING
    assert jobs.pause.state is not None and jobs.pause.state.reason == "disk_full"
    assert not [t for t, _ in recorder.events if t in TERMINAL]

    disk.full = False
    await until(lambda: jobs.store.job(other.id).state.terminal)
    await jobs.slots.stop(1.0)
    assert jobs.store.job(job.id).state is JobState.COMPLETED and jobs.store.job(job.id).attempts == 1
    ends = [(t, b["job"]["id"]) for t, b in recorder.events if t in TERMINAL]
    assert ends == [("job.completed", job.id), ("job.completed", other.id)]
    topics = [t for t, _ in recorder.events if t.startswith("worker.")]
    assert topics == ["worker.paused", "worker.resumed"]
    assert not jobs.active.held and jobs.pause.state is None


async def test_a_job_that_can_neither_save_nor_go_back_is_held_then_requeued_uncharged(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    disk = Disk(monkeypatch, jobs.store, "add_image", "requeue")
    jobs.slots.start()
    job = jobs.queue.submit(GenerateRequest(prompt="one", count=2, seed=1), "t", "u", "req-1")
    await until(lambda: job.id in jobs.active.held)
    assert listed(jobs) == {job.id: JobState.RUNNING}
    assert jobs.store.job(job.id).attempts == 1
    disk.full = False
    await until(lambda: jobs.store.job(job.id).state.terminal)
    await jobs.slots.stop(1.0)
    stored = jobs.store.job(job.id)
    assert stored.state is JobState.COMPLETED and stored.attempts == 1 and len(stored.images) == 2
    assert [s for _, s, _ in jobs.store.history(job.id)] == ["queued", "running", "queued", "running", "completed"]
    assert "back in the queue until there is room" in jobs.store.history(job.id)[2][2]
    queued_again = [b for t, b in recorder.events if t == "job.queued"][1]
    assert queued_again["job"]["state"] == "queued" and queued_again["job"]["attempts"] == 0


async def test_a_restart_on_a_full_disk_holds_the_jobs_it_cannot_requeue(tmp_path, monkeypatch):
    first = assemble(tmp_path, Recorder())
    job = first.queue.submit(GenerateRequest(prompt="one"), "t", "u", None)
    first.store.start(job, "scripted")  # the worker was killed while it ran
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    disk = Disk(monkeypatch, jobs.store, "requeue")
    assert jobs.lifecycle.recover() == 1
    assert listed(jobs) == {job.id: JobState.RUNNING} and jobs.pause.state is not None
    jobs.slots.start()
    await asyncio.sleep(0.2)
    assert jobs.store.job(job.id).state is JobState.RUNNING
    disk.full = False
    await until(lambda: jobs.store.job(job.id).state.terminal)
    await jobs.slots.stop(1.0)
    assert [t for t, _ in recorder.events if t in TERMINAL] == ["job.completed"]


def test_the_queue_stays_paused_while_the_space_is_short_of_what_it_waits_for(tmp_path):
    recorder = Recorder()
    publisher = EventPublisher(recorder, "epoch")
    short = pause.QueuePause(tmp_path, publisher, lambda: None, room_bytes=1 << 62)
    short.disk_full(FULL)
    short.disk_full(FULL)  # once
    assert not short.try_resume() and short.state is not None
    roomy = pause.QueuePause(tmp_path, publisher, lambda: None, room_bytes=1)
    roomy.disk_full(FULL)
    assert roomy.try_resume() and roomy.state is None
    assert [t for t, _ in recorder.events] == ["worker.paused", "worker.paused", "worker.resumed"]
    assert not list(tmp_path.glob(pause.TRIAL_FILE))


def test_a_submission_that_finds_the_disk_full_is_refused_and_pauses_the_queue(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    Disk(monkeypatch, jobs.store, "insert_all")
    with pytest.raises(WorkerError) as refused:
        jobs.queue.submit(GenerateRequest(prompt="one"), "t", "u", None)
    assert refused.value.code == ErrorCode.DISK_FULL
    assert [t for t, _ in recorder.events] == ["worker.paused"] and not listed(jobs)


async def test_a_held_job_cannot_be_cancelled_until_its_state_is_written(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    disk = Disk(monkeypatch, jobs.store, "finish")
    jobs.slots.start()
    job = jobs.queue.submit(GenerateRequest(prompt="one", seed=1), "t", "u", None)
    await until(lambda: job.id in jobs.active.held)
    with pytest.raises(WorkerError) as refused:
        jobs.queue.cancel(jobs.queue.find(job.id))
    assert refused.value.code == ErrorCode.DISK_FULL and "cancel it once the queue resumes" in refused.value.message
    disk.full = False
    await until(lambda: jobs.store.job(job.id).state.terminal)
    await jobs.slots.stop(1.0)
    assert [t for t, _ in recorder.events if t in TERMINAL] == ["job.completed"]
