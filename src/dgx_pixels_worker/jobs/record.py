"""A job as the store holds it: a frozen value. A change of state makes a new one (see jobs/store.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ..protocol.messages import ErrorInfo
from ..protocol.states import JobState
from .params import JobParams


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job's identity, what it makes, and where it is in its life."""

    id: str
    seq: int
    state: JobState
    params: JobParams
    priority: int
    client: str
    user: str
    created_at: float
    request_id: str | None = None
    retry_of: str | None = None
    backend: str | None = None
    backend_ref: str | None = None
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    backend_ms: float = 0.0
    error: ErrorInfo | None = None
    images: tuple[str, ...] = ()

    @property
    def model(self) -> str:
        return self.params.model

    @property
    def count(self) -> int:
        return self.params.count


def image_id(job_id: str, index: int) -> str:
    return f"{job_id}-{index}"
