"""The client's event stream: snapshot first, gaps and restarts trigger a new snapshot, old events are dropped."""

from dgx_pixels_worker.client.events import Event, EventStream, Snapshot
from dgx_pixels_worker.protocol import Envelope
from dgx_pixels_worker.protocol.messages import JobsReply


class FakeClient:
    def __init__(self):
        self.snapshots = [(10, "e1"), (20, "e1"), (3, "e2")]
        self.asked = 0

    async def jobs(self):
        seq, epoch = self.snapshots[self.asked]
        self.asked += 1
        return JobsReply(jobs=[], seq=seq, epoch=epoch)


def frame(seq, epoch="e1"):
    body = {"uptime_s": 1.0, "queued": 0, "running": 0}
    return [b"worker.heartbeat", Envelope(type="worker.heartbeat", body=body, seq=seq, epoch=epoch).encode()]


async def test_gap_and_restart_lead_to_snapshots_and_stale_events_are_dropped():
    client = FakeClient()
    stream = EventStream(client, previews=False, silence_s=1.0)
    first = await stream._snapshot("connected")
    assert first.seq == 10
    assert await stream._accept(frame(9)) is None  # already in the snapshot
    assert isinstance(await stream._accept(frame(11)), Event)
    gap = await stream._accept(frame(15))  # 12..14 lost
    assert isinstance(gap, Snapshot) and gap.reason == "gap" and stream.tracker.seq == 20
    assert await stream._accept(frame(20)) is None
    assert isinstance(await stream._accept(frame(21)), Event)
    restart = await stream._accept(frame(4, epoch="e2"))
    assert isinstance(restart, Snapshot) and restart.reason == "restart"
    assert stream._backlog and stream._backlog[0].seq == 4  # the event right after the new snapshot is kept
    assert client.asked == 3
