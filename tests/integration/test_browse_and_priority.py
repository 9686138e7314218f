"""Browsing stored images (`images`), thumbnails (`image` with `max_px`) and re-prioritising queued jobs, over real
ZeroMQ against the real worker process."""

import io

import numpy as np
import pytest
from PIL import Image

from dgx_pixels_worker.client import Event
from dgx_pixels_worker.client.queue_mirror import QueueMirror
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.support.streams import collect_until_terminal
from tests.support.worker_process import paced_config

SLOW = paced_config(0.05)


async def test_images_filters_by_prompt_model_and_tag_and_pages_newest_first(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        jobs = [
            await client.generate("red knight", count=2, width=32, height=32, steps=1, tags=["hero"]),
            await client.generate("blue knight", width=32, height=32, steps=1, tags=["hero", "Blue"]),
            await client.generate("green 100% potion", count=2, width=32, height=32, steps=1, tags=["item"]),
        ]
        await collect_until_terminal(stream, [j.id for j in jobs])
        await stream.aclose()
        red, blue, potion = jobs

        everything = await client.images()
        assert everything.total == 5
        ids = [image.id for image in everything.images]
        assert sorted(ids) == sorted(f"{j.id}-{i}" for j in jobs for i in range(j.count))
        stamps = [image.created_at for image in everything.images]
        assert stamps == sorted(stamps, reverse=True)
        assert ids[:2] == [f"{potion.id}-1", f"{potion.id}-0"]  # the last job's images are the newest
        first = everything.images[0]
        assert first.params["prompt"] == "green 100% potion" and (first.width, first.height) == (32, 32)

        def found(reply):
            return {image.id for image in reply.images}

        knights = await client.images(query="KNIGHT")
        assert found(knights) == {f"{red.id}-0", f"{red.id}-1", f"{blue.id}-0"} and knights.total == 3
        assert found(await client.images(tag=" Blue ")) == {f"{blue.id}-0"}  # cleaned like generate's tags
        heroes = await client.images(tag="hero", query="red")
        assert found(heroes) == {f"{red.id}-0", f"{red.id}-1"} and heroes.total == 2
        assert (await client.images(query="0% p", model="procedural")).total == 2
        assert (await client.images(query="%", model="procedural")).total == 2  # a literal %, not a wildcard
        none = await client.images(model="no-such-model")
        assert none.images == [] and none.total == 0

        pages, before = [], None
        while True:
            page = await client.images(limit=2, before=before)
            assert page.total == 5  # paging does not change the total
            if not page.images:
                break
            assert len(page.images) <= 2
            pages.append([image.id for image in page.images])
            before = page.images[-1].created_at
        assert [len(p) for p in pages] == [2, 2, 1]
        assert [image_id for p in pages for image_id in p] == ids  # no overlap, nothing skipped, newest first

        for bad in ({"limit": 0}, {"limit": 501}, {"before": "soon"}, {"tags": ["hero"]}):
            with pytest.raises(WorkerError) as caught:
                await client.request("images", bad)
            assert caught.value.code == ErrorCode.INVALID


async def test_image_max_px_returns_an_integer_nearest_neighbour_thumbnail(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        job = await client.generate("iron sword", seed=3, width=64, height=64, steps=1)
        await collect_until_terminal(stream, [job.id])
        await stream.aclose()
        image_id = f"{job.id}-0"
        full = await client.image(image_id)
        thumb = await client.image(image_id, max_px=16)
        odd = await client.image(image_id, max_px=20)  # 64 / 20 -> factor 4 as well
        fits = await client.image(image_id, max_px=64)
        bare = await client.image(image_id, include_bytes=False, max_px=16)
        with pytest.raises(WorkerError) as caught:
            await client.request("image", {"image_id": image_id, "max_px": 7})
        assert caught.value.code == ErrorCode.INVALID

    assert thumb.image == full.image  # the record still describes the original
    assert (full.image.width, full.image.height) == (64, 64)
    with Image.open(io.BytesIO(full.png)) as image:
        original = np.asarray(image.convert("RGBA"))
    with Image.open(io.BytesIO(thumb.png)) as image:
        assert image.format == "PNG" and image.size == (16, 16)
        small = np.asarray(image.convert("RGBA"))
    # Thumbnail pixel (x, y) is original pixel (4x + 2, 4y + 2): every 4th pixel, centre of its 4x4 block.
    assert np.array_equal(small, original[2::4, 2::4])
    assert odd.png == thumb.png
    assert fits.png == full.png  # already small enough: the stored file as it is
    assert bare.png is None


async def test_priority_moves_a_queued_job_ahead_and_is_refused_for_running_ones(make_worker):
    worker = make_worker(SLOW).start()
    async with worker.client() as client:
        stream = client.events()
        mirror = QueueMirror()
        mirror.apply(await anext(stream))
        blocker = await client.generate("knight", count=4, width=32, height=32, steps=8)
        a = await client.generate("a", width=32, height=32, steps=1)
        b = await client.generate("b", width=32, height=32, steps=1)
        c = await client.generate("c", width=32, height=32, steps=1)
        items = []
        async for item in stream:
            items.append(item)
            if isinstance(item, Event) and item.topic == "job.started" and item.body.job_id == blocker.id:
                break

        with pytest.raises(WorkerError) as caught:
            await client.set_priority(blocker.id, 9)
        assert caught.value.code == ErrorCode.INVALID and caught.value.details == {"state": "running"}
        assert f"job {blocker.id} is already running; priority only orders queued jobs" in caught.value.message

        moved = await client.set_priority(c.id[:6], 5)  # a unique prefix is enough
        assert moved.id == c.id and moved.priority == 5 and moved.state is m.JobState.QUEUED
        snapshot = await client.jobs(states=[m.JobState.QUEUED])
        assert [job.id for job in snapshot.jobs] == [c.id, a.id, b.id]

        items += await collect_until_terminal(stream, [blocker.id, a.id, b.id, c.id], timeout=20)
        await stream.aclose()

        with pytest.raises(WorkerError) as caught:
            await client.set_priority(c.id, 0)
        assert caught.value.code == ErrorCode.INVALID and "already completed" in caught.value.message
        with pytest.raises(WorkerError) as caught:
            await client.set_priority("ffffffffffff", 1)
        assert caught.value.code == ErrorCode.UNKNOWN_JOB
        with pytest.raises(WorkerError) as caught:
            await client.request("priority", {"job_id": a.id, "priority": 101})
        assert caught.value.code == ErrorCode.INVALID
        assert (await client.job(c.id)).priority == 5  # persisted

    started = [i.body.job_id for i in items if isinstance(i, Event) and i.topic == "job.started"]
    assert started == [blocker.id, c.id, a.id, b.id]
    updated = [i for i in items if isinstance(i, Event) and i.topic == "job.updated"]
    assert len(updated) == 1
    event = updated[0]
    assert isinstance(event.body, m.JobEvent) and event.seq is not None and event.re == c.request_id
    assert event.body.job.id == c.id and event.body.job.priority == 5 and event.body.job.state is m.JobState.QUEUED

    # A client's queue mirror folds job.updated in like any other full-job event.
    for item in items:
        mirror.apply(item)
        if item is event:
            queued = [job.id for job in mirror.ordered() if job.state is m.JobState.QUEUED]
            assert queued == [c.id, a.id, b.id] and mirror.jobs[c.id].priority == 5
    assert mirror.jobs[c.id].state is m.JobState.COMPLETED and mirror.jobs[c.id].priority == 5
