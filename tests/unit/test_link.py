"""The TUI's link to the worker, alone: no Textual, no worker process. A fake client answers `hello` and hands out
scripted event streams; the test records what the link reports, in order, and looks at the queue it keeps.

The stream itself (sequence numbers, gaps, restarts) is the client library's and is tested in test_event_stream.py:
here a gap or a restart reaches the link as the fresh snapshot the stream takes, and silence as `Stalled`."""

import asyncio
import contextlib

import pytest

from dgx_pixels_tui import link as link_module
from dgx_pixels_tui.link import (
    ComparisonChanged,
    HeartbeatArrived,
    JobFinished,
    LinkState,
    PauseChanged,
    PreviewArrived,
    QueueChanged,
    StateChanged,
    StatusArrived,
    WorkerLink,
)
from dgx_pixels_worker.client import Event, Snapshot, Stalled
from dgx_pixels_worker.protocol import ErrorCode, JobState, WorkerError
from dgx_pixels_worker.protocol import messages as m

from tests.support.recorded_worker import HELLO, STATUS

ADDRESS = "tcp://gpu-box:5555"
CONNECTED = f"connected to {ADDRESS}"
NO_WORKER = f"no worker at {ADDRESS}: the worker did not answer"
SILENT = "no word from the worker for 3s; showing the last known queue"


def job(job_id, state=JobState.QUEUED, **fields):
    values = {
        "id": job_id,
        "state": state,
        "prompt": "knight",
        "negative": "",
        "model": "procedural",
        "seed": 1,
        "count": 1,
        "width": 32,
        "height": 32,
        "steps": 8,
        "cfg": 0.0,
        "priority": 0,
        "tags": [],
        "client": "c",
        "user": "ada",
        "created_at": 0.0,
    }
    return m.JobInfo(**{**values, **fields})


def snapshot(*jobs, reason="connected", seq=10, epoch="e1"):
    return Snapshot(jobs=list(jobs), seq=seq, epoch=epoch, reason=reason)


def event(topic, body, seq=None):
    return Event(topic, body, seq, None)


class ScriptedStream:
    """Yields its items, then ends as a stream does when it is closed under the link."""

    def __init__(self, items):
        self.items = list(items)
        self.closed = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.items:
            raise StopAsyncIteration
        return self.items.pop(0)

    async def aclose(self):
        self.closed = True


class FakeClient:
    """Answers each `hello` with the next of `hellos` (a WorkerError is raised) and each `events()` with the next
    stream. Once the script is played, `hello` waits for ever and `done` is set."""

    def __init__(self, hellos, streams):
        self.address = ADDRESS
        self.hellos = list(hellos)
        self.streams = [ScriptedStream(items) for items in streams]
        self.handed_out = list(self.streams)
        self.events_asked = []
        self.done = asyncio.Event()

    async def hello(self, timeout=None):
        if not self.hellos:
            self.done.set()
            await asyncio.Event().wait()
        answer = self.hellos.pop(0)
        if isinstance(answer, WorkerError):
            raise answer
        return answer

    def events(self, *, previews=False, silence_s=5.0):
        self.events_asked.append({"previews": previews, "silence_s": silence_s})
        return self.streams.pop(0)


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch):
    monkeypatch.setattr(link_module, "RETRY_S", 0.0)


async def follow(client):
    """Run a link on `client` until the client's script is played; what it reported, and the link."""
    link = WorkerLink()
    reported = []
    task = asyncio.create_task(link.run(reported.append, client))
    done = asyncio.create_task(client.done.wait())
    await asyncio.wait([task, done], timeout=5, return_when=asyncio.FIRST_COMPLETED)
    assert client.done.is_set(), "the link stopped before the script was played"
    task.cancel()
    done.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return reported, link


def unreachable():
    return WorkerError(ErrorCode.TIMEOUT, "the worker did not answer")


def test_before_a_client_there_is_no_worker_to_ask():
    link = WorkerLink()
    assert not link.has_client and link.state is LinkState.CONNECTING
    with pytest.raises(WorkerError) as refused:
        link.client  # noqa: B018
    assert refused.value.code == ErrorCode.TIMEOUT and "not connected to a worker yet" in refused.value.message


async def test_connecting_reports_the_worker_and_takes_its_queue():
    client = FakeClient([HELLO], [[snapshot(job("a"), job("b"))]])
    reported, link = await follow(client)
    assert reported == [StateChanged(LinkState.CONNECTED, CONNECTED, HELLO), QueueChanged(None)]
    assert link.state is LinkState.CONNECTED and link.hello == HELLO
    assert sorted(link.mirror.jobs) == ["a", "b"]
    assert client.events_asked == [{"previews": True, "silence_s": link_module.SILENCE_S}]


async def test_following_events_reports_each_in_order_and_keeps_the_queue():
    running = job("a", JobState.RUNNING)
    preview = m.JobPreview(
        job_id="a", image_index=0, step=4, total=8, width=32, height=32, format="png", data=b"\x89PNG"
    )
    completed = job("a", JobState.COMPLETED, progress=1.0, images=["a-0"])
    heartbeat = m.Heartbeat(uptime_s=60.0, queued=1, running=0)
    panels = [m.ComparisonPanel(panel=0, model="procedural", job_id="a")]
    comparison = m.ComparisonInfo(
        id="c1",
        state=JobState.RUNNING,
        prompt="knight",
        negative="",
        seed=7,
        tags=[],
        user="ada",
        created_at=0.0,
        panels=panels,
    )
    stream = [
        snapshot(job("a"), job("b")),
        event("job.started", m.JobStarted(job_id="a", backend="procedural", attempt=1), 11),
        event("job.progress", m.JobProgress(job_id="a", progress=0.5, step=4, total=8, stage="", image_index=0), 12),
        event("preview", preview),
        event("job.updated", m.JobEvent(job=running), 13),
        event("job.completed", m.JobEvent(job=completed), 14),
        event("worker.heartbeat", heartbeat, 15),
        event("worker.status", STATUS, 16),
        event("comparison.updated", m.ComparisonEvent(comparison=comparison), 17),
        event("job.progress", m.JobProgress(job_id="gone", progress=0.5, step=4, total=8, stage="", image_index=0)),
    ]
    reported, link = await follow(FakeClient([HELLO], [stream]))
    assert reported == [
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
        QueueChanged("a"),  # started
        QueueChanged("a"),  # progress
        PreviewArrived(preview),
        QueueChanged("a"),
        QueueChanged("a"),
        JobFinished(completed),
        HeartbeatArrived(heartbeat),
        StatusArrived(STATUS),
        PauseChanged(None),  # the status says the queue runs
        ComparisonChanged(comparison),
        # progress of a job the queue does not hold changes nothing, and is not reported
    ]
    assert link.mirror.jobs["a"].state is JobState.COMPLETED and link.mirror.jobs["b"].state is JobState.QUEUED


async def test_a_paused_queue_is_reported_with_its_reason_and_so_is_its_resumption():
    paused = m.QueuePaused(reason="disk_full", path="/data", message="the disk holding /data is full", since=1.0)
    stream = [
        snapshot(),
        event("worker.paused", paused, 11),
        event("worker.resumed", m.QueueResumed(reason="disk_full", paused_s=3.0, message="space is back"), 12),
    ]
    reported, _ = await follow(FakeClient([HELLO], [stream]))
    assert [r for r in reported if isinstance(r, PauseChanged)] == [
        PauseChanged("the disk holding /data is full"),
        PauseChanged(None),
    ]


async def test_after_a_sequence_gap_the_fresh_snapshot_replaces_the_queue():
    stream = [
        snapshot(job("a"), job("b")),
        event("job.queued", m.JobEvent(job=job("c")), 11),
        snapshot(job("a", JobState.COMPLETED), job("d"), reason="gap", seq=15),  # 12..14 were lost
    ]
    reported, link = await follow(FakeClient([HELLO], [stream]))
    # a ended while events were lost: it is reported as finished all the same
    assert reported[-3:] == [QueueChanged("c"), QueueChanged(None), JobFinished(job("a", JobState.COMPLETED))]
    assert link.state is LinkState.CONNECTED  # a gap is no loss of the worker
    assert sorted(link.mirror.jobs) == ["a", "d"]  # b and c ended while events were lost: the snapshot says so
    assert link.mirror.jobs["a"].state is JobState.COMPLETED


async def test_silence_is_reported_as_a_loss_and_the_queue_is_kept_until_the_worker_is_back():
    stream = [
        snapshot(job("a", JobState.RUNNING)),
        Stalled(3.0),
        Stalled(3.0),
        snapshot(job("b"), reason="restart", seq=1, epoch="e2"),
    ]
    client = FakeClient([HELLO], [stream])
    reported, link = await follow(client)
    assert reported == [
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
        StateChanged(LinkState.LOST, SILENT, HELLO),
        StateChanged(LinkState.LOST, SILENT, HELLO),  # said again while it lasts
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
    ]
    assert list(link.mirror.jobs) == ["b"]


async def test_no_worker_is_reported_at_each_attempt_until_one_answers():
    client = FakeClient([unreachable(), unreachable(), HELLO], [[snapshot(job("a"))]])
    reported, link = await follow(client)
    assert reported == [
        StateChanged(LinkState.LOST, NO_WORKER, None),
        StateChanged(LinkState.LOST, NO_WORKER, None),
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
    ]
    assert list(link.mirror.jobs) == ["a"]


async def test_when_the_stream_ends_the_link_greets_the_worker_again_and_follows_a_new_one():
    restarted = HELLO.model_copy(update={"epoch": "e2"})
    client = FakeClient(
        [HELLO, unreachable(), restarted],
        [[snapshot(job("a"))], [snapshot(job("a"), job("b"), reason="connected", seq=1, epoch="e2")]],
    )
    reported, link = await follow(client)
    assert reported == [
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
        StateChanged(LinkState.LOST, NO_WORKER, HELLO),  # the greeting it had is kept while it is away
        StateChanged(LinkState.CONNECTED, CONNECTED, restarted),
        QueueChanged(None),
    ]
    assert all(stream.closed for stream in client.handed_out)
    assert link.hello == restarted and sorted(link.mirror.jobs) == ["a", "b"]


async def test_events_that_do_not_come_through_while_the_worker_answers_are_said_with_the_fix_and_polled():
    deaf = Stalled(3.0, answering=True, events="tcp://127.0.0.1:25556")
    stream = [
        snapshot(job("a")),
        deaf,
        snapshot(job("a", JobState.RUNNING), reason="polled"),
        snapshot(job("a", JobState.COMPLETED), reason="polled"),
        event("worker.heartbeat", m.Heartbeat(uptime_s=1.0, queued=0, running=0), 11),  # events come through again
    ]
    reported, link = await follow(FakeClient([HELLO], [stream]))
    assert link.state is LinkState.CONNECTED and link.mirror.jobs["a"].state is JobState.COMPLETED
    warned = f"{CONNECTED}; {deaf.advice}"
    assert "--events ADDR" in warned and "tcp://127.0.0.1:25556" in warned
    assert [r for r in reported if not isinstance(r, HeartbeatArrived)] == [
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
        QueueChanged(None),
        StateChanged(LinkState.CONNECTED, warned, HELLO),  # the worker answers: no loss, and the fix is named
        QueueChanged(None),
        QueueChanged(None),
        JobFinished(job("a", JobState.COMPLETED)),  # the polled snapshot ends the job as its event would
        StateChanged(LinkState.CONNECTED, CONNECTED, HELLO),
    ]


async def test_a_job_that_began_and_ended_between_two_snapshots_is_reported_finished_but_not_the_past():
    done = job("b", JobState.COMPLETED)
    stream = [snapshot(job("old", JobState.COMPLETED)), snapshot(job("old", JobState.COMPLETED), done, reason="polled")]
    reported, _ = await follow(FakeClient([HELLO], [stream]))
    assert [r for r in reported if isinstance(r, JobFinished)] == [JobFinished(done)]
