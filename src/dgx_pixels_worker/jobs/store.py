"""SQLite (WAL) persistence of jobs, their state history and their images. No ZeroMQ, no asyncio.

Every state change is one transaction that updates the job row and appends to its history, so a
process killed at any instant leaves each job in exactly one recorded state.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..protocol import ErrorCode, WorkerError
from ..protocol.messages import ErrorInfo, ImageInfo, JobState

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    state       TEXT NOT NULL,
    params      TEXT NOT NULL,
    prompt      TEXT NOT NULL,
    model       TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    client      TEXT NOT NULL,
    user        TEXT NOT NULL,
    request_id  TEXT,
    retry_of    TEXT,
    backend     TEXT,
    backend_ref TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    started_at  REAL,
    finished_at REAL,
    backend_ms  REAL NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, seq);
CREATE TABLE IF NOT EXISTS job_history (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    at     REAL NOT NULL,
    state  TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS job_history_job ON job_history(job_id);
CREATE TABLE IF NOT EXISTS images (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs(id),
    idx        INTEGER NOT NULL,
    seed       INTEGER NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    path       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    created_at REAL NOT NULL,
    params     TEXT NOT NULL,
    cache_key  TEXT,
    raw_path   TEXT,
    UNIQUE (job_id, idx)
);
CREATE INDEX IF NOT EXISTS images_created ON images(created_at);
CREATE TABLE IF NOT EXISTS comparisons (
    id         TEXT PRIMARY KEY,
    prompt     TEXT NOT NULL,
    negative   TEXT NOT NULL,
    seed       INTEGER NOT NULL,
    tags       TEXT NOT NULL,
    user       TEXT NOT NULL,
    client     TEXT NOT NULL,
    request_id TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS comparison_panels (
    comparison_id TEXT NOT NULL REFERENCES comparisons(id),
    panel         INTEGER NOT NULL,
    model         TEXT NOT NULL,
    job_id        TEXT REFERENCES jobs(id),
    image_id      TEXT,
    cached        INTEGER NOT NULL,
    PRIMARY KEY (comparison_id, panel)
);
CREATE TABLE IF NOT EXISTS votes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    comparison_id TEXT NOT NULL REFERENCES comparisons(id),
    prompt        TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    tags          TEXT NOT NULL,
    presets       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    winner        INTEGER,
    user          TEXT NOT NULL,
    client        TEXT NOT NULL,
    created_at    REAL NOT NULL,
    UNIQUE (comparison_id, user)
);
"""
# Each entry takes a database from the version before it to its own; run in order, each in its own transaction.
_MIGRATIONS = {
    2: ["ALTER TABLE images ADD COLUMN cache_key TEXT", "ALTER TABLE images ADD COLUMN raw_path TEXT"],
}
_INDEXES = "CREATE INDEX IF NOT EXISTS images_cache ON images(cache_key);"


@dataclass
class JobRecord:
    """A job as stored: its identity, what it makes, and where it is in its life."""

    id: str
    seq: int
    state: JobState
    params: dict[str, Any]
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
    images: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        return self.params["model"]

    @property
    def count(self) -> int:
        return self.params["count"]


def image_id(job_id: str, index: int) -> str:
    return f"{job_id}-{index}"


class Store:
    def __init__(self, path: Path):
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL keeps every commit across a killed process; only a power cut can lose the last ones.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            fresh = not self._db.execute("SELECT 1 FROM sqlite_master WHERE name='jobs'").fetchone()
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise WorkerError(
                    ErrorCode.INTERNAL,
                    f"{path} was written by a newer dgx-pixels (schema {version}); upgrade this installation",
                )
            self._db.executescript(_SCHEMA)
            if fresh:
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            else:
                self._migrate(max(version, 1))
            self._db.executescript(_INDEXES)
        except sqlite3.DatabaseError as exc:
            raise WorkerError(
                ErrorCode.INTERNAL,
                f"cannot open the database {path}: {exc}; move it aside to start afresh, or free disk space",
            ) from None
        self._next_seq = (self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM jobs").fetchone()[0]) + 1

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            for statement in _MIGRATIONS[target]:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={target}")
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------ writes

    def write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        """Run the statements as one transaction; a WorkerError (DISK_FULL or INTERNAL) if it cannot commit."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for sql, args in statements:
                self._db.execute(sql, args)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _storage_error(exc, self.path) from None

    def insert_job(self, job: JobRecord) -> JobRecord:
        job.seq = self._next_seq
        self.write(
            [
                (
                    "INSERT INTO jobs (id, seq, state, params, prompt, model, priority, client, user,"
                    " request_id, retry_of, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        job.id,
                        job.seq,
                        job.state.value,
                        json.dumps(job.params),
                        job.params["prompt"],
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
        )
        self._next_seq += 1
        return job

    def mark_running(self, job: JobRecord, backend: str) -> None:
        now = time.time()
        job.state, job.backend, job.started_at = JobState.RUNNING, backend, now
        job.attempts += 1
        self.write(
            [
                (
                    "UPDATE jobs SET state=?, backend=?, started_at=?, attempts=? WHERE id=?",
                    (job.state.value, backend, now, job.attempts, job.id),
                ),
                _history(job.id, job.state, now, f"attempt {job.attempts} on {backend}"),
            ]
        )

    def set_backend_ref(self, job: JobRecord, ref: str | None) -> None:
        job.backend_ref = ref
        self.write([("UPDATE jobs SET backend_ref=? WHERE id=?", (ref, job.id))])

    def add_image(self, job: JobRecord, info: ImageInfo, backend_ms: float, cache_key: str | None = None) -> None:
        job.backend_ms = backend_ms
        self.write(
            [
                (
                    "INSERT INTO images (id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params,"
                    " cache_key, raw_path) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        info.id,
                        info.job_id,
                        info.index,
                        info.seed,
                        info.width,
                        info.height,
                        info.path,
                        info.bytes,
                        info.sha256,
                        info.created_at,
                        json.dumps(info.params),
                        cache_key,
                        info.raw_path,
                    ),
                ),
                ("UPDATE jobs SET backend_ms=? WHERE id=?", (backend_ms, job.id)),
            ]
        )
        job.images.append(info.id)

    def finish(self, job: JobRecord, state: JobState, error: ErrorInfo | None = None, detail: str = "") -> None:
        """Record a terminal state."""
        now = time.time()
        job.state, job.finished_at, job.error = state, now, error
        self.write(
            [
                (
                    "UPDATE jobs SET state=?, finished_at=?, error=? WHERE id=?",
                    (state.value, now, error.model_dump_json() if error else None, job.id),
                ),
                _history(job.id, state, now, detail or (error.message if error else "")),
            ]
        )

    def set_priority(self, job: JobRecord, priority: int) -> None:
        """Record a queued job's new priority. The record itself is left alone: the scheduler orders by its
        priority, so it changes it (Scheduler.reprioritize) once this write has succeeded."""
        self.write(
            [
                ("UPDATE jobs SET priority=? WHERE id=?", (priority, job.id)),
                _history(job.id, job.state, time.time(), f"priority {job.priority} -> {priority}"),
            ]
        )

    def requeue(self, job: JobRecord, detail: str) -> None:
        now = time.time()
        job.state = JobState.QUEUED
        self.write(
            [
                ("UPDATE jobs SET state=? WHERE id=?", (JobState.QUEUED.value, job.id)),
                _history(job.id, JobState.QUEUED, now, detail),
            ]
        )

    # ------------------------------------------------------------ reads

    def reader(self) -> sqlite3.Connection:
        """A connection of its own for long reads in another thread (WAL: it sees every committed write and
        never blocks the worker's own connection). The caller closes it."""
        return sqlite3.connect(self.path, timeout=5)

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, args).fetchall()

    def _jobs(self, where: str, args: tuple[Any, ...]) -> list[JobRecord]:
        rows = self._db.execute(f"SELECT * FROM jobs {where}", args).fetchall()
        jobs = [_job_from_row(row) for row in rows]
        if jobs:
            by_id = {job.id: job for job in jobs}
            marks = ",".join("?" * len(by_id))
            for job_id, img in self._db.execute(
                f"SELECT job_id, id FROM images WHERE job_id IN ({marks}) ORDER BY job_id, idx", tuple(by_id)
            ):
                by_id[job_id].images.append(img)
        return jobs

    def unfinished_jobs(self) -> list[JobRecord]:
        return self._jobs("WHERE state IN ('queued', 'running') ORDER BY seq", ())

    def recent_finished(self, limit: int) -> list[JobRecord]:
        jobs = self._jobs("WHERE state NOT IN ('queued', 'running') ORDER BY seq DESC LIMIT ?", (limit,))
        return jobs

    def job(self, job_id: str) -> JobRecord | None:
        found = self._jobs("WHERE id = ?", (job_id,))
        return found[0] if found else None

    def job_ids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            "SELECT id FROM jobs WHERE id LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT ?", (escaped + "%", limit)
        )
        return [row[0] for row in rows]

    def history(self, job_id: str) -> list[tuple[float, str, str]]:
        return list(
            self._db.execute("SELECT at, state, detail FROM job_history WHERE job_id=? ORDER BY rowid", (job_id,))
        )

    def image(self, image_id_: str) -> ImageInfo | None:
        row = self._db.execute(f"SELECT {_IMAGE_COLUMNS} FROM images WHERE id=?", (image_id_,)).fetchone()
        return None if row is None else _image_from_row(row)

    def images(
        self,
        query: str = "",
        model: str | None = None,
        tag: str | None = None,
        limit: int = 60,
        before: float | None = None,
    ) -> tuple[list[ImageInfo], int]:
        """Images newest first, at most `limit` of those created strictly before `before`, and how many match the
        filters regardless of `limit` and `before`. `query` is a substring of the job's prompt, case-insensitive
        for ASCII letters (SQLite LIKE); `model` must match exactly; `tag` is one of the job's tags."""
        where: list[str] = []
        args: list[Any] = []
        if query:
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("jobs.prompt LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        if model:
            where.append("jobs.model = ?")
            args.append(model)
        if tag:
            where.append("EXISTS (SELECT 1 FROM json_each(jobs.params, '$.tags') AS t WHERE t.value = ?)")
            args.append(tag)
        source = "FROM images JOIN jobs ON jobs.id = images.job_id"
        total = self._db.execute(f"SELECT COUNT(*) {source} {_where(where)}", args).fetchone()[0]
        if before is not None:
            where.append("images.created_at < ?")
            args.append(before)
        columns = ", ".join(f"images.{name}" for name in _IMAGE_COLUMNS.split(", "))
        rows = self._db.execute(
            f"SELECT {columns} {source} {_where(where)} ORDER BY images.created_at DESC, images.rowid DESC LIMIT ?",
            (*args, limit),
        )
        return [_image_from_row(row) for row in rows], total

    def cached_image(self, cache_key: str) -> ImageInfo | None:
        """The newest image made from exactly these inputs (see cache_keys.py), if any."""
        row = self._db.execute(
            f"SELECT {_IMAGE_COLUMNS} FROM images WHERE cache_key=? ORDER BY created_at DESC LIMIT 1", (cache_key,)
        ).fetchone()
        return None if row is None else _image_from_row(row)

    def count_by_state(self) -> dict[str, int]:
        counts = {state.value: 0 for state in JobState}
        counts.update(dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state")))
        return counts


_IMAGE_COLUMNS = "id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params, raw_path"


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def _image_from_row(row: tuple[Any, ...]) -> ImageInfo:
    return ImageInfo(
        id=row[0],
        job_id=row[1],
        index=row[2],
        seed=row[3],
        width=row[4],
        height=row[5],
        path=row[6],
        bytes=row[7],
        sha256=row[8],
        created_at=row[9],
        params=json.loads(row[10]),
        raw_path=row[11],
    )


def _history(job_id: str, state: JobState, at: float, detail: str) -> tuple[str, tuple[Any, ...]]:
    return ("INSERT INTO job_history (job_id, at, state, detail) VALUES (?,?,?,?)", (job_id, at, state.value, detail))


def _job_from_row(row: tuple[Any, ...]) -> JobRecord:
    (
        job_id,
        seq,
        state,
        params,
        _prompt,
        _model,
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
        params=json.loads(params),
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


def _storage_error(exc: sqlite3.Error, path: Path) -> WorkerError:
    text = str(exc)
    if "full" in text or "disk I/O" in text:
        return WorkerError(
            ErrorCode.DISK_FULL,
            f"the database {path} could not be written ({text}); free disk space there and retry",
        )
    return WorkerError(ErrorCode.INTERNAL, f"database error on {path}: {text}")
