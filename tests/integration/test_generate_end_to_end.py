"""Generation through the real worker process, over real ZeroMQ."""

import hashlib

from dgx_pixels_worker.client import Event, Snapshot
from dgx_pixels_worker.jobs.image_files import read_metadata
from dgx_pixels_worker.protocol import messages as m

from tests.support.streams import collect_until_terminal


async def test_generate_reports_progress_and_yields_pngs_with_metadata(worker):
    async with worker.client() as client:
        hello = await client.hello()
        assert hello.procedural_only and hello.default_model == "procedural" and hello.epoch
        stream = client.events(previews=True)
        first = await anext(stream)
        assert isinstance(first, Snapshot) and first.reason == "connected"

        job = await client.generate("fire sword", seed=11, count=2, width=32, height=48, steps=4, tags=["Item"])
        assert job.state is m.JobState.QUEUED and (job.width, job.height, job.count) == (32, 48, 2)
        items = await collect_until_terminal(stream, [job.id])
        await stream.aclose()

    mine = [i for i in items if isinstance(i, Event) and getattr(i.body, "job_id", None) in (None, job.id)]
    topics = [i.topic for i in mine if i.topic != "worker.heartbeat" and i.topic != "worker.status"]
    assert topics[0] == "job.queued" and topics[1] == "job.started" and topics[-1] == "job.completed"
    assert sum(t in m.TERMINAL_EVENTS for t in topics) == 1
    progress = [i.body.progress for i in mine if i.topic == "job.progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0 and len(progress) >= 4
    previews = [i.body for i in mine if i.topic == "preview"]
    assert previews and all(p.data.startswith(b"\x89PNG") for p in previews)
    assert all(i.re == job.request_id for i in mine if i.topic.startswith("job."))  # events name their request
    done = mine[-1].body.job
    assert done.images == [f"{job.id}-0", f"{job.id}-1"] and done.progress == 1.0

    async with worker.client() as client:
        reply = await client.image(done.images[1])
    meta = read_metadata(reply.png)
    assert (meta["prompt"], meta["seed"], meta["width"], meta["height"], meta["tags"]) == (
        "fire sword",
        12,
        32,
        48,
        ["item"],
    )
    assert reply.image.sha256 == hashlib.sha256(reply.png).hexdigest()
    assert (worker.data_dir / reply.image.path).read_bytes() == reply.png


async def test_same_prompt_and_seed_give_identical_bytes(worker):
    async with worker.client() as client:
        stream = client.events()
        await anext(stream)
        a = await client.generate("ruby gem", seed=5, width=32, height=32)
        b = await client.generate("ruby gem", seed=5, width=32, height=32)
        c = await client.generate("ruby gem", seed=6, width=32, height=32)
        await collect_until_terminal(stream, [a.id, b.id, c.id])
        digests = [(await client.image(f"{j.id}-0")).image.sha256 for j in (a, b, c)]
    assert digests[0] == digests[1] != digests[2]


async def test_two_clients_see_the_same_queue(worker):
    async with worker.client() as alice, worker.client_as("bob", name="bob-tui") as bob:
        await bob.hello()
        watch = alice.events()
        await anext(watch)
        job = await bob.generate("green slime", seed=1, width=32, height=32)
        items = await collect_until_terminal(watch, [job.id])
        await watch.aclose()
        queued = next(i.body.job for i in items if isinstance(i, Event) and i.topic == "job.queued")
        assert (queued.client, queued.user) == ("bob-tui", "bob")
        snapshot = await alice.jobs()
        assert snapshot.jobs[0].id == job.id and snapshot.jobs[0].state is m.JobState.COMPLETED
