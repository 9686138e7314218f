"""The server's websockets: who is connected, their feature flags, and the ordered outbound message queue.

As in ComfyUI, senders call send_sync() (no awaiting) and one publisher task delivers messages in order;
sid=None means every socket. JSON goes out with json.dumps defaults, binary frames as in binary_frames.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web

from .binary_frames import (
    PREVIEW_IMAGE_WITH_METADATA,
    UNENCODED_PREVIEW_IMAGE,
    preview_frame,
    preview_with_metadata_frame,
)

log = logging.getLogger("comfyui_double")
MAX_PREVIEW_RECORDS = 10000

SEND_ERRORS = (aiohttp.ClientError, aiohttp.ClientPayloadError, ConnectionResetError, BrokenPipeError, ConnectionError)


class SocketHub:
    def __init__(self) -> None:
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.sockets_metadata: dict[str, dict] = {}
        self.transports: dict[int, asyncio.BaseTransport] = {}
        self.messages: asyncio.Queue[tuple[Any, Any, str | None]] = asyncio.Queue()
        # Executor state the websocket handler reads (PromptServer.client_id / last_node_id in ComfyUI).
        self.client_id: str | None = None
        self.last_node_id: str | None = None
        self.last_prompt_id: str | None = None
        self.connections_total = 0
        self.preview_sent_at: list[tuple[str | None, float]] = []  # (prompt id, wall clock) as each preview left

    def send_sync(self, event: Any, data: Any, sid: str | None = None) -> None:
        self.messages.put_nowait((event, data, sid))

    async def publish_loop(self) -> None:
        while True:
            event, data, sid = await self.messages.get()
            try:
                await self.send(event, data, sid)
            except Exception:  # one bad message must not stop every later one
                log.exception("failed to publish %s", event)

    async def send(self, event: Any, data: Any, sid: str | None = None) -> None:
        if event in (UNENCODED_PREVIEW_IMAGE, PREVIEW_IMAGE_WITH_METADATA):
            self.preview_sent_at.append((self.last_prompt_id, time.time()))
            del self.preview_sent_at[:-MAX_PREVIEW_RECORDS]
        if event == UNENCODED_PREVIEW_IMAGE:
            await self._deliver(preview_frame(data), sid, binary=True)
        elif event == PREVIEW_IMAGE_WITH_METADATA:
            await self._deliver(preview_with_metadata_frame(*data), sid, binary=True)
        elif isinstance(data, (bytes, bytearray)):
            await self._deliver(bytes(data), sid, binary=True)
        else:
            await self._deliver({"type": event, "data": data}, sid, binary=False)

    async def _deliver(self, message: Any, sid: str | None, binary: bool) -> None:
        if sid is None:
            targets = list(self.sockets.values())
        elif sid in self.sockets:
            targets = [self.sockets[sid]]
        else:
            return
        for ws in targets:
            try:
                if binary:
                    await ws.send_bytes(message)
                else:
                    await ws.send_json(message)
            except SEND_ERRORS as err:
                log.warning("send error: %s", err)

    def supports_feature(self, sid: str | None, feature: str) -> bool:
        if sid not in self.sockets_metadata:
            return False
        return self.sockets_metadata[sid].get("feature_flags", {}).get(feature, False) is True

    def drop_all(self) -> int:
        """Cut every websocket's TCP connection without a close frame, like a crash or a network cut."""
        dropped = 0
        for ws in list(self.sockets.values()):
            transport = self.transports.get(id(ws))
            if transport is not None:
                transport.abort()
                dropped += 1
        return dropped
