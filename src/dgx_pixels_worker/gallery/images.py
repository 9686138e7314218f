"""Reading the images table: one image, a page of images, and the image a cache key stands for.
The rows are written with their job (see jobs/store.py), through `insert_statements` here; `catch_up` then indexes
new images in batches into the gallery's own tables (facets and their counts, the prompt index; database/schema.py),
before every gallery read and once a second in the worker.

What a request costs (docs/scaling.md, "The gallery"):
- without a prompt search, a page reads `limit` rows along one index (`gallery_images`, under the facet: every
  image, a model, a tag or both) and its total is one row of `gallery_facets`: neither grows with the library;
- with one, the total is counted from the trigram index `gallery_prompts` (queries of 3 characters or more; shorter
  ones scan the jobs) the first time this store sees the search, then kept and brought up to date from the images
  added since. A page walks the facet newest first, keeping the images whose prompt matches, as long as that reads
  fewer rows than there are matches; otherwise it sorts the matches.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

from ..database import Database, Statement
from ..database.schema import INDEX_NEW_IMAGES
from ..protocol.messages import ImageInfo

_COLUMNS = "id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params, raw_path"
_IMAGE_COLUMNS = ", ".join(f"images.{name}" for name in _COLUMNS.split(", "))
_ORDER = "ORDER BY images.created_at DESC, images.rowid DESC"
_NEWEST = "(SELECT COALESCE(MAX(rowid), 0) FROM images)"
_EVERYTHING = "(SELECT COALESCE(MAX(images), 0) FROM gallery_facets WHERE model = '' AND tag = '')"

TRIGRAM = 3  # the shortest query the prompt index can answer; shorter ones scan the jobs
_KEPT_TOTALS = 128  # searches whose total is kept
_MIN_WINDOW = 1_000  # the fewest rows a search walks before it looks further down or reads its matches instead
_WALK_ROWS_PER_MATCH = 4  # walking gallery_images costs about a quarter per row of what sorting costs per match
_BATCH = 2_000  # images indexed in one transaction


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
        # (query, model, tag) -> (total, highest image rowid counted, every image's count then)
        self._totals: OrderedDict[tuple[str, str, str], tuple[int, int, int]] = OrderedDict()

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
        self.catch_up()
        model, tag = model or "", tag or ""
        bound = math.inf if before is None else before
        facet = self._db.rows("SELECT id, images FROM gallery_facets WHERE model=? AND tag=?", (model, tag))
        if not facet or facet[0][1] <= 0:
            return [], 0
        facet_id, in_facet = facet[0]
        if not query:
            return self._walk(facet_id, bound, limit), in_facet
        search = _Search(query, facet_id if model or tag else None)
        total = self._search_total((query, model, tag), search)
        if total == 0:
            return [], 0
        # Walk the facet newest first, keeping the rows that match, while that should cost less than sorting every
        # match. The walk stops at a full page: at the matches' average density, after half of its window, which is
        # twice the rows expected to hold a page; it then has read window / 2 rows at a quarter of a match's cost.
        window = max(_MIN_WINDOW, 2 * limit * in_facet // total)
        while window <= 2 * _WALK_ROWS_PER_MATCH * total:
            floor = self._floor(facet_id, bound, window)
            page = self._walk(facet_id, bound, limit, query, floor)
            if len(page) == limit or floor is None:
                return page, total
            window *= 4  # too few so near the top: matches are denser further down
        return self._matches(search, bound, limit), total

    def cached_image(self, cache_key: str) -> ImageInfo | None:
        """The newest image made from exactly these inputs (see jobs/cache_keys.py), if any."""
        rows = self._db.rows(
            f"SELECT {_COLUMNS} FROM images WHERE cache_key=? ORDER BY created_at DESC LIMIT 1", (cache_key,)
        )
        return _image_from_row(rows[0]) if rows else None

    # ------------------------------------------------------------ indexing

    def catch_up(self, most: int | None = None) -> int:
        """Index the images recorded since the last call, in transactions of at most _BATCH images, and at most
        `most` in all (None: every one); how many were indexed. Images whose job is not stored are passed over."""
        done = 0
        while most is None or done < most:
            mark, last = self._db.rows(
                "SELECT images_to, (SELECT COALESCE(MAX(rowid), 0) FROM images) FROM gallery_indexed"
            )[0]
            if last <= mark:
                break
            # rowids come in order: a range of at most `batch` of them holds at most `batch` images
            upto = min(last, mark + (_BATCH if most is None else min(_BATCH, most - done)))
            done += self._db.rows("SELECT COUNT(*) FROM images WHERE rowid > ? AND rowid <= ?", (mark, upto))[0][0]
            statements: list[Statement] = [("UPDATE gallery_indexed SET images_next = ?", (upto,))]
            self._db.write(statements + [(sql, ()) for sql in INDEX_NEW_IMAGES])
        return done

    # ------------------------------------------------------------ pages

    def _walk(
        self, facet: int, bound: float, limit: int, query: str = "", floor: float | None = None
    ) -> list[ImageInfo]:
        """The newest `limit` images of the facet created before `bound` and not before `floor`, read along the
        facet's index newest first; with `query`, only those whose job's prompt contains it."""
        where = ["g.facet = ?", "g.created_at < ?"]
        args: list[Any] = [facet, bound]
        if floor is not None:
            where.append("g.created_at >= ?")
            args.append(floor)
        jobs = ""
        if query:
            jobs = "CROSS JOIN jobs ON jobs.rowid = g.job"
            where.append("jobs.prompt LIKE ? ESCAPE '\\'")
            args.append(_like(query))
        rows = self._db.rows(
            f"SELECT {_IMAGE_COLUMNS} FROM gallery_images AS g {jobs} CROSS JOIN images ON images.rowid = g.image"
            f" WHERE {' AND '.join(where)} ORDER BY g.created_at DESC, g.image DESC LIMIT ?",
            (*args, limit),
        )
        return [_image_from_row(row) for row in rows]

    def _floor(self, facet: int, bound: float, window: int) -> float | None:
        """The `created_at` of the `window`-th newest image of the facet created before `bound`; None if fewer."""
        rows = self._db.rows(
            "SELECT created_at FROM gallery_images WHERE facet = ? AND created_at < ?"
            " ORDER BY created_at DESC, image DESC LIMIT 1 OFFSET ?",
            (facet, bound, window - 1),
        )
        return rows[0][0] if rows else None

    def _matches(self, search: _Search, bound: float, limit: int) -> list[ImageInfo]:
        """The newest `limit` images before `bound` among every match of the search."""
        rows = self._db.rows(
            f"SELECT {_IMAGE_COLUMNS} FROM (SELECT ji.image, ji.created_at {search.source} AND ji.created_at < ?"
            " ORDER BY ji.created_at DESC, ji.image DESC LIMIT ?) AS found"
            f" CROSS JOIN images ON images.rowid = found.image {_ORDER}",
            (*search.args, bound, limit),
        )
        return [_image_from_row(row) for row in rows]

    # ------------------------------------------------------------ totals of searches

    def _search_total(self, key: tuple[str, str, str], search: _Search) -> int:
        """How many images match: counted in full the first time, then only over the images added since."""
        kept = self._totals.get(key)
        if kept is not None:
            total, counted_to, everything = kept
            newest, everything_now = self._db.rows(f"SELECT {_NEWEST}, {_EVERYTHING}")[0]
            if newest == counted_to and everything_now == everything:
                self._totals.move_to_end(key)
                return total
            if newest > counted_to:
                added, added_matching = self._db.rows(search.new_images, (*search.new_args, counted_to, newest))[0]
                if everything + added == everything_now:  # nothing was deleted meanwhile
                    return self._keep(key, total + added_matching, newest, everything_now)
        total, newest, everything = self._db.rows(
            f"SELECT COUNT(*), {_NEWEST}, {_EVERYTHING} {search.source}", search.args
        )[0]
        return self._keep(key, total, newest, everything)

    def _keep(self, key: tuple[str, str, str], total: int, newest: int, everything: int) -> int:
        self._totals[key] = (total, newest, everything)
        self._totals.move_to_end(key)
        while len(self._totals) > _KEPT_TOTALS:
            self._totals.popitem(last=False)
        return total


class _Search:
    """The images whose job's prompt contains `query`, in the facet if one is given (its id), as SQL: `source`
    (FROM ... WHERE ..., with `args`) yields them as `ji`, rows of gallery_job_images; `new_images` (with
    `new_args`, then two image rowids) counts the images in that range of rowids, and those of them that match."""

    def __init__(self, query: str, facet: int | None):
        like = _like(query)
        if len(query) >= TRIGRAM:
            # Exactly the LIKE below: both sides are lower()ed (schema.py), and a phrase of trigrams is a substring.
            self.source = (
                "FROM gallery_prompts CROSS JOIN gallery_job_images AS ji ON ji.job = gallery_prompts.rowid"
                " WHERE gallery_prompts MATCH '\"' || replace(lower(?), '\"', '\"\"') || '\"'"
            )
            self.args: tuple[Any, ...] = (query,)
        else:
            self.source = (
                "FROM jobs CROSS JOIN gallery_job_images AS ji ON ji.job = jobs.rowid"
                " WHERE jobs.prompt LIKE ? ESCAPE '\\'"
            )
            self.args = (like,)
        matches = "jobs.prompt LIKE ? ESCAPE '\\'"
        self.new_args: tuple[Any, ...] = (like,)
        if facet is not None:
            self.source += f" AND {_in_facet('ji.created_at', 'ji.image')}"
            self.args += (facet,)
            matches += f" AND {_in_facet('images.created_at', 'images.rowid')}"
            self.new_args += (facet,)
        self.new_images = (
            f"SELECT COUNT(*), COALESCE(SUM({matches}), 0) FROM images CROSS JOIN jobs ON jobs.id = images.job_id"
            " WHERE images.rowid > ? AND images.rowid <= ?"
        )


def _in_facet(created_at: str, image: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM gallery_images AS gi"
        f" WHERE gi.facet = ? AND gi.created_at = {created_at} AND gi.image = {image})"
    )


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _image_from_row(row: tuple[Any, ...]) -> ImageInfo:
    params = json.loads(row[10])
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
        params=params,
        raw_path=row[11],
        frames=params.get("frames", 1),
        motion=params.get("motion"),
        tile=bool(params.get("tile")),
        lint=params.get("lint"),
    )
