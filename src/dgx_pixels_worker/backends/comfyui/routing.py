"""Routing a ComfyUI websocket's messages to the prompt each one belongs to.

Quirks handled here (see the reference notes on ComfyUI's websocket):
- `execution_success` comes before the final `executing {node: null}`; the prompt is done at success.
- After a reconnect, the first `executing` has no prompt_id: it belongs to the prompt already running.
- Legacy preview frames name no prompt: they belong to the prompt running now.
- `status` is broadcast and names no prompt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .frames import PreviewFrame

PROMPT_MESSAGES = {
    "execution_start",
    "execution_cached",
    "executing",
    "executed",
    "progress",
    "progress_state",
    "execution_success",
    "execution_error",
    "execution_interrupted",
}


@dataclass
class PromptChannel:
    """What one submitted prompt hears: messages in arrival order."""

    prompt_id: str
    messages: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)


class MessageRouter:
    def __init__(self) -> None:
        self.channels: dict[str, PromptChannel] = {}
        self.running: str | None = None  # the prompt ComfyUI is executing, as far as this socket has seen
        self.queue_remaining: int | None = None

    def open(self, prompt_id: str) -> PromptChannel:
        channel = self.channels.get(prompt_id) or PromptChannel(prompt_id)
        self.channels[prompt_id] = channel
        return channel

    def close(self, prompt_id: str) -> None:
        self.channels.pop(prompt_id, None)
        if self.running == prompt_id:
            self.running = None

    def on_json(self, message: dict[str, Any]) -> None:
        kind, data = message.get("type"), message.get("data") or {}
        if kind == "status":
            remaining = data.get("status", {}).get("exec_info", {}).get("queue_remaining")
            self.queue_remaining = remaining if isinstance(remaining, int) else self.queue_remaining
            return
        if kind not in PROMPT_MESSAGES:
            return
        prompt_id = data.get("prompt_id") or self.running
        if kind in ("execution_start", "executing") and data.get("prompt_id"):
            self.running = data["prompt_id"]
        if kind == "executing" and data.get("node") is None and prompt_id == self.running:
            self.running = None
        channel = self.channels.get(prompt_id or "")
        if channel is not None:
            channel.messages.put_nowait((kind, data))

    def on_preview(self, frame: PreviewFrame) -> None:
        channel = self.channels.get(frame.prompt_id or self.running or "")
        if channel is not None:
            channel.messages.put_nowait(("preview", frame))

    def on_disconnect(self) -> None:
        for channel in self.channels.values():
            channel.messages.put_nowait(("disconnected", None))
