"""The job runner alone, in-process: failures become typed terminal events and the queue keeps moving."""

import asyncio
import os

import pytest
from PIL import Image

from dgx_pixels_worker.jobs import image_files
from dgx_pixels_worker.backends import Preview, Progress, Result
from dgx_pixels_worker.settings.config import load_settings
from dgx_pixels_worker.serving.publisher import EventPublisher
from dgx_pixels_worker.jobs.runner import JobRunner
from dgx_pixels_worker.protocol import ErrorCode, WorkerError, decode
from dgx_pixels_worker.protocol.messages import BackendInfo, GenerateRequest, JobState, ModelInfo
from dgx_pixels_worker.jobs.store import Store


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


async def run_jobs(tmp_path, prompts):
    settings = load_settings(env={})
    recorder = Recorder()
    store = Store(tmp_path / "db.sqlite")
    runner = JobRunner(store, [ScriptedBackend()], EventPublisher(recorder, "epoch"), settings, tmp_path)
    runner.start()
    jobs = [runner.submit(GenerateRequest(prompt=p, count=2, seed=1), "t", "u", None) for p in prompts]
    for _ in range(500):
        if all(store.job(j.id).state.terminal for j in jobs):
            break
        await asyncio.sleep(0.01)
    await runner.stop(1.0)
    return [store.job(j.id) for j in jobs], recorder.events


async def test_backend_error_fails_only_that_job(tmp_path):
    (bad, good), events = await run_jobs(tmp_path, ["explode please", "fine"])
    assert bad.state is JobState.FAILED and bad.error.code == "backend_error" and "try another" in bad.error.message
    assert good.state is JobState.COMPLETED and len(good.images) == 2
    terminal = [(t, b["job"]["id"]) for t, b in events if t in ("job.completed", "job.failed", "job.cancelled")]
    assert terminal == [("job.failed", bad.id), ("job.completed", good.id)]


async def test_full_disk_fails_the_job_with_advice_and_the_next_job_still_runs(tmp_path, monkeypatch):
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
    (first, second), _ = await run_jobs(tmp_path, ["one", "two"])
    assert first.state is JobState.FAILED and first.error.code == ErrorCode.DISK_FULL
    assert "free space" in first.error.message and "retry" in first.error.message
    assert second.state is JobState.COMPLETED
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
    store = Store(tmp_path / "db.sqlite")
    runner = JobRunner(store, [ScriptedBackend()], EventPublisher(recorder, "epoch"), load_settings(env={}), tmp_path)
    a, b, c = (runner.submit(GenerateRequest(prompt=p), "t", "u", f"req-{p}") for p in "abc")  # not started
    moved = runner.set_priority(runner.resolve_job(c.id[:6]), 5)
    assert moved is c and c.priority == 5
    assert [j.id for j in runner.scheduler.queued()] == [c.id, a.id, b.id]
    assert store.job(c.id).priority == 5 and store.history(c.id)[-1][1:] == ("queued", "priority 0 -> 5")
    topic, body = recorder.events[-1]
    assert topic == "job.updated" and body["job"]["id"] == c.id and body["job"]["priority"] == 5
    published = len(recorder.events)
    runner.set_priority(c, 5)  # unchanged: nothing written, nothing published
    assert len(recorder.events) == published and len(store.history(c.id)) == 2

    runner.cancel(b)
    with pytest.raises(WorkerError) as caught:
        runner.set_priority(runner.resolve_job(b.id), 9)
    assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"state": "cancelled"}
    assert "already cancelled; priority only orders queued jobs" in caught.value.message
    picked = runner.scheduler.pick()
    store.mark_running(picked, "scripted")
    with pytest.raises(WorkerError, match="is already running; priority only orders queued jobs"):
        runner.set_priority(picked, 9)
