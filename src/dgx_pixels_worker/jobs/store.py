"""The store of jobs: rows in the jobs table and their state history. No ZeroMQ, no asyncio.

Every change is one transaction that updates the job row, guarded by the state the caller last saw
(`WHERE id = ? AND state = ?`), and appends to its history; it returns the job as now stored. A change the
store refuses (the row moved on meanwhile, or the transition is not allowed) raises StaleJob and writes
nothing, so memory and events, which follow the returned record, never run ahead of the database.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import Any

from ..database import Database, StaleWrite, Statement
from ..gallery.images import insert_statements
from ..protocol.messages import ErrorInfo, ImageInfo
from ..protocol.states import JobState
from .params import params_from_json
from .record import JobRecord


class StaleJob(Exception):
    """The job is no longer in the state a change expected; nothing was written."""


class JobStore:
    def __init__(self, db: Database):
        self._db = db
        self._next_seq = db.rows("SELECT COALESCE(MAX(seq), 0) FROM jobs")[0][0] + 1

    # ------------------------------------------------------------ changes

    def insert(self, job: JobRecord) -> JobRecord:
        """Store a new job; it comes back numbered in submission order."""
        return self.insert_all([job])[0]

    def insert_all(self, jobs: list[JobRecord], also: Iterable[Statement] = ()) -> list[JobRecord]:
        """Store new jobs, and the statements `also` (what the jobs are part of), in one transaction: all of it or
        nothing. The jobs come back numbered in submission order."""
        jobs = [dataclasses.replace(job, seq=self._next_seq + n) for n, job in enumerate(jobs)]
        statements = [statement for job in jobs for statement in _insert_statements(job)]
        self._db.write([*statements, *also])
        self._next_seq += len(jobs)
        return jobs

    def start(self, job: JobRecord, backend: str) -> JobRecord:
        """queued -> running on `backend`, one more attempt."""
        now = time.time()
        attempts = job.attempts + 1
        return self._move(
            job,
            JobState.RUNNING,
            {"backend": backend, "started_at": now, "attempts": attempts},
            f"attempt {attempts} on {backend}",
            now,
        )

    def requeue(self, job: JobRecord, detail: str, refund: bool = False) -> JobRecord:
        """running -> queued: it resumes at its next missing image. With `refund`, the attempt it was on does not
        count (it was stopped by the worker, not by its backend)."""
        changes = {"attempts": max(0, job.attempts - 1)} if refund else {}
        return self._move(job, JobState.QUEUED, changes, detail, time.time())

    def finish(self, job: JobRecord, state: JobState, error: ErrorInfo | None = None, detail: str = "") -> JobRecord:
        """To a terminal state, once."""
        now = time.time()
        changes = {"finished_at": now, "error": error}
        return self._move(job, state, changes, detail or (error.message if error else ""), now)

    def set_priority(self, job: JobRecord, priority: int) -> JobRecord:
        """A queued job's new priority."""
        return self._update(
            job,
            {"priority": priority},
            [_history(job.id, job.state, time.time(), f"priority {job.priority} -> {priority}")],
        )

    def set_backend_ref(self, job: JobRecord, ref: str | None) -> JobRecord:
        """What the running job's backend calls its current image, to reattach to it after a restart."""
        return self._update(job, {"backend_ref": ref}, [], only_in=JobState.RUNNING)

    def add_image(self, job: JobRecord, info: ImageInfo, backend_ms: float, cache_key: str | None = None) -> JobRecord:
        """A running job's next image, with the backend time spent on the job so far."""
        job = self._update(
            job, {"backend_ms": backend_ms}, insert_statements(info, cache_key), only_in=JobState.RUNNING
        )
        return dataclasses.replace(job, images=(*job.images, info.id))

    def _move(self, job: JobRecord, state: JobState, changes: dict[str, Any], detail: str, at: float) -> JobRecord:
        if not job.state.may_become(state):
            raise StaleJob(f"job {job.id} cannot go from {job.state.value} to {state.value}")
        return self._update(job, {"state": state, **changes}, [_history(job.id, state, at, detail)])

    def _update(
        self, job: JobRecord, changes: dict[str, Any], also: list[Statement], only_in: JobState | None = None
    ) -> JobRecord:
        """One guarded UPDATE of `changes` (record field names) plus `also`, in one transaction; `only_in` is
        the one state in which the change makes sense."""
        if only_in is not None and job.state is not only_in:
            raise StaleJob(f"job {job.id} is {job.state.value}, not {only_in.value}")
        columns = ", ".join(f"{name}=?" for name in changes)
        values = tuple(_column_value(value) for value in changes.values())
        guarded = (f"UPDATE jobs SET {columns} WHERE id=? AND state=?", (*values, job.id, job.state.value))
        try:
            self._db.write_guarded(guarded, also, f"job {job.id} is no longer {job.state.value}")
        except StaleWrite as exc:
            raise StaleJob(str(exc)) from None
        return dataclasses.replace(job, **changes)

    # ------------------------------------------------------------ reads

    def _jobs(self, where: str, args: tuple[Any, ...]) -> list[JobRecord]:
        rows = self._db.rows(f"SELECT {_JOB_COLUMNS} FROM jobs {where}", args)
        jobs = [_job_from_row(row) for row in rows]
        if not jobs:
            return jobs
        images: dict[str, list[str]] = {job.id: [] for job in jobs}
        marks = ",".join("?" * len(images))
        for job_id, image in self._db.rows(
            f"SELECT job_id, id FROM images WHERE job_id IN ({marks}) ORDER BY job_id, idx", tuple(images)
        ):
            images[job_id].append(image)
        return [dataclasses.replace(job, images=tuple(images[job.id])) for job in jobs]

    def unfinished(self) -> list[JobRecord]:
        return self._jobs("WHERE state IN ('queued', 'running') ORDER BY seq", ())

    def recent_finished(self, limit: int) -> list[JobRecord]:
        return self._jobs("WHERE state NOT IN ('queued', 'running') ORDER BY seq DESC LIMIT ?", (limit,))

    def job(self, job_id: str) -> JobRecord | None:
        found = self._jobs("WHERE id = ?", (job_id,))
        return found[0] if found else None

    def made_by_request(self, request_id: str) -> list[JobRecord]:
        """The jobs a request with this id made (a request's `id` is stored with the jobs it makes), oldest first."""
        return self._jobs("WHERE request_id = ? ORDER BY seq", (request_id,))

    def ids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.rows(
            "SELECT id FROM jobs WHERE id LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT ?", (escaped + "%", limit)
        )
        return [row[0] for row in rows]

    def history(self, job_id: str) -> list[tuple[float, str, str]]:
        return [
            (at, state, detail)
            for at, state, detail in self._db.rows(
                "SELECT at, state, detail FROM job_history WHERE job_id=? ORDER BY rowid", (job_id,)
            )
        ]

    def count_by_state(self) -> dict[str, int]:
        counts = {state.value: 0 for state in JobState}
        counts.update(dict(self._db.rows("SELECT state, COUNT(*) FROM jobs GROUP BY state")))
        return counts


_JOB_COLUMNS = (
    "id, seq, state, params, priority, client, user, request_id, retry_of, backend, backend_ref, attempts,"
    " created_at, started_at, finished_at, backend_ms, error"
)


def _column_value(value: Any) -> Any:
    if isinstance(value, JobState):
        return value.value
    if isinstance(value, ErrorInfo):
        return value.model_dump_json()
    return value


def _insert_statements(job: JobRecord) -> list[Statement]:
    return [
        (
            "INSERT INTO jobs (id, seq, state, params, prompt, model, priority, client, user,"
            " request_id, retry_of, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                job.id,
                job.seq,
                job.state.value,
                job.params.model_dump_json(),
                job.params.prompt,
                job.model,
                job.priority,
                job.client,
                job.user,
                job.request_id,
                job.retry_of,
                job.created_at,
            ),
        ),
        _history(job.id, job.state, job.created_at, "submitted"),
    ]


def _history(job_id: str, state: JobState, at: float, detail: str) -> Statement:
    return ("INSERT INTO job_history (job_id, at, state, detail) VALUES (?,?,?,?)", (job_id, at, state.value, detail))


def _job_from_row(row: tuple[Any, ...]) -> JobRecord:
    (
        job_id,
        seq,
        state,
        params,
        priority,
        client,
        user,
        request_id,
        retry_of,
        backend,
        backend_ref,
        attempts,
        created_at,
        started_at,
        finished_at,
        backend_ms,
        error,
    ) = row
    return JobRecord(
        id=job_id,
        seq=seq,
        state=JobState(state),
        params=params_from_json(params),
        priority=priority,
        client=client,
        user=user,
        created_at=created_at,
        request_id=request_id,
        retry_of=retry_of,
        backend=backend,
        backend_ref=backend_ref,
        attempts=attempts,
        started_at=started_at,
        finished_at=finished_at,
        backend_ms=backend_ms,
        error=ErrorInfo.model_validate_json(error) if error else None,
    )
