"""The queue paused while the disk holding the data directory is full, and resumed by itself when space returns.

A write that fails for want of space (ENOSPC or EDQUOT on an image, SQLite's "database or disk is full") pauses the
queue: the slots start no job, the job that hit it goes back to the queue with that attempt not counted, clients hear
`worker.paused` saying what to do, and `status` says so while it lasts. A change of state that could not be written
is held here, its job kept in memory as the store still has it, and written once there is room again. Every few
seconds the pause looks for room (free space, then a trial write); when there is some and every held write has gone
through, the queue resumes (`worker.resumed`). Nothing here publishes a state that the store does not hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import QueuePaused, QueueResumed
from ..serving.publisher import EventPublisher
from .store import StaleJob

PROBE_S = 2.0  # how often a paused queue looks for room
MAX_PROBE_S = 30.0  # the longest wait between looks, reached when pauses follow each other closely
ROOM_BYTES = 1 << 20  # the free space a paused queue waits for before it resumes
TRIAL_BYTES = 64 << 10  # written (and removed) to check that the space is usable, quotas included
TRIAL_FILE = ".space-trial"
log = logging.getLogger(__name__)

HeldWrite = Callable[[], None]


def disk_full(exc: BaseException) -> bool:
    return isinstance(exc, WorkerError) and exc.code == ErrorCode.DISK_FULL


class QueuePause:
    def __init__(
        self,
        data_dir: Path,
        publisher: EventPublisher,
        wake_slots: Callable[[], None],
        probe_s: float | None = None,
        room_bytes: int | None = None,
    ):
        self._data_dir = data_dir
        self._publisher = publisher
        self._wake_slots = wake_slots
        self._probe_s = probe_s or PROBE_S
        self._room_bytes = ROOM_BYTES if room_bytes is None else room_bytes
        self._interval = self._probe_s
        self._resumed_at = -float("inf")  # time.monotonic() of the last resume
        self._state: QueuePaused | None = None
        self._held: dict[str, HeldWrite] = {}
        self._probe: asyncio.Task[None] | None = None

    @property
    def state(self) -> QueuePaused | None:
        """Why the queue is paused, or None while it runs."""
        return self._state

    def disk_full(self, cause: WorkerError) -> None:
        """Pause the queue for want of space; a pause under way goes on."""
        if self._state is not None:
            return
        # Pauses that follow each other closely (room enough to resume, not enough to work) look less often.
        closely = time.monotonic() - self._resumed_at < MAX_PROBE_S
        self._interval = min(self._interval * 2, MAX_PROBE_S) if closely else self._probe_s
        message = (
            f"the queue is paused: the disk holding {self._data_dir} is full ({_size(self._free_bytes())} free). "
            "Free some space there, or move the data directory to a larger disk and start the worker with "
            f"--data-dir; the queue resumes by itself within {self._interval:g}s of space returning"
        )
        self._state = QueuePaused(reason="disk_full", path=str(self._data_dir), message=message, since=time.time())
        log.warning("%s (%s)", message, cause.message)
        self._publisher.publish("worker.paused", self._state)
        with contextlib.suppress(RuntimeError):  # no event loop (a test driving the queue by hand): try_resume() then
            self._probe = asyncio.get_running_loop().create_task(self._look_for_room(), name="disk space")

    def hold(self, key: str, write: HeldWrite) -> None:
        """Run `write` once there is room again, before the queue resumes; it raises WorkerError(DISK_FULL) to be
        held longer. One write per key: a later one replaces it."""
        self._held[key] = write

    def try_resume(self) -> bool:
        """Resume the queue if there is room and every held write goes through; False while it stays paused."""
        return self._state is None or (self._has_room() and self._resume())

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
            self._probe = None

    async def _look_for_room(self) -> None:
        while self._state is not None:
            await asyncio.sleep(self._interval)
            if await asyncio.to_thread(self._has_room) and self._resume():
                break
        self._probe = None

    def _resume(self) -> bool:
        for key, write in list(self._held.items()):
            try:
                write()
            except WorkerError as exc:
                if exc.code == ErrorCode.DISK_FULL:
                    log.info("still no room for %s: %s", key, exc.message)
                    return False
                log.error("could not write what was held for %s: %s; the next start of the worker resumes it", key, exc)
            except StaleJob as exc:
                log.error("what was held for %s is out of date: %s", key, exc)
            del self._held[key]
        assert self._state is not None
        paused_s = time.time() - self._state.since
        message = f"the queue resumed: there is room on the disk holding {self._data_dir} again"
        log.warning("%s (paused %.0fs)", message, paused_s)
        self._state = None
        self._resumed_at = time.monotonic()
        self._publisher.publish("worker.resumed", QueueResumed(reason="disk_full", paused_s=paused_s, message=message))
        self._wake_slots()
        return True

    def _free_bytes(self) -> int:
        try:
            stat = os.statvfs(self._data_dir)
        except OSError:
            return 0
        return stat.f_bavail * stat.f_frsize

    def _has_room(self) -> bool:
        """Enough free space, and a trial write that succeeds (a quota shows only then). Blocking: for a thread."""
        if self._free_bytes() < self._room_bytes:
            return False
        trial = self._data_dir / TRIAL_FILE
        try:
            with trial.open("wb") as fh:
                fh.write(bytes(TRIAL_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            return False
        finally:
            trial.unlink(missing_ok=True)
        return True


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    amount = count / 1024
    for unit in ("KB", "MB"):
        if amount < 1024:
            return f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"
