"""Client library: AsyncClient for asyncio code, BlockingClient for scripts, spawn for local workers, and
WorkerClient, what a front end may call on a client.

The names load on first use: importing a light part (say `client.queue_mirror`) does not import ZeroMQ.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aio import AsyncClient, events_endpoint_for
    from .api import EventSource, WorkerClient
    from .blocking import BlockingClient
    from .events import Event, EventStream, Snapshot, Stalled

_LAZY = {
    "AsyncClient": "aio",
    "events_endpoint_for": "aio",
    "BlockingClient": "blocking",
    "EventSource": "api",
    "WorkerClient": "api",
    "Event": "events",
    "EventStream": "events",
    "Snapshot": "events",
    "Stalled": "events",
}

__all__ = [
    "AsyncClient",
    "BlockingClient",
    "Event",
    "EventSource",
    "EventStream",
    "Snapshot",
    "Stalled",
    "WorkerClient",
    "events_endpoint_for",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
