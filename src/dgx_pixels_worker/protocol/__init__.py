"""The wire protocol: envelope, message models and error codes (no ZeroMQ here)."""

from .envelope import PROTOCOL_VERSION, SUPPORTED_VERSIONS, Envelope, decode, new_id
from .errors import ErrorCode, WorkerError
from .messages import EVENTS, REQUESTS, SEQUENCED_TOPICS, TERMINAL_EVENTS, JobInfo, JobState

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
