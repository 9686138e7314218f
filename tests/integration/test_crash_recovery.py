"""Killing the worker at any moment loses nothing and produces no image twice."""

import asyncio
import sqlite3
import time

from dgx_pixels_worker.client import Event, Snapshot
from dgx_pixels_worker.protocol import messages as m

from tests.support.streams import collect_until_terminal, final_state_after_restart

PACED = """
[worker]
heartbeat_s = 0.2
progress_interval_s = 0.0
shutdown_grace_s = 0.2
[procedural]
step_delay_s = 0.01
"""


def stored_images(data_dir):
    with sqlite3.connect(data_dir / "dgx-pixels.db") as db:
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, sha256, created_at FROM images")}


async def test_sigkill_mid_batch_then_restart_completes_everything_once(make_worker):
    worker = make_worker(PACED).start()
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        jobs = [await client.generate(f"knight {n}", seed=n, count=5, width=32, height=32, steps=6) for n in range(3)]
        async for item in stream:  # kill once the first job has stored two images and is mid-way through a third
            if (
                isinstance(item, Event)
                and item.topic == "job.progress"
                and item.body.job_id == jobs[0].id
                and (item.body.image_index, item.body.step) == (2, 3)
            ):
                break
        worker.kill()
        await stream.aclose()
    before = stored_images(worker.data_dir)
    assert {f"{jobs[0].id}-0", f"{jobs[0].id}-1"} <= set(before)

    worker.start()
    async with worker.client() as client:
        stream = client.events()
        snapshot = await anext(stream)
        assert isinstance(snapshot, Snapshot)
        unfinished = [j.id for j in snapshot.jobs if not j.state.terminal]
        await collect_until_terminal(stream, unfinished, timeout=30)
        final = [await client.job(j.id) for j in jobs]
    assert all(j.state is m.JobState.COMPLETED and len(j.images) == 5 for j in final)
    after = stored_images(worker.data_dir)
    assert len(after) == 15
    assert all(after[image] == before[image] for image in before)  # images made before the kill were kept, not redone
    files = sorted(p.name for p in (worker.data_dir / "images").rglob("*") if p.is_file())
    assert len(files) == 15 and not [f for f in files if f.endswith(".part")]
    with sqlite3.connect(worker.data_dir / "dgx-pixels.db") as db:
        history = [
            row[0] for row in db.execute("SELECT state FROM job_history WHERE job_id=? ORDER BY rowid", (jobs[0].id,))
        ]
    assert history == ["queued", "running", "queued", "running", "completed"]


async def test_sigterm_finishes_or_requeues_the_running_job(make_worker):
    worker = make_worker(PACED).start()
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        job = await client.generate("wizard", count=40, width=32, height=32, steps=6)
        async for item in stream:
            if isinstance(item, Event) and item.topic == "job.progress":
                break
        stopping = None
        worker.process.terminate()
        async for item in stream:
            if isinstance(item, Event) and item.topic == "worker.stopping":
                stopping = item.body.reason
                break
    assert "SIGTERM" in stopping
    assert worker.process.wait(20) == 0
    worker.start()
    async with worker.client() as client:
        current = await final_state_after_restart(client, job.id)
    assert current.state is m.JobState.COMPLETED and len(current.images) == 40 and current.attempts == 2


async def test_a_client_resynchronises_after_the_worker_restarts(make_worker):
    worker = make_worker(PACED).start()
    async with worker.client() as client:
        stream = client.events(silence_s=0.5)
        await anext(stream)
        worker.kill()
        stalled = await asyncio.wait_for(anext(stream), 5)
        assert type(stalled).__name__ == "Stalled"
        worker.start()
        deadline = time.monotonic() + 15
        seen = []
        while time.monotonic() < deadline:
            item = await asyncio.wait_for(anext(stream), 5)
            seen.append(item)
            if isinstance(item, Snapshot):
                break
        assert isinstance(seen[-1], Snapshot) and seen[-1].reason in ("restart", "gap")
        await stream.aclose()
