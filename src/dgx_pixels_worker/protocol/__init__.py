"""The wire protocol: envelope, message models and error codes (no ZeroMQ here).

Errors and job states load at once; the envelope (msgpack) and the models (pydantic) load on first use, so a
program that only names an error or a state, such as the TUI before its first frame, does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ErrorCode, WorkerError
from .states import TERMINAL_EVENTS, JobState

if TYPE_CHECKING:
    from .envelope import PROTOCOL_VERSION, SUPPORTED_VERSIONS, Envelope, decode, new_id
    from .messages import EVENTS, REQUESTS, SEQUENCED_TOPICS, JobInfo

_LAZY = {
    "PROTOCOL_VERSION": "envelope",
    "SUPPORTED_VERSIONS": "envelope",
    "Envelope": "envelope",
    "decode": "envelope",
    "new_id": "envelope",
    "EVENTS": "messages",
    "REQUESTS": "messages",
    "SEQUENCED_TOPICS": "messages",
    "JobInfo": "messages",
}

__all__ = [
    "EVENTS",
    "PROTOCOL_VERSION",
    "REQUESTS",
    "SEQUENCED_TOPICS",
    "SUPPORTED_VERSIONS",
    "TERMINAL_EVENTS",
    "Envelope",
    "ErrorCode",
    "JobInfo",
    "JobState",
    "WorkerError",
    "decode",
    "new_id",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
