"""The TUI's connection to the worker: connects, follows events, notices loss and reconnects. No Textual here.

Everything it learns goes out through one callback as small update objects, in order; the app turns each
into its Textual message (messages.py). The queue itself is kept in a QueueMirror that the screens read.

The client library (pydantic, ZeroMQ) is imported only when the link starts running, after the first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from dgx_pixels_worker.client.queue_mirror import QueueMirror
from dgx_pixels_worker.protocol import TERMINAL_EVENTS, ErrorCode, WorkerError

if TYPE_CHECKING:
    from dgx_pixels_worker.client import Event, WorkerClient
    from dgx_pixels_worker.client.events import StreamItem
    from dgx_pixels_worker.protocol import messages as m

RETRY_S = 1.0
SILENCE_S = 3.0
CONFIRM_TRIES = 3  # a generate is sent at most this many times, with one id, before the TUI stops asking


class LinkState(Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    LOST = "lost"


@dataclass(frozen=True)
class StateChanged:
    state: LinkState
    detail: str
    hello: m.HelloReply | None = None


@dataclass(frozen=True)
class QueueChanged:
    job_id: str | None  # None: the whole queue was replaced by a snapshot


@dataclass(frozen=True)
class JobFinished:
    job: m.JobInfo


@dataclass(frozen=True)
class PreviewArrived:
    preview: m.JobPreview


@dataclass(frozen=True)
class StatusArrived:
    status: m.StatusReply


@dataclass(frozen=True)
class HeartbeatArrived:
    heartbeat: m.Heartbeat


@dataclass(frozen=True)
class ComparisonChanged:
    comparison: m.ComparisonInfo


@dataclass(frozen=True)
class PauseChanged:
    reason: str | None  # why the queue takes no job, and what to do; None: it runs again


LinkUpdate = (
    StateChanged
    | QueueChanged
    | JobFinished
    | PreviewArrived
    | StatusArrived
    | HeartbeatArrived
    | ComparisonChanged
    | PauseChanged
)
Emit = Callable[[LinkUpdate], object]


class WorkerLink:
    def __init__(self, client: WorkerClient | None = None):
        self._client = client
        self.mirror = QueueMirror()
        self.state = LinkState.CONNECTING
        self.detail = ""
        self._synced = False  # a first snapshot came: jobs it does not hold are new
        self.hello: m.HelloReply | None = None

    @property
    def client(self) -> WorkerClient:
        """The client, once there is one; before that a WorkerError a screen reports like any other."""
        if self._client is None:
            raise WorkerError(ErrorCode.TIMEOUT, "not connected to a worker yet; wait for the connection line")
        return self._client

    @property
    def has_client(self) -> bool:
        return self._client is not None

    async def run(self, emit: Emit, client: WorkerClient | None = None) -> None:
        """Run until cancelled: connect, stream, and after any loss keep trying; the queue is kept meanwhile."""
        if client is not None:
            self._client = client
        while True:
            try:
                self.hello = await self.client.hello(timeout=2.0)
            except WorkerError as exc:
                refused = exc.code == ErrorCode.ACCESS_DENIED
                what = "not let in at" if refused else "no worker at"
                self._set(emit, LinkState.LOST, f"{what} {self.client.address}: {exc.message}")
                await asyncio.sleep(RETRY_S)
                continue
            self._set(emit, LinkState.CONNECTED, f"connected to {self.client.address}")
            stream = self.client.events(previews=True, silence_s=SILENCE_S)
            try:
                async for item in stream:
                    self._apply(item, emit)
            except WorkerError as exc:  # the stream could not take a snapshot in time: greet the worker again
                self._set(emit, LinkState.LOST, f"lost the worker at {self.client.address}: {exc.message}")
            finally:
                await stream.aclose()

    def _apply(self, item: StreamItem, emit: Emit) -> None:
        from dgx_pixels_worker.client import Snapshot, Stalled

        if isinstance(item, Stalled) and item.answering:
            # The worker answers but its events do not come through: the stream asks for the queue meanwhile.
            self._set(emit, LinkState.CONNECTED, f"connected to {self.client.address}; {item.advice}")
            return
        if isinstance(item, Stalled):
            self._set(
                emit, LinkState.LOST, f"no word from the worker for {item.silent_s:.0f}s; showing the last known queue"
            )
            return
        polled = isinstance(item, Snapshot) and item.reason == "polled"
        if self.state is not LinkState.CONNECTED or not polled:
            self._set(emit, LinkState.CONNECTED, f"connected to {self.client.address}")
        if isinstance(item, Snapshot):
            before, first = self.mirror.jobs, not self._synced
            self._synced = True
            self.mirror.apply(item)
            emit(QueueChanged(None))
            for job in item.jobs:  # jobs that ended while events were lost or not coming: ended all the same
                known = before.get(job.id)
                if job.state.terminal and (not known.state.terminal if known else not first):
                    emit(JobFinished(job))
            return
        for update in self._updates(item):
            emit(update)

    def _updates(self, event: Event) -> Iterator[LinkUpdate]:
        """What one event tells: its own news (a preview, the status, a heartbeat, a comparison), then the job it
        changed in the mirror, then, for the event that ends a job, the job as it ended."""
        from dgx_pixels_worker.protocol import messages as m

        match event.body:
            case m.JobPreview() as preview:
                yield PreviewArrived(preview)
            case m.StatusReply() as status:
                yield StatusArrived(status)
                yield PauseChanged(status.paused.message if status.paused else None)
            case m.QueuePaused() as paused:
                yield PauseChanged(paused.message)
            case m.QueueResumed():
                yield PauseChanged(None)
            case m.Heartbeat() as heartbeat:
                yield HeartbeatArrived(heartbeat)
            case m.ComparisonEvent(comparison=comparison):
                yield ComparisonChanged(comparison)
        changed = self.mirror.apply(event)
        if changed is not None:
            yield QueueChanged(changed)
        if isinstance(event.body, m.JobEvent) and event.topic in TERMINAL_EVENTS:
            yield JobFinished(event.body.job)

    def _set(self, emit: Emit, state: LinkState, detail: str) -> None:
        if state is not self.state or detail != self.detail or state is LinkState.LOST:
            self.state = state
            self.detail = detail
            emit(StateChanged(state, detail, self.hello))


async def generate_confirmed(
    client: WorkerClient, prompt: str, params: dict[str, object], unconfirmed: Callable[[int], object]
) -> m.JobInfo:
    """Queue one generate and return its job. A request whose answer does not come in time may have been queued
    all the same, so it is sent again with the same id: the worker answers with the job the first one made (or
    queues it, if the first never reached it), and a slow answer never makes a job twice. `unconfirmed(tries)` is
    called after each timeout but the last, which raises its WorkerError(TIMEOUT)."""
    from dgx_pixels_worker.protocol import new_id

    request_id = new_id()
    tries = 0
    while True:
        tries += 1
        try:
            return await client.generate(prompt, request_id=request_id, **params)
        except WorkerError as exc:
            if exc.code != ErrorCode.TIMEOUT or tries == CONFIRM_TRIES:
                raise
            unconfirmed(tries)
