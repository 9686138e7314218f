"""A self-healing event stream: snapshots on connect, after gaps and after worker restarts, and snapshots taken
by asking while events do not arrive although the worker answers (a tunnel that does not carry them)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol import WorkerError, decode
from ..protocol import messages as m
from ..serving.loop_socket import LoopSocket
from .sequence import Arrival, SequenceTracker

POLL_S = 1.0  # while events do not arrive but replies do, the queue is asked for this often
PROBE_S = 2.0  # the longest wait for the ping that tells a silent worker from a deaf subscription

if TYPE_CHECKING:
    from .aio import AsyncClient


@dataclass(frozen=True)
class Event:
    topic: str
    body: Any  # the topic's model from protocol.messages.EVENTS
    seq: int | None
    re: str | None


@dataclass(frozen=True)
class Snapshot:
    """The whole queue as it stands; events after it continue from `seq`."""

    jobs: list[m.JobInfo]
    seq: int
    epoch: str
    reason: str  # "connected", "gap", "restart", or "polled": asked for while events do not arrive


@dataclass(frozen=True)
class Stalled:
    """Nothing, not even a heartbeat, arrived for `silent_s` seconds: the worker is gone or unreachable, or, with
    `answering`, it answers requests all the same, so its events do not reach `events` (a tunnel that forwards
    the command port alone, or the events port to another number). Then the stream follows the queue by asking:
    a Snapshot with reason "polled" comes next, and another every POLL_S seconds until events arrive again.
    Said once when it starts; `advice` is what to tell the user."""

    silent_s: float
    answering: bool = False
    events: str = ""

    @property
    def advice(self) -> str:
        if not self.answering:
            return ""
        return (
            f"no events arrive from {self.events or 'the worker'} though the worker answers: through an SSH tunnel, "
            "forward its events port too and name the local end with --events ADDR (or DGX_PIXELS_EVENTS, "
            "[client] events), as `dgx-pixels tunnel HOST` does; following the jobs by asking meanwhile"
        )


StreamItem = Event | Snapshot | Stalled


class EventStream:
    def __init__(self, client: AsyncClient, *, previews: bool, silence_s: float, poll_s: float = POLL_S):
        self.client = client
        self.previews = previews
        self.silence_s = silence_s
        self.poll_s = poll_s
        self.address = ""  # where the subscription goes, once made
        self.tracker = SequenceTracker()
        self._sub: LoopSocket | None = None
        self._inbox: deque[list[bytes]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._backlog: list[StreamItem] = []
        self._stalled = False
        self._greeted = False
        self._polling = False  # events do not arrive but replies do: snapshots are asked for instead

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> StreamItem:
        if self._sub is None:
            topics = list(m.SEQUENCED_TOPICS) + (["preview"] if self.previews else [])
            self.address = await self.client.events_address()
            self._sub = LoopSocket(self.client.subscriber(self.address, topics), self._arrived)
            # The worker greets each new subscription with a heartbeat: once one arrives, nothing published
            # after the snapshot below can be missed. Without a greeting, the gap check still resyncs later,
            # and the next item finds out at once whether the worker answers while its events stay away.
            self._greeted = await self._wait_for_message()
            return await self._snapshot("connected")
        while True:
            if self._backlog:
                return self._backlog.pop(0)
            if not self._inbox:
                wait = self.poll_s if self._polling else self.silence_s
                if not self._greeted or not await self._wait_for_message(wait):
                    self._greeted = True
                    return await self._silent()
            self._polling = False
            item = await self._accept(self._inbox.popleft())
            if item is not None:
                return item

    async def _silent(self) -> StreamItem:
        """Nothing arrived in time: while the worker answers, the queue as it stands (after a Stalled that says
        so, the first time); else Stalled."""
        self._stalled = True
        if not self._polling:
            try:
                await self.client.ping(timeout=min(self.client.timeout, PROBE_S))
            except WorkerError:
                return Stalled(self.silence_s)
        try:
            snapshot = await self._snapshot("polled")
        except WorkerError:
            self._polling = False
            self._stalled = True
            return Stalled(self.silence_s)
        if self._polling:
            return snapshot
        self._polling = True
        self._backlog.append(snapshot)
        return Stalled(self.silence_s, answering=True, events=self.address)

    async def _wait_for_message(self, wait_s: float | None = None) -> bool:
        if self._inbox:
            return True
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(self.silence_s if wait_s is None else wait_s):
                await self._waiter
            return True
        except TimeoutError:
            return False
        finally:
            self._waiter = None

    def _arrived(self, frames: list[bytes]) -> None:
        self._inbox.append(frames)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _accept(self, frames: list[bytes]) -> StreamItem | None:
        try:
            envelope = decode(frames[-1])
            model = m.EVENTS.get(envelope.type)
            body = model.model_validate(envelope.body) if model else envelope.body
        except (WorkerError, ValueError):
            return None  # a garbled event is treated like a lost one: the next sequenced event shows the gap
        event = Event(envelope.type, body, envelope.seq, envelope.re)
        if envelope.type == "preview":
            return event
        arrival = self.tracker.classify(envelope.epoch, envelope.seq)
        if self._stalled and arrival is Arrival.NEXT:
            arrival = Arrival.GAP  # events may have been missed while silent
        if arrival is Arrival.NEXT:
            return event
        if arrival is Arrival.OLD:
            return None
        snapshot = await self._snapshot("restart" if arrival is Arrival.RESTART else "gap")
        if envelope.seq is not None and envelope.epoch == snapshot.epoch and envelope.seq == snapshot.seq + 1:
            self.tracker.seq = envelope.seq
            self._backlog.append(event)
        return snapshot

    async def _snapshot(self, reason: str) -> Snapshot:
        reply = await self.client.jobs()
        self.tracker.reset(reply.epoch, reply.seq)
        self._stalled = False
        return Snapshot(jobs=reply.jobs, seq=reply.seq, epoch=reply.epoch, reason=reason)

    async def aclose(self) -> None:
        if self._sub is not None:
            self._sub.close()
            self._sub = None
