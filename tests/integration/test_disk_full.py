"""A data directory on a 5 MB tmpfs that fills up mid-queue: the queue pauses and says why, resumes by itself when
space returns, shows only states the database holds, and every job ends exactly once, across restarts too."""

import asyncio
import errno
import sqlite3
import subprocess
from collections import Counter

import pytest

from dgx_pixels_worker.client import Event, Snapshot
from dgx_pixels_worker.protocol import messages as m

from tests.support.streams import collect_until_terminal
from tests.support.worker_process import paced_config

PACED = paced_config(0.01)
JOBS = 8


@pytest.fixture
def small_disk(tmp_path):
    """The worker's data directory (tmp_path/data, where WorkerProcess puts it) on a 5 MB tmpfs."""
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.decode().strip()} (tests/unit/test_queue_pause.py)")
    yield data
    subprocess.run(["umount", "--lazy", str(data)], check=False)


def fill(directory):
    """Take every free byte of the disk holding `directory`; the file that does it, to delete for room again."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as fh:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    fh.write(bytes(chunk))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def stored(data_dir):
    with sqlite3.connect(f"file:{data_dir / 'dgx-pixels.db'}?mode=ro", uri=True) as db:
        return {
            job_id: (state, attempts) for job_id, state, attempts in db.execute("SELECT id, state, attempts FROM jobs")
        }


def ends(items):
    return Counter(i.body.job.id for i in items if isinstance(i, Event) and i.topic in m.TERMINAL_EVENTS)


async def until_topic(stream, topic, items, timeout=30.0):
    async def run():
        async for item in stream:
            items.append(item)
            if isinstance(item, Event) and item.topic == topic:
                return item

    return await asyncio.wait_for(run(), timeout)


async def queue_until_paused(worker, client, items):
    """Queue JOBS jobs, fill the disk, and read events into `items` up to worker.paused: the job ids, the file to
    delete for room again, and the event."""
    stream = client.events()
    await anext(stream)
    jobs = [
        await client.generate(f"knight {n}", seed=n, count=3, width=64, height=64, steps=6, postprocess=[])
        for n in range(JOBS)
    ]
    filler = fill(worker.data_dir)
    return stream, [job.id for job in jobs], filler, await until_topic(stream, "worker.paused", items)


async def test_a_full_disk_pauses_the_queue_which_resumes_when_space_returns(make_worker, small_disk):
    worker = make_worker(PACED).start()
    items = []
    async with worker.client() as client:
        stream, ids, filler, paused = await queue_until_paused(worker, client, items)
        assert paused.body.reason == "disk_full" and paused.body.path == str(worker.data_dir)
        assert f"the disk holding {worker.data_dir} is full" in paused.body.message
        assert "resumes by itself" in paused.body.message and "--data-dir" in paused.body.message
        status = await client.status()
        assert status.paused is not None and status.paused.message == paused.body.message

        await asyncio.sleep(1.0)  # paused: nothing fails, nothing vanishes, and memory says what the database says
        snapshot = {job.id: job for job in (await client.jobs(limit=JOBS)).jobs}
        assert set(ids) <= set(snapshot)
        in_db = stored(worker.data_dir)
        assert {i: snapshot[i].state.value for i in ids} == {i: in_db[i][0] for i in ids}
        assert all(count == 1 for count in ends(items).values())
        assert not [e for e in items if isinstance(e, Event) and e.topic == "job.failed"]

        filler.unlink()
        await until_topic(stream, "worker.resumed", items, timeout=15)
        assert (await client.status()).paused is None
        done = {i for i, count in ends(items).items() if count}
        items += await collect_until_terminal(stream, [i for i in ids if i not in done], timeout=60)
        await stream.aclose()
    assert ends(items) == Counter(ids)
    assert {i: state for i, (state, _) in stored(worker.data_dir).items()} == dict.fromkeys(ids, "completed")
    assert {attempts for _, attempts in stored(worker.data_dir).values()} == {1}  # the stopped attempt not counted

    worker.terminate()
    worker.start()  # nothing ends a second time after a restart
    async with worker.client() as client:
        stream = client.events()
        snapshot = await anext(stream)
        assert isinstance(snapshot, Snapshot) and {j.id for j in snapshot.jobs if j.state.terminal} >= set(ids)
        later = []
        with pytest.raises(TimeoutError):
            await until_topic(stream, "job.completed", later, timeout=1.5)
        await stream.aclose()


async def test_a_worker_killed_while_paused_ends_each_job_once_after_its_restart(make_worker, small_disk):
    worker = make_worker(PACED).start()
    items = []
    async with worker.client() as client:
        stream, ids, filler, _ = await queue_until_paused(worker, client, items)
        await asyncio.sleep(0.5)
        worker.kill()
        await stream.aclose()
    filler.unlink()
    before = ends(items)
    assert all(count == 1 for count in before.values())

    worker.start()
    async with worker.client() as client:
        stream = client.events()
        snapshot = await anext(stream)
        left = [j.id for j in snapshot.jobs if not j.state.terminal]
        after = ends(await collect_until_terminal(stream, left, timeout=60))
        await stream.aclose()
    assert before + after == Counter(ids)
    assert {i: state for i, (state, _) in stored(worker.data_dir).items()} == dict.fromkeys(ids, "completed")
