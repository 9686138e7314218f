"""Publishing events: one sequence number per worker run, stamped on every `job.` and `worker.` event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..protocol import SEQUENCED_TOPICS, Envelope


class EventPublisher:
    def __init__(self, send: Callable[[list[bytes]], None], epoch: str):
        self._send = send
        self.epoch = epoch
        self.seq = 0  # the number of the last sequenced event sent

    def publish(self, topic: str, body: BaseModel | dict[str, Any], re: str | None = None) -> None:
        payload = body.model_dump(mode="python") if isinstance(body, BaseModel) else body
        envelope = Envelope(type=topic, body=payload, re=re, epoch=self.epoch)
        if topic.startswith(SEQUENCED_TOPICS):
            self.seq += 1
            envelope.seq = self.seq
        self._send([topic.encode(), envelope.encode()])
