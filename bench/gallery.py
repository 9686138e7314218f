"""Gallery figures: what an `images` request costs the store (ImageStore.images, reply total included) at 10,000,
100,000 and 1,000,000 images. No worker process: the requests are answered inline on the worker's event loop, so
their cost is the store's.

Each library is a database of schema 2 filled with bulk SQL (4 images per job, two jobs rendering at a time,
one to three tags on most jobs), upgraded in place to the current schema by opening it, then grown by 200 more
images written one transaction each, as the job store writes them. Times are medians of RUNS runs, in ms:

  page_ms          the newest page (60 images), no filter
  tag_ms           the newest page of the tag `hero` (on 1 job in 10)
  text_ms          the newest page of a search for a word in 1 prompt in 2,000 (`zeppelin`), its total counted
                   afresh (a new query)
  model_ms         the newest page of one model (1 job in 6)
  deep_page_ms     a page from the middle of the library (`before` = the median `created_at`)
  rare_tag_ms      the newest page of a tag on 1 job in 1,000
  common_text_ms   a new search for a word in 1 prompt in 30 (`knight`), its total counted afresh
  common_next_ms   the next page of that search (its total kept from the first)
  mid_text_ms      a new search for a word in 1 prompt in 130 (`lantern`): at 1M, where walking the gallery and
                   sorting the matches cost the same, the slowest kind of search page
  mid_next_ms      the next page of that search
  short_text_ms    a new search of 2 characters (`ze`), which the trigram index cannot answer: a scan
  record_image_ms  one image's transaction (its row: the gallery indexes it later, in a batch)
  index_image_ms   indexing the images recorded since the last read, per image (ImageStore.catch_up over the
                   GROWTH_JOBS jobs just recorded; the worker runs it once a second and before every gallery read)
  migrate_s        the upgrade from schema 2 (building the gallery tables from every row)
  size_mb          the database file after the upgrade; size_v2_mb before it
  old_*_ms         page, tag and text the way schema 2 answered them (COUNT over images joined to jobs, tags
                   through json_each, LIKE '%...%'), on the same database; skip with --no-old

    python bench/gallery.py [--json] [--sizes 10000,100000,1000000] [--no-old]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dgx_pixels_worker.database import Database
from dgx_pixels_worker.database.schema import TABLES
from dgx_pixels_worker.gallery.images import ImageStore, insert_statements
from dgx_pixels_worker.protocol.messages import ImageInfo

from _harness import median, report

RUNS = 7
IMAGES_PER_JOB = 4
GROWTH_JOBS = 50  # written one image at a time after the upgrade
MODELS = {"sdxl-base": 6, "pixel-art-xl": 5, "flux-dev": 4, "sd15-sprites": 3, "playground": 2, "procedural": 4}
ADJECTIVES = str.split("red blue green golden dark ancient tiny giant frozen burning rusty shiny cursed noble wild")
# 29 nouns: with `knight`, added below, each is in about 1 prompt in 30
NOUNS = str.split(
    "dragon slime sword potion shield castle tree chest goblin wizard helmet ring bow axe tower boat key lamp"
    " crown skull mushroom crystal bridge door banner owl wolf cat horse"
)
TAGS = [f"tag{n:02d}" for n in range(30)]
TARGETS = {"page_ms": "target < 10 at 1M", "tag_ms": "target < 10 at 1M", "text_ms": "target < 10 at 1M"}


def _job_rows(jobs: int, rng: random.Random, first: int = 0) -> list[tuple]:
    words = ["".join(rng.choice("bcdfghklmnprstvw") + rng.choice("aeiou") for _ in range(3)) for _ in range(2_000)]
    models, weights = list(MODELS), list(MODELS.values())
    rows = []
    for n in range(first, first + jobs):
        model = rng.choices(models, weights)[0]
        noun = "knight" if rng.random() < 1 / 30 else rng.choice(NOUNS)
        prompt = f"{rng.choice(ADJECTIVES)} {noun}, {rng.choice(words)} {rng.choice(words)} style, pixel art"
        if rng.random() < 1 / 2_000:
            prompt += ", zeppelin"
        if rng.random() < 1 / 130:
            prompt += ", lantern"
        tags = [tag for tag in TAGS if rng.random() < 0.035]
        if rng.random() < 0.1:
            tags.append("hero")
        if rng.random() < 0.001:
            tags.append("relic")
        params = {
            "prompt": prompt,
            "negative": "blurry",
            "model": model,
            "seed": n,
            "count": IMAGES_PER_JOB,
            "width": 64,
            "height": 64,
            "steps": 20,
            "cfg": 7.0,
            "tags": tags,
        }
        created = 1.7e9 + (n // 2) * 8.0
        rows.append((f"{n:012x}", n + 1, "completed", json.dumps(params), prompt, model, 0, "bench", "u", created))
    return rows


_INSERT_JOB = (
    "INSERT INTO jobs (id, seq, state, params, prompt, model, priority, client, user, created_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?)"
)


def build(path: Path, images: int, seed: int = 7) -> float:
    """A schema-2 database of `images` images; returns its size in MB."""
    raw = sqlite3.connect(path)
    raw.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + TABLES + "PRAGMA user_version=2;")
    raw.execute("BEGIN")
    raw.executemany(_INSERT_JOB, _job_rows(images // IMAGES_PER_JOB, random.Random(seed)))
    # Two jobs render at a time (seq odd and even), so their images interleave: image i of a job is at +2i, +2i+1.
    raw.execute(
        "INSERT INTO images (id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params)"
        " WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ?)"
        " SELECT jobs.id || '-' || k.i, jobs.id, k.i, jobs.seq + k.i, 64, 64,"
        " 'images/2026-01-01/' || jobs.id || '-' || k.i || '.png', 4096, hex(randomblob(32)),"
        " jobs.created_at + 2 * k.i + (jobs.seq % 2) + 1, jobs.params"
        " FROM jobs CROSS JOIN k ORDER BY 10",
        (IMAGES_PER_JOB - 1,),
    )
    raw.execute("COMMIT")
    raw.close()
    return path.stat().st_size / 2**20


def grow(db: Database, jobs: int, seed: int = 11) -> list[float]:
    """`jobs` more jobs of IMAGES_PER_JOB images, each image its own transaction; the ms each image took."""
    first = db.rows("SELECT MAX(seq) FROM jobs")[0][0]
    newest = db.rows("SELECT MAX(created_at) FROM images")[0][0]
    took = []
    for row in _job_rows(jobs, random.Random(seed), first):
        db.write([(_INSERT_JOB, row)])
        for index in range(IMAGES_PER_JOB):
            newest += 1.0
            info = ImageInfo(
                id=f"{row[0]}-{index}",
                job_id=row[0],
                index=index,
                seed=index,
                width=64,
                height=64,
                path=f"images/2026-01-02/{row[0]}-{index}.png",
                bytes=4096,
                sha256="0" * 64,
                created_at=newest,
                params=json.loads(row[3]),
            )
            began = time.perf_counter()
            db.write(insert_statements(info, None))
            took.append((time.perf_counter() - began) * 1000)
    return took


def old_images(db: Database, query="", model=None, tag=None, limit=60, before=None):
    """ImageStore.images as schema 2 answered it."""
    where, args = [], []
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
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = db.rows(f"SELECT COUNT(*) {source} {clause}", tuple(args))[0][0]
    if before is not None:
        where.append("images.created_at < ?")
        args.append(before)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = db.rows(
        f"SELECT images.id {source} {clause} ORDER BY images.created_at DESC, images.rowid DESC LIMIT ?",
        (*args, limit),
    )
    return rows, total


def timed_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    action()  # warm-up: the pages it reads are then in the OS cache, as on a worker that has been serving
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        took.append((time.perf_counter() - began) * 1000)
    return median(took)


def measure(images: int, old: bool, directory: Path) -> dict[str, float]:
    path = directory / f"gallery-{images}.sqlite"
    size_v2 = build(path, images)
    began = time.perf_counter()
    db = Database(path)
    migrate_s = time.perf_counter() - began
    record = grow(db, GROWTH_JOBS)
    store = ImageStore(db)
    began = time.perf_counter()
    indexed = store.catch_up()
    index_image_ms = (time.perf_counter() - began) * 1000 / max(1, indexed)
    db.rows("PRAGMA wal_checkpoint(TRUNCATE)")
    middle = db.rows("SELECT created_at FROM images ORDER BY created_at LIMIT 1 OFFSET ?", (images // 2,))[0][0]
    first_common = store.images("knight")[0]
    first_mid = store.images("lantern")[0]

    def fresh(query: str) -> Callable[[], object]:
        return lambda: ImageStore(db).images(query)  # a new store keeps no total: counted afresh

    figures = {
        "page_ms": timed_ms(lambda: store.images()),
        "tag_ms": timed_ms(lambda: store.images(tag="hero")),
        "text_ms": timed_ms(fresh("zeppelin")),
        "model_ms": timed_ms(lambda: store.images(model="flux-dev")),
        "deep_page_ms": timed_ms(lambda: store.images(before=middle)),
        "rare_tag_ms": timed_ms(lambda: store.images(tag="relic")),
        "common_text_ms": timed_ms(fresh("knight")),
        "common_next_ms": timed_ms(lambda: store.images("knight", before=first_common[-1].created_at)),
        "mid_text_ms": timed_ms(fresh("lantern")),
        "mid_next_ms": timed_ms(lambda: store.images("lantern", before=first_mid[-1].created_at)),
        "short_text_ms": timed_ms(fresh("ze"), runs=3),
        "record_image_ms": statistics.median(record),
        "index_image_ms": index_image_ms,
        "migrate_s": migrate_s,
        "size_v2_mb": size_v2,
        "size_mb": path.stat().st_size / 2**20,
    }
    _check(store, db)
    if old:
        runs = 3 if images > 100_000 else RUNS
        figures["old_page_ms"] = timed_ms(lambda: old_images(db), runs)
        figures["old_tag_ms"] = timed_ms(lambda: old_images(db, tag="hero"), runs)
        figures["old_text_ms"] = timed_ms(lambda: old_images(db, query="zeppelin"), runs)
    db.close()
    path.unlink()
    return figures


def _check(store: ImageStore, db: Database) -> None:
    """The new answers are the old ones (ids and totals), so the figures compare like with like."""
    for query, tag in [
        ("", None),
        ("", "hero"),
        ("zeppelin", None),
        ("knight", "hero"),
        ("lantern", None),
        ("ze", None),
    ]:
        page, total = store.images(query, tag=tag)
        rows, old_total = old_images(db, query, tag=tag)
        if [i.id for i in page] != [row[0] for row in rows] or total != old_total:
            raise SystemExit(f"gallery answers differ from schema 2's for query={query!r} tag={tag!r}")


def _label(images: int) -> str:
    return f"{images // 1_000_000}m" if images % 1_000_000 == 0 else f"{images // 1_000}k"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-old", action="store_true")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    targets: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dgx-bench-gallery-") as directory:
        for images in (int(size) for size in args.sizes.split(",")):
            label = _label(images)
            for name, value in measure(images, not args.no_old, Path(directory)).items():
                figures[f"{name}_{label}"] = value
                if name in TARGETS and images >= 1_000_000:
                    targets[f"{name}_{label}"] = TARGETS[name]
    report("bench/gallery.py (ms unless _s or _mb)", figures, targets, args.json)


if __name__ == "__main__":
    main()
