"""Publishing events: one sequence number per worker run, stamped on every `job.` and `worker.` event.

No event is larger than MAX_EVENT_BYTES, so a subscriber that stops reading holds at most the socket's
high-water mark times that in the worker (see docs/security.md, Bounds)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..protocol import SEQUENCED_TOPICS, Envelope

log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 64 * 1024


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
        frame = envelope.encode()
        if len(frame) > MAX_EVENT_BYTES:
            # A preview is dropped quietly (the next one may fit); anything else leaves a gap in the
            # sequence, and subscribers fetch a fresh snapshot, as after any lost event.
            if not topic.startswith("preview"):
                log.warning("dropped a %d-byte %s event: the limit is %d", len(frame), topic, MAX_EVENT_BYTES)
            return
        self._send([topic.encode(), frame])
