"""One SQLite connection (WAL) for the worker's event loop, opened and brought up to the current schema.
No ZeroMQ, no asyncio."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..protocol import ErrorCode, WorkerError
from .schema import INDEXES, MIGRATIONS, SCHEMA, SCHEMA_VERSION

Statement = tuple[str, tuple[Any, ...]]


class StaleWrite(Exception):
    """A guarded write found its row no longer in the state it expected: nothing was written."""


class Database:
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
            self._db.executescript(SCHEMA)
            if fresh:
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            else:
                self._migrate(max(version, 1))
            self._db.executescript(INDEXES)
        except sqlite3.DatabaseError as exc:
            raise WorkerError(
                ErrorCode.INTERNAL,
                f"cannot open the database {path}: {exc}; move it aside to start afresh, or free disk space",
            ) from None

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[target]:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={target}")
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def write(self, statements: Iterable[Statement]) -> None:
        """Run the statements as one transaction; a WorkerError (DISK_FULL or INTERNAL) if it cannot commit, and
        then nothing of it is written."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for sql, args in statements:
                self._db.execute(sql, args)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise storage_error(exc, self.path) from None

    def write_guarded(self, guarded: Statement, statements: Iterable[Statement], refusal: str) -> None:
        """Run `guarded` (an UPDATE whose WHERE names the state it expects) then `statements`, as one
        transaction, committed only if `guarded` changed exactly one row; otherwise roll back and raise
        StaleWrite(`refusal`)."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if self._db.execute(*guarded).rowcount != 1:
                self._db.execute("ROLLBACK")
                raise StaleWrite(refusal)
            for sql, args in statements:
                self._db.execute(sql, args)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise storage_error(exc, self.path) from None

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, args).fetchall()

    def reader(self) -> sqlite3.Connection:
        """A connection of its own for long reads in another thread (WAL: it sees every committed write and
        never blocks the worker's own connection). The caller closes it."""
        return sqlite3.connect(self.path, timeout=5)


def storage_error(exc: sqlite3.Error, path: Path) -> WorkerError:
    text = str(exc)
    if "full" in text or "disk I/O" in text:
        return WorkerError(
            ErrorCode.DISK_FULL,
            f"the database {path} could not be written ({text}); free disk space there and retry",
        )
    return WorkerError(ErrorCode.INTERNAL, f"database error on {path}: {text}")
