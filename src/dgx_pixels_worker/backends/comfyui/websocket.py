"""One websocket per ComfyUI server, kept open: it carries progress, previews and results of our prompts."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import connect

from .frames import PreviewFrame, parse_binary
from .routing import MessageRouter

log = logging.getLogger(__name__)
FEATURE_FLAGS = json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}})


def websocket_url(base_url: str, client_id: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/ws?clientId={client_id}"


class ComfyWebSocket:
    def __init__(self, base_url: str, client_id: str, router: MessageRouter):
        self.url = websocket_url(base_url, client_id)
        self.router = router
        self.connected = asyncio.Event()
        self.last_error = ""

    async def run(self) -> None:
        """Connect, read, and reconnect with backoff for as long as the task lives."""
        delay = 0.2
        while True:
            try:
                async with connect(self.url, max_size=None, open_timeout=5, ping_interval=10, ping_timeout=10) as ws:
                    # Asking for metadata previews makes every preview name its prompt.
                    await ws.send(FEATURE_FLAGS)
                    self.connected.set()
                    delay = 0.2
                    async for message in ws:
                        self._dispatch(message)
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
            if self.connected.is_set():
                self.connected.clear()
                self.router.on_disconnect()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _dispatch(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            frame = parse_binary(message)
            if isinstance(frame, PreviewFrame):
                self.router.on_preview(frame)
            return
        try:
            data = json.loads(message)
        except ValueError:
            log.warning("ComfyUI sent a text frame that is not JSON")
            return
        if isinstance(data, dict):
            self.router.on_json(data)
