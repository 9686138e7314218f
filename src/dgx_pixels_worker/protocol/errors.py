"""Typed errors shared by replies and failed jobs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    MALFORMED = "malformed"  # not MsgPack, or not an envelope
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    INVALID = "invalid"  # the body failed validation
    TOO_LARGE = "too_large"
    UNKNOWN_JOB = "unknown_job"
    AMBIGUOUS_JOB = "ambiguous_job"
    UNKNOWN_IMAGE = "unknown_image"
    UNKNOWN_MODEL = "unknown_model"
    UNKNOWN_COMPARISON = "unknown_comparison"
    JOB_FINISHED = "job_finished"
    QUEUE_FULL = "queue_full"
    SHUTTING_DOWN = "shutting_down"
    DISABLED = "disabled"
    BACKEND_ERROR = "backend_error"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    DISK_FULL = "disk_full"
    ACCESS_DENIED = "access_denied"  # this key may not use the worker (never granted, or revoked)
    FORBIDDEN = "forbidden"  # this person may not do this: someone else's job, or an admin's request
    INTERNAL = "internal"
    TIMEOUT = "timeout"  # raised by clients only: the worker did not answer


class WorkerError(Exception):
    """An error with a code a program can branch on and a message a person can act on."""

    def __init__(self, code: ErrorCode | str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
        self.message = message
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "details": self.details}

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"
