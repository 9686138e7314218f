"""Reading the images table: one image, a page of images, and the image a cache key stands for.
The rows are written with their job (see jobs/store.py), through `insert_statements` here."""

from __future__ import annotations

import json
from typing import Any

from ..database import Database, Statement
from ..protocol.messages import ImageInfo

_COLUMNS = "id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params, raw_path"


def insert_statements(info: ImageInfo, cache_key: str | None) -> list[Statement]:
    """What stores one image; the job store runs it in the transaction that records the image on its job."""
    return [
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
        )
    ]


class ImageStore:
    def __init__(self, db: Database):
        self._db = db

    def image(self, image_id: str) -> ImageInfo | None:
        rows = self._db.rows(f"SELECT {_COLUMNS} FROM images WHERE id=?", (image_id,))
        return _image_from_row(rows[0]) if rows else None

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
        total = self._db.rows(f"SELECT COUNT(*) {source} {_where(where)}", tuple(args))[0][0]
        if before is not None:
            where.append("images.created_at < ?")
            args.append(before)
        columns = ", ".join(f"images.{name}" for name in _COLUMNS.split(", "))
        rows = self._db.rows(
            f"SELECT {columns} {source} {_where(where)} ORDER BY images.created_at DESC, images.rowid DESC LIMIT ?",
            (*args, limit),
        )
        return [_image_from_row(row) for row in rows], total

    def cached_image(self, cache_key: str) -> ImageInfo | None:
        """The newest image made from exactly these inputs (see jobs/cache_keys.py), if any."""
        rows = self._db.rows(
            f"SELECT {_COLUMNS} FROM images WHERE cache_key=? ORDER BY created_at DESC LIMIT 1", (cache_key,)
        )
        return _image_from_row(rows[0]) if rows else None


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
