"""Comparisons, their panels and votes in the worker's SQLite database (the tables are in database/schema.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..database import Database, Statement
from ..protocol import messages as m


@dataclass
class PanelRecord:
    panel: int
    model: str
    job_id: str | None
    image_id: str | None
    cached: bool


@dataclass
class ComparisonRecord:
    id: str
    prompt: str
    negative: str
    seed: int
    tags: list[str]
    user: str
    client: str
    request_id: str | None
    created_at: float
    panels: list[PanelRecord]


@dataclass
class VoteRecord:
    id: int
    comparison_id: str
    prompt: str
    seed: int
    tags: list[str]
    presets: list[str]
    outcome: m.VoteOutcome
    winner: int | None
    user: str
    client: str
    created_at: float


class ArenaRecords:
    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def comparison_statements(c: ComparisonRecord) -> list[Statement]:
        """What records a comparison and its panels, to write in the transaction that stores its jobs."""
        statements: list[Statement] = [
            (
                "INSERT INTO comparisons (id, prompt, negative, seed, tags, user, client, request_id, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (c.id, c.prompt, c.negative, c.seed, json.dumps(c.tags), c.user, c.client, c.request_id, c.created_at),
            )
        ]
        statements += [
            (
                "INSERT INTO comparison_panels (comparison_id, panel, model, job_id, image_id, cached) VALUES"
                " (?,?,?,?,?,?)",
                (c.id, p.panel, p.model, p.job_id, p.image_id, int(p.cached)),
            )
            for p in c.panels
        ]
        return statements

    def comparison_made_by(self, request_id: str) -> ComparisonRecord | None:
        """The comparison a `compare` request with this id made, if any."""
        rows = self._db.rows("SELECT id FROM comparisons WHERE request_id=? LIMIT 1", (request_id,))
        return self.comparison(rows[0][0]) if rows else None

    def comparison_of_job(self, job_id: str) -> str | None:
        rows = self._db.rows("SELECT comparison_id FROM comparison_panels WHERE job_id=?", (job_id,))
        return rows[0][0] if rows else None

    def comparison(self, comparison_id: str) -> ComparisonRecord | None:
        rows = self._db.rows(
            "SELECT id, prompt, negative, seed, tags, user, client, request_id, created_at FROM comparisons WHERE id=?",
            (comparison_id,),
        )
        if not rows:
            return None
        cid, prompt, negative, seed, tags, user, client, request_id, created_at = rows[0]
        panels = [
            PanelRecord(panel, model, job_id, image_id, bool(cached))
            for panel, model, job_id, image_id, cached in self._db.rows(
                "SELECT panel, model, job_id, image_id, cached FROM comparison_panels WHERE comparison_id=? ORDER BY"
                " panel",
                (cid,),
            )
        ]
        return ComparisonRecord(
            cid, prompt, negative, seed, json.loads(tags), user, client, request_id, created_at, panels
        )

    def open_for(self, user: str, tag: str | None, limit: int) -> list[str]:
        """The ids of the comparisons `user` has not voted on, oldest first; those tagged `tag` when given."""
        rows = self._db.rows(
            "SELECT c.id FROM comparisons AS c WHERE NOT EXISTS (SELECT 1 FROM votes AS v WHERE v.comparison_id = c.id"
            " AND v.user = ?) AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(c.tags) WHERE json_each.value = ?))"
            " ORDER BY c.created_at, c.id LIMIT ?",
            (user, tag, tag, limit),
        )
        return [str(row[0]) for row in rows]

    def job_states(self, job_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """job id -> (state, its first image's id or None)."""
        if not job_ids:
            return {}
        marks = ",".join("?" * len(job_ids))
        rows = self._db.rows(
            "SELECT jobs.id, jobs.state,"
            " (SELECT images.id FROM images WHERE images.job_id = jobs.id ORDER BY idx LIMIT 1)"
            f" FROM jobs WHERE jobs.id IN ({marks})",
            tuple(job_ids),
        )
        return {job_id: (state, image) for job_id, state, image in rows}

    def vote_count(self, comparison_id: str) -> int:
        return int(self._db.rows("SELECT COUNT(*) FROM votes WHERE comparison_id=?", (comparison_id,))[0][0])

    def vote_of(self, comparison_id: str, user: str) -> VoteRecord | None:
        """The vote `user` cast on the comparison, if any (one each)."""
        rows = self._db.rows(_VOTES_COLUMNS + " WHERE comparison_id=? AND user=?", (comparison_id, user))
        return _vote_records(rows)[0] if rows else None

    def insert_vote(self, v: VoteRecord) -> VoteRecord:
        self._db.write(
            [
                (
                    "INSERT INTO votes (comparison_id, prompt, seed, tags, presets, outcome, winner, user, client,"
                    " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        v.comparison_id,
                        v.prompt,
                        v.seed,
                        json.dumps(v.tags),
                        json.dumps(v.presets),
                        v.outcome,
                        v.winner,
                        v.user,
                        v.client,
                        v.created_at,
                    ),
                )
            ]
        )
        stored = self.vote_of(v.comparison_id, v.user)
        assert stored is not None
        return stored

    def votes(self, after_id: int = 0, limit: int | None = None) -> list[VoteRecord]:
        sql = _VOTES_SQL
        args: tuple[Any, ...] = (after_id,)
        if limit is not None:
            sql += " LIMIT ?"
            args += (limit,)
        return _vote_records(self._db.rows(sql, args))

    def votes_in_thread(self, after_id: int) -> list[VoteRecord]:
        """The votes after `after_id`, read over a connection of its own: for a worker thread (100,000 votes
        take about a second to read and decode, too long to hold the event loop)."""
        db = self._db.reader()
        try:
            return _vote_records(db.execute(_VOTES_SQL, (after_id,)).fetchall())
        finally:
            db.close()

    def vote_total(self) -> int:
        return int(self._db.rows("SELECT COUNT(*) FROM votes")[0][0])

    def last_vote_id(self) -> int:
        return int(self._db.rows("SELECT COALESCE(MAX(id), 0) FROM votes")[0][0])


_VOTES_COLUMNS = (
    "SELECT id, comparison_id, prompt, seed, tags, presets, outcome, winner, user, client, created_at FROM votes"
)
_VOTES_SQL = _VOTES_COLUMNS + " WHERE id > ? ORDER BY id"


def _vote_records(rows: list[tuple[Any, ...]]) -> list[VoteRecord]:
    return [
        VoteRecord(vid, cid, prompt, seed, json.loads(tags), json.loads(presets), outcome, winner, user, client, at)
        for vid, cid, prompt, seed, tags, presets, outcome, winner, user, client, at in rows
    ]
