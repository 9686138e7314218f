import json
import sqlite3

import pytest

from dgx_pixels_worker.database import Database
from dgx_pixels_worker.database.schema import GALLERY_REBUILD, SCHEMA_VERSION, TABLES
from dgx_pixels_worker.gallery.images import ImageStore, insert_statements
from dgx_pixels_worker.protocol import WorkerError
from dgx_pixels_worker.protocol.messages import ImageInfo

_seq = 0


def _job_row(job_id: str, prompt: str, model: str = "procedural", tags: tuple[str, ...] = ()):
    global _seq
    _seq += 1
    params = {"prompt": prompt, "negative": "", "model": model, "seed": 1, "count": 2, "tags": list(tags)}
    return (
        "INSERT INTO jobs (id, seq, state, params, prompt, model, priority, client, user, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        (job_id, _seq, "completed", json.dumps(params), prompt, model, 0, "t", "u", 1.0),
    )


def _image(job_id: str, index: int, created_at: float, params: dict | None = None) -> ImageInfo:
    return ImageInfo(
        id=f"{job_id}-{index}",
        job_id=job_id,
        index=index,
        seed=1 + index,
        width=32,
        height=32,
        path=f"images/x/{job_id}-{index}.png",
        bytes=10,
        sha256="0" * 64,
        created_at=created_at,
        params=params or {},
    )


def _add_job(db: Database, job_id: str, prompt: str, model: str = "procedural", tags=(), times=()) -> None:
    db.write([_job_row(job_id, prompt, model, tuple(tags))])
    for index, at in enumerate(times):
        db.write(insert_statements(_image(job_id, index, at), None))


def _gallery(tmp_path) -> ImageStore:
    db = Database(tmp_path / "db.sqlite")
    jobs = [
        ("j1", "Red Knight", "procedural", ("hero",)),
        ("j2", "blue knight", "sdxl", ("hero", "blue")),
        ("j3", "100% potion_of_healing", "procedural", ("item",)),
        ("j4", "green slime", "sdxl", ()),
    ]
    at = 1000.0
    for job_id, prompt, model, tags in jobs:
        _add_job(db, job_id, prompt, model, tags, times=(at + 1, at + 2))
        at += 2
    return ImageStore(db)


def _ids(found):
    return [image.id for image in found[0]]


def test_images_filter_by_prompt_model_and_tag_newest_first(tmp_path):
    store = _gallery(tmp_path)
    assert _ids(store.images()) == ["j4-1", "j4-0", "j3-1", "j3-0", "j2-1", "j2-0", "j1-1", "j1-0"]
    assert store.images()[1] == 8
    assert _ids(store.images(query="KNIGHT")) == ["j2-1", "j2-0", "j1-1", "j1-0"]  # case-insensitive substring
    assert _ids(store.images(query="knight", model="sdxl")) == ["j2-1", "j2-0"]
    assert _ids(store.images(tag="hero")) == ["j2-1", "j2-0", "j1-1", "j1-0"]
    assert _ids(store.images(tag="blue", model="sdxl")) == ["j2-1", "j2-0"]
    assert _ids(store.images(tag="her")) == []  # a tag matches whole, not as a substring
    assert store.images(model="nope") == ([], 0)


def test_images_query_treats_like_wildcards_literally(tmp_path):
    store = _gallery(tmp_path)
    assert _ids(store.images(query="100%")) == ["j3-1", "j3-0"]
    assert _ids(store.images(query="%")) == ["j3-1", "j3-0"]
    assert _ids(store.images(query="n_of")) == ["j3-1", "j3-0"]
    assert _ids(store.images(query="_")) == ["j3-1", "j3-0"]
    assert _ids(store.images(query="knight%")) == []
    assert _ids(store.images(query="\\")) == []


def test_images_pages_with_before_and_total_ignores_paging(tmp_path):
    store = _gallery(tmp_path)
    first, total = store.images(limit=3)
    assert [i.id for i in first] == ["j4-1", "j4-0", "j3-1"] and total == 8
    second, total = store.images(limit=3, before=first[-1].created_at)
    assert [i.id for i in second] == ["j3-0", "j2-1", "j2-0"] and total == 8
    third, total = store.images(limit=3, before=second[-1].created_at)
    assert [i.id for i in third] == ["j1-1", "j1-0"] and total == 8
    assert store.images(limit=3, before=third[-1].created_at) == ([], 8)
    page, total = store.images(query="knight", limit=1, before=1004.0)  # strictly before: j2-1 (1004) excluded
    assert [i.id for i in page] == ["j2-0"] and total == 4
    assert page[0] == store.image("j2-0")  # the full record, params included


def test_an_image_is_read_whole_and_the_cache_finds_the_newest_of_a_key(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    db.write([_job_row("j1", "knight")])
    info = _image("j1", 0, 5.0, params={"prompt": "knight", "seed": 1}).model_copy(update={"raw_path": "r.png"})
    db.write(insert_statements(info, "k1"))
    db.write(insert_statements(_image("j1", 1, 6.0), "k1"))
    store = ImageStore(db)
    assert store.image("j1-0") == info and store.image("j1-9") is None
    assert store.cached_image("k1").id == "j1-1" and store.cached_image("k2") is None


def test_an_image_index_is_stored_once(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    db.write([_job_row("j1", "knight", tags=("hero",))])
    db.write(insert_statements(_image("j1", 0, 1.0), None))
    with pytest.raises(WorkerError, match="UNIQUE"):
        db.write(insert_statements(_image("j1", 0, 2.0), None))
    store = ImageStore(db)
    assert _ids(store.images(tag="hero")) == ["j1-0"] and store.images(tag="hero")[1] == 1  # nothing half-written


def test_equal_times_list_the_image_recorded_last_first_in_every_path(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    _add_job(db, "j1", "red knight", tags=("hero",), times=(5.0, 5.0))
    _add_job(db, "j2", "red knight", tags=("hero",), times=(5.0,))
    store = ImageStore(db)
    expected = ["j2-0", "j1-1", "j1-0"]
    assert _ids(store.images()) == expected
    assert _ids(store.images(tag="hero")) == expected
    assert _ids(store.images(query="knight")) == expected
    assert _ids(store.images(query="kn")) == expected


def test_search_is_ascii_case_insensitive_only_and_takes_quotes_and_spaces_literally(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    _add_job(db, "j1", 'Élan "quoted" sword OR shield', times=(1.0,))
    _add_job(db, "j2", "élan knight", times=(2.0,))
    store = ImageStore(db)
    assert _ids(store.images(query="élan")) == ["j2-0"]  # É is not é for LIKE, so neither here
    assert _ids(store.images(query="ÉLAN")) == ["j1-0"]  # but ASCII letters fold
    assert _ids(store.images(query="Élan")) == ["j1-0"]
    assert _ids(store.images(query='"quoted"')) == ["j1-0"]
    assert _ids(store.images(query='d" sw')) == ["j1-0"]
    assert _ids(store.images(query="sword OR shield")) == ["j1-0"]
    assert _ids(store.images(query="sword shield")) == []
    assert _ids(store.images(query="knight ")) == []  # not trimmed: the space is part of it
    assert _ids(store.images(query="n k")) == ["j2-0"]
    assert _ids(store.images(query="knight*")) == []
    assert _ids(store.images(query="NEAR(")) == []


def test_search_totals_follow_new_images_and_a_deleted_one(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    _add_job(db, "j1", "red knight", times=(1.0, 2.0))
    store = ImageStore(db)
    assert store.images(query="knight")[1] == 2 and store.images(query="kn")[1] == 2
    _add_job(db, "j2", "blue knight", times=(3.0,))
    _add_job(db, "j3", "slime", times=(4.0,))
    assert store.images(query="knight")[1] == 3 and store.images(query="kn")[1] == 3
    assert store.images()[1] == 4
    db.write([("DELETE FROM images WHERE id = 'j1-0'", ())])
    assert store.images(query="knight")[1] == 2
    assert _ids(store.images(query="knight")) == ["j2-0", "j1-1"]
    assert store.images()[1] == 3 and _ids(store.images(model="procedural")) == ["j3-0", "j2-0", "j1-1"]
    db.write([("DELETE FROM images WHERE job_id = 'j2'", ()), ("DELETE FROM jobs WHERE id = 'j2'", ())])
    assert store.images(query="knight")[1] == 1 and store.images(query="blue")[1] == 0


def test_a_prompt_that_changes_is_found_by_its_new_text_and_model_and_tags_are_fixed(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    _add_job(db, "j1", "red knight", tags=("hero",), times=(1.0,))
    store = ImageStore(db)
    db.write([("UPDATE jobs SET prompt = 'green slime' WHERE id = 'j1'", ())])
    assert _ids(store.images(query="slime")) == ["j1-0"] and _ids(store.images(query="knight")) == []
    db.write([("UPDATE jobs SET params = json_set(params, '$.seed', 7), state = 'failed' WHERE id = 'j1'", ())])
    with pytest.raises(WorkerError, match="fixed"):
        db.write([("UPDATE jobs SET model = 'sdxl' WHERE id = 'j1'", ())])
    with pytest.raises(WorkerError, match="fixed"):
        db.write([("UPDATE jobs SET params = json_set(params, '$.tags', json('[\"x\"]')) WHERE id = 'j1'", ())])


def test_dense_and_sparse_matches_page_the_same_way(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    statements = []
    for n in range(300):
        prompt = "rare comet" if n in (7, 250) else ("knight" if n % 3 else "slime")
        statements.append(_job_row(f"j{n}", prompt, "sdxl" if n % 2 else "procedural", ("hero",) if n % 5 else ()))
        for index in range(2):
            statements += insert_statements(_image(f"j{n}", index, 10.0 + n + index / 10), None)
    db.write(statements)
    store = ImageStore(db)
    with sqlite3.connect(db.path) as raw:
        for query, model, tag in [
            ("knight", None, None),
            ("comet", None, None),
            ("kn", "sdxl", "hero"),
            ("knight", "sdxl", None),
            ("sli", None, "hero"),
            ("", "sdxl", "hero"),
        ]:
            where = ["jobs.prompt LIKE ?"] + (["jobs.model = ?"] if model else [])
            where += ["EXISTS (SELECT 1 FROM json_each(jobs.params, '$.tags') WHERE value = ?)"] if tag else []
            args = [f"%{query}%"] + ([model] if model else []) + ([tag] if tag else [])
            expected = [
                row[0]
                for row in raw.execute(
                    "SELECT images.id FROM images JOIN jobs ON jobs.id = images.job_id"
                    f" WHERE {' AND '.join(where)} ORDER BY images.created_at DESC, images.rowid DESC",
                    args,
                )
            ]
            got, before = [], None
            while True:
                page, total = store.images(query, model, tag, limit=7, before=before)
                assert total == len(expected)
                if not page:
                    break
                got += [image.id for image in page]
                before = page[-1].created_at
            assert got == expected, (query, model, tag)


def _old_database(path, version: int) -> None:
    """A database as the worker of schema `version` (1 or 2) left it, with images."""
    old = sqlite3.connect(path)
    tables = TABLES
    if version == 1:
        tables = tables.replace("    cache_key  TEXT,\n    raw_path   TEXT,\n", "")
    old.executescript(tables)
    params = json.dumps({"prompt": "Red Knight", "model": "procedural", "tags": ["hero", "red"]})
    old.executescript(
        f"INSERT INTO jobs (id, seq, state, params, prompt, model, priority, client, user, created_at) VALUES"
        f" ('aaaa0001', 1, 'completed', '{params}', 'Red Knight', 'procedural', 0, 't', 'u', 1.0),"
        f" ('aaaa0002', 2, 'completed', '{{\"tags\": []}}', '100% slime', 'sdxl', 0, 't', 'u', 1.0);"
        "INSERT INTO images (id, job_id, idx, seed, width, height, path, bytes, sha256, created_at, params) VALUES"
        " ('aaaa0001-0', 'aaaa0001', 0, 1, 32, 32, 'images/x.png', 10, 'ab', 2.0, '{}'),"
        " ('aaaa0001-1', 'aaaa0001', 1, 2, 32, 32, 'images/y.png', 10, 'ab', 3.0, '{}'),"
        " ('aaaa0002-0', 'aaaa0002', 0, 1, 32, 32, 'images/z.png', 10, 'ab', 4.0, '{}');"
        f"PRAGMA user_version={version};"
    )
    old.close()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_database_is_upgraded_in_place_and_search_finds_its_images(tmp_path, version):
    path = tmp_path / "old.sqlite"
    _old_database(path, version)
    db = Database(path)
    assert db.rows("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 3
    store = ImageStore(db)
    assert store.images()[1] == 3
    assert _ids(store.images(query="knight")) == ["aaaa0001-1", "aaaa0001-0"]
    assert _ids(store.images(query="100%")) == ["aaaa0002-0"]
    assert _ids(store.images(query="%")) == ["aaaa0002-0"]
    assert _ids(store.images(tag="red")) == ["aaaa0001-1", "aaaa0001-0"] and store.images(tag="red")[1] == 2
    assert _ids(store.images(model="sdxl")) == ["aaaa0002-0"]
    assert store.images(model="sdxl", tag="hero") == ([], 0)
    # and it goes on as a new one: later images join the tables the migration built
    db.write([_job_row("bbbb0003", "knight of the slime", "sdxl", ("hero",))])
    db.write(insert_statements(_image("bbbb0003", 0, 5.0), "k1"))
    assert _ids(store.images(query="knight")) == ["bbbb0003-0", "aaaa0001-1", "aaaa0001-0"]
    assert _ids(store.images(tag="hero")) == ["bbbb0003-0", "aaaa0001-1", "aaaa0001-0"]
    assert store.images(model="sdxl", tag="hero")[1] == 1 and store.cached_image("k1").id == "bbbb0003-0"
    db.close()
    assert ImageStore(Database(path)).images(query="slime")[1] == 2  # reopening migrates nothing twice


def _gallery_tables(db: Database) -> tuple[list, ...]:
    return (
        db.rows("SELECT model, tag, images FROM gallery_facets ORDER BY 1, 2"),
        db.rows(
            "SELECT f.model, f.tag, g.created_at, g.image, g.job FROM gallery_images g"
            " JOIN gallery_facets f ON f.id = g.facet ORDER BY 1, 2, 3, 4"
        ),
        db.rows("SELECT job, created_at, image FROM gallery_job_images ORDER BY 1, 2, 3"),
    )


def test_the_gallery_tables_indexed_batch_by_batch_are_those_a_rebuild_makes(tmp_path):
    store = _gallery(tmp_path)
    db = store._db
    _add_job(db, "j5", "spare knight", tags=("hero", "item"), times=(2000.0,))
    assert [store.catch_up(most=2) for _ in range(6)] == [2, 2, 2, 2, 1, 0]  # in small batches, as the worker does
    written = _gallery_tables(db)
    db.write([(sql, ()) for sql in GALLERY_REBUILD])
    assert _gallery_tables(db) == written
    assert ("", "", 9) in written[0] and ("sdxl", "hero", 2) in written[0] and len(written[2]) == 9
    assert _ids(ImageStore(db).images(query="KNIGHT")) == ["j5-0", "j2-1", "j2-0", "j1-1", "j1-0"]


def test_a_walk_that_finds_too_few_near_the_top_looks_further_then_reads_the_matches(tmp_path, monkeypatch):
    from dgx_pixels_worker.gallery import images

    monkeypatch.setattr(images, "_MIN_WINDOW", 10)
    db = Database(tmp_path / "db.sqlite")
    statements = []
    for n in range(300):  # two thirds match, all of them among the oldest
        statements.append(_job_row(f"j{n}", "knight" if n < 200 else "slime"))
        statements += [s for index in range(2) for s in insert_statements(_image(f"j{n}", index, n + index / 10), None)]
    db.write(statements)
    store = ImageStore(db)
    page, total = store.images(query="knight", limit=7)
    assert total == 400
    assert [i.id for i in page] == ["j199-1", "j199-0", "j198-1", "j198-0", "j197-1", "j197-0", "j196-1"]
    page, total = store.images(query="slime", limit=7, before=201.0)
    assert total == 200 and [i.id for i in page] == ["j200-1", "j200-0"]


def test_a_prompt_is_searchable_while_its_job_has_images_and_only_then(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    store = ImageStore(db)
    _add_job(db, "j1", "purple dragon egg")  # queued: no image yet
    assert store.images(query="dragon") == ([], 0)
    db.write(insert_statements(_image("j1", 0, 1001.0), None))
    db.write(insert_statements(_image("j1", 1, 1002.0), None))
    assert _ids(store.images(query="dragon")) == ["j1-1", "j1-0"]
    db.write([("DELETE FROM images WHERE id = 'j1-1'", ())])
    assert _ids(store.images(query="dragon")) == ["j1-0"]  # one image left: still found
    db.write([("DELETE FROM images WHERE id = 'j1-0'", ())])
    assert ImageStore(db).images(query="dragon") == ([], 0)
    _add_job(db, "j2", "purple dragon egg", times=(1003.0,))  # the same prompt again, indexed once
    db.write(insert_statements(_image("j1", 2, 1004.0), None))  # and the first job back with a new image
    assert _ids(ImageStore(db).images(query="dragon egg")) == ["j1-2", "j2-0"]
    assert ImageStore(db).images(query="dragon egg")[1] == 2


def test_recording_an_image_writes_its_row_and_the_gallery_indexes_it_before_the_next_read(tmp_path):
    db = Database(tmp_path / "db.sqlite")
    for n in range(5):
        _add_job(db, f"j{n}", f"knight {n}", tags=("hero",), times=(1000.0 + n,))
    assert db.rows("SELECT COUNT(*) FROM gallery_images")[0][0] == 0  # the job's transaction wrote the image alone
    store = ImageStore(db)
    assert store.catch_up(most=2) == 2  # what the worker does once a second, a bounded batch
    assert db.rows("SELECT images_to FROM gallery_indexed")[0][0] == 2
    page, total = store.images(tag="hero")  # a read indexes the rest first
    assert [i.id for i in page] == ["j4-0", "j3-0", "j2-0", "j1-0", "j0-0"] and total == 5
    assert store.catch_up() == 0
