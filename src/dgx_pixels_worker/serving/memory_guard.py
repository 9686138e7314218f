"""The worker's memory ceiling: past `[worker] max_memory_mb`, every command connection is dropped.

libzmq holds the frames of a multi-part message until its last frame arrives, and counts neither their
number nor their bytes, so a peer that sends frames flagged "more" and never a last one would grow the
worker without end. Dropping the connections frees what they held; clients reconnect by themselves and
resend what was unanswered (a resent request id returns the same job).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE
    except OSError:
        return 0  # not Linux: no ceiling


def _release_freed_memory() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class MemoryGuard:
    def __init__(self, limit_bytes: int, drop_connections: Callable[[], Awaitable[None]], interval_s: float = 0.1):
        self.limit = limit_bytes
        self._drop = drop_connections
        self._interval = interval_s
        self._threshold = limit_bytes
        self.drops = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.check()

    async def check(self) -> None:
        used = rss_bytes()
        if used <= self._threshold:
            return
        self.drops += 1
        log.warning(
            "memory %d MB is past the limit of %d MB: dropping every command connection to free what they hold",
            used >> 20,
            self.limit >> 20,
        )
        await self._drop()
        _release_freed_memory()
        after = rss_bytes()
        if after > self.limit:
            # The memory is held elsewhere: raise the bar, so connections are not dropped again for nothing.
            log.error("still %d MB after dropping the connections; raise [worker] max_memory_mb", after >> 20)
            self._threshold = after + self.limit // 2
        else:
            self._threshold = self.limit
