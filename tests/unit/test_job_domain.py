"""The job domain alone, in-process: failures become typed terminal events and the queue keeps moving."""

import asyncio
import os

import pytest
from PIL import Image

from dgx_pixels_worker.backends import Preview, Progress, Result
from dgx_pixels_worker.database import Database
from dgx_pixels_worker.jobs import image_files, pause
from dgx_pixels_worker.jobs.assembly import assemble_jobs
from dgx_pixels_worker.jobs.store import StaleJob
from dgx_pixels_worker.protocol import ErrorCode, WorkerError, decode
from dgx_pixels_worker.protocol.messages import BackendInfo, GenerateRequest, JobState, ModelInfo
from dgx_pixels_worker.serving.publisher import EventPublisher
from dgx_pixels_worker.settings.config import load_settings


class ScriptedBackend:
    """Renders flat squares; fails on prompts containing 'explode'."""

    name = kind = "scripted"
    slots = 1

    def checkpoint_of(self, model):
        return None

    def render_identity(self, model):
        return None

    def info(self):
        return BackendInfo(name=self.name, kind=self.kind, healthy=True)

    def models(self):
        return [
            ModelInfo(
                name="flat",
                backend=self.name,
                kind=self.kind,
                available=True,
                defaults={"width": 16, "height": 16, "steps": 2, "cfg": 1.0},
            )
        ]

    def can_run(self, model):
        return model == "flat"

    async def render(self, task):
        for step in (1, 2):
            yield Progress(step, 2, "painting")
            yield Preview(Image.new("RGBA", (task.width, task.height)), step, 2)
            await asyncio.sleep(0)
        if "explode" in task.prompt:
            raise WorkerError(ErrorCode.BACKEND_ERROR, "the backend exploded; try another model")
        yield Result(Image.new("RGBA", (task.width, task.height), (task.seed % 256, 0, 0, 255)))


class Recorder:
    def __init__(self):
        self.events = []

    def __call__(self, frames):
        envelope = decode(frames[1])
        self.events.append((frames[0].decode(), envelope.body))


TERMINAL = ("job.completed", "job.failed", "job.cancelled")


def assemble(tmp_path, recorder):
    db = Database(tmp_path / "db.sqlite")
    return assemble_jobs(db, [ScriptedBackend()], EventPublisher(recorder, "epoch"), load_settings(env={}), tmp_path)


@pytest.fixture(autouse=True)
def quick_probe(monkeypatch):
    """A paused queue looks for room every 50 ms here, not every few seconds."""
    monkeypatch.setattr(pause, "PROBE_S", 0.05)


async def run_jobs(tmp_path, prompts, jobs=None, recorder=None):
    recorder = recorder or Recorder()
    jobs = jobs or assemble(tmp_path, recorder)
    store = jobs.store
    jobs.slots.start()
    submitted = [jobs.queue.submit(GenerateRequest(prompt=p, count=2, seed=1), "t", "u", None) for p in prompts]
    for _ in range(500):
        if all(store.job(j.id).state.terminal for j in submitted):
            break
        await asyncio.sleep(0.01)
    await jobs.slots.stop(1.0)
    return [store.job(j.id) for j in submitted], recorder.events


async def test_backend_error_fails_only_that_job(tmp_path):
    (bad, good), events = await run_jobs(tmp_path, ["explode please", "fine"])
    assert bad.state is JobState.FAILED and bad.error.code == "backend_error" and "try another" in bad.error.message
    assert good.state is JobState.COMPLETED and len(good.images) == 2
    terminal = [(t, b["job"]["id"]) for t, b in events if t in ("job.completed", "job.failed", "job.cancelled")]
    assert terminal == [("job.failed", bad.id), ("job.completed", good.id)]


async def test_a_full_disk_pauses_the_queue_and_the_job_that_hit_it_waits_uncharged(tmp_path, monkeypatch):
    real_write = image_files.write_atomically
    calls = {"n": 0}

    def write_fills_disk_once(root, relative, data):
        calls["n"] += 1
        if calls["n"] == 1:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink("/dev/full", target.with_name(target.name + ".part"))  # the kernel answers ENOSPC
        return real_write(root, relative, data)

    monkeypatch.setattr(image_files, "write_atomically", write_fills_disk_once)
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    (first, second), events = await run_jobs(tmp_path, ["one", "two"], jobs, recorder)
    assert first.state is JobState.COMPLETED and second.state is JobState.COMPLETED
    assert first.attempts == 1  # the attempt the full disk stopped was not counted
    assert [s for _, s, _ in jobs.store.history(first.id)] == ["queued", "running", "queued", "running", "completed"]
    topics = [t for t, _ in events if t.startswith("worker.") or t in TERMINAL]
    assert topics == ["worker.paused", "worker.resumed", "job.completed", "job.completed"]
    paused = next(b for t, b in events if t == "worker.paused")
    assert paused["reason"] == "disk_full" and paused["path"] == str(tmp_path)
    assert f"the disk holding {tmp_path} is full" in paused["message"] and "resumes by itself" in paused["message"]
    assert not list(tmp_path.rglob("*.part"))


def test_write_atomically_reports_enospc_as_disk_full(tmp_path):
    (tmp_path / "images").mkdir()
    os.symlink("/dev/full", tmp_path / "images" / "x.png.part")
    with pytest.raises(WorkerError) as caught:
        image_files.write_atomically(tmp_path, "images/x.png", b"data" * 1000)
    assert caught.value.code == ErrorCode.DISK_FULL
    assert not (tmp_path / "images" / "x.png").exists()


def test_set_priority_reorders_a_queued_job_records_it_and_publishes_job_updated(tmp_path):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    queue, store = jobs.queue, jobs.store
    a, b, c = (queue.submit(GenerateRequest(prompt=p), "t", "u", f"req-{p}") for p in "abc")  # not started
    moved = queue.set_priority(queue.find(c.id[:6]), 5)
    assert moved.id == c.id and moved.priority == 5 and queue.find(c.id).priority == 5
    assert [j.id for j in jobs.active.queued.queued()] == [c.id, a.id, b.id]
    assert store.job(c.id).priority == 5 and store.history(c.id)[-1][1:] == ("queued", "priority 0 -> 5")
    topic, body = recorder.events[-1]
    assert topic == "job.updated" and body["job"]["id"] == c.id and body["job"]["priority"] == 5
    published = len(recorder.events)
    queue.set_priority(queue.find(c.id), 5)  # unchanged: nothing written, nothing published
    assert len(recorder.events) == published and len(store.history(c.id)) == 2

    queue.cancel(b)
    with pytest.raises(WorkerError) as caught:
        queue.set_priority(queue.find(b.id), 9)
    assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"state": "cancelled"}
    assert "already cancelled; priority only orders queued jobs" in caught.value.message
    picked = jobs.active.queued.pick()
    started = jobs.lifecycle.start(picked, "scripted").record
    with pytest.raises(WorkerError, match="is already running; priority only orders queued jobs"):
        queue.set_priority(started, 9)


async def test_a_terminal_state_that_cannot_be_recorded_is_not_published(tmp_path, monkeypatch):
    """The disk fills between a job's images and its final row: no job.completed goes out for a job the
    database still holds as running, and the next start of the worker resumes it."""
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)

    def finish_fails(job, state, error=None, detail=""):
        raise WorkerError(ErrorCode.DISK_FULL, "the database could not be written; free disk space there")

    monkeypatch.setattr(jobs.store, "finish", finish_fails)
    [job], events = await run_jobs(tmp_path, ["one"], jobs, recorder)
    assert job.state is JobState.RUNNING and len(job.images) == 2
    assert not [t for t, _ in events if t in ("job.completed", "job.failed", "job.cancelled")]
    monkeypatch.undo()
    again = assemble(tmp_path, Recorder())
    assert again.lifecycle.recover() == 1 and again.store.job(job.id).state is JobState.QUEUED


async def test_a_failing_finish_listener_does_not_change_the_outcome(tmp_path):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    heard = []

    def broken_listener(job):
        raise RuntimeError("listener bug")

    jobs.lifecycle.on_finish(broken_listener)
    jobs.lifecycle.on_finish(heard.append)
    [job], events = await run_jobs(tmp_path, ["one"], jobs, recorder)
    assert job.state is JobState.COMPLETED and [j.state for j in heard] == [JobState.COMPLETED]
    assert [t for t, _ in events if t.startswith("job.") and t in ("job.completed", "job.failed")] == ["job.completed"]


def test_memory_follows_the_store_and_a_refused_change_leaves_both_alone(tmp_path):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    job = jobs.queue.submit(GenerateRequest(prompt="a"), "t", "u", None)
    jobs.store.start(job, "elsewhere")  # the row moves on behind the queue's back
    published = len(recorder.events)
    with pytest.raises(StaleJob):
        jobs.queue.cancel(job)
    assert len(recorder.events) == published  # nothing published for a change that was not written
    assert jobs.store.job(job.id).state is JobState.RUNNING


def start_fails_once(monkeypatch, store, error):
    real_start = store.start
    calls = {"n": 0}

    def start(job, backend):
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return real_start(job, backend)

    monkeypatch.setattr(store, "start", start)


async def test_a_start_that_cannot_be_recorded_fails_that_job_and_the_slot_keeps_running(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    start_fails_once(
        monkeypatch, jobs.store, WorkerError(ErrorCode.INTERNAL, "database error: disk image is malformed")
    )
    (first, second), events = await run_jobs(tmp_path, ["one", "two"], jobs, recorder)
    assert first.state is JobState.FAILED and first.error.code == ErrorCode.INTERNAL
    assert second.state is JobState.COMPLETED
    assert [t for t, b in events if t == "job.started"] == ["job.started"]  # only the start that was recorded


async def test_a_start_that_finds_the_disk_full_leaves_the_job_queued_until_there_is_room(tmp_path, monkeypatch):
    recorder = Recorder()
    jobs = assemble(tmp_path, recorder)
    full = WorkerError(ErrorCode.DISK_FULL, "the database could not be written; free disk space there")
    start_fails_once(monkeypatch, jobs.store, full)
    (first, second), events = await run_jobs(tmp_path, ["one", "two"], jobs, recorder)
    assert first.state is JobState.COMPLETED and second.state is JobState.COMPLETED and first.attempts == 1
    topics = [t for t, _ in events if t.startswith("worker.") or t in TERMINAL or t == "job.started"]
    assert topics[:2] == ["worker.paused", "worker.resumed"]  # the start was never recorded, nor published
    assert sorted(topics[2:]) == ["job.completed", "job.completed", "job.started", "job.started"]
