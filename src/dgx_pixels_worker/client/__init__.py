"""Client library: AsyncClient for asyncio code, BlockingClient for scripts, spawn for local workers."""

from .aio import AsyncClient, events_endpoint_for
from .blocking import BlockingClient
from .events import Event, EventStream, Snapshot, Stalled

__all__ = ["AsyncClient", "BlockingClient", "Event", "EventStream", "Snapshot", "Stalled", "events_endpoint_for"]
