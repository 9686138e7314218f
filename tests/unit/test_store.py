import time

import pytest

from dgx_pixels_worker.protocol import WorkerError

from dgx_pixels_worker.protocol.messages import ErrorInfo, ImageInfo, JobState
from dgx_pixels_worker.jobs.store import JobRecord, Store, image_id


def _job(job_id: str, priority: int = 0) -> JobRecord:
    params = {
        "prompt": "knight",
        "negative": "",
        "model": "procedural",
        "seed": 1,
        "count": 2,
        "width": 32,
        "height": 32,
        "steps": 4,
        "cfg": 0.0,
        "tags": [],
    }
    return JobRecord(
        id=job_id,
        seq=0,
        state=JobState.QUEUED,
        params=params,
        priority=priority,
        client="t",
        user="u",
        created_at=time.time(),
    )


def _image(job: JobRecord, index: int) -> ImageInfo:
    return ImageInfo(
        id=image_id(job.id, index),
        job_id=job.id,
        index=index,
        seed=1 + index,
        width=32,
        height=32,
        path=f"images/x/{job.id}-{index}.png",
        bytes=10,
        sha256="0" * 64,
        created_at=time.time(),
        params={},
    )


def test_jobs_survive_reopening_with_state_history_and_images(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    job = store.insert_job(_job("aaaa0001"))
    store.mark_running(job, "procedural")
    store.add_image(job, _image(job, 0), backend_ms=12.5)
    store.close()

    reopened = Store(tmp_path / "db.sqlite")
    [again] = reopened.unfinished_jobs()
    assert again.state is JobState.RUNNING and again.images == ["aaaa0001-0"] and again.attempts == 1
    assert again.backend_ms == 12.5
    reopened.requeue(again, "worker restarted")
    reopened.finish(again, JobState.FAILED, ErrorInfo(code="backend_error", message="boom"))
    states = [state for _, state, _ in reopened.history("aaaa0001")]
    assert states == ["queued", "running", "queued", "failed"]
    assert reopened.job("aaaa0001").error.message == "boom"
    assert reopened.unfinished_jobs() == []


def test_submission_order_continues_after_reopen(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    first = store.insert_job(_job("j1"))
    store.close()
    store = Store(tmp_path / "db.sqlite")
    second = store.insert_job(_job("j2"))
    assert second.seq == first.seq + 1


def test_prefix_lookup_escapes_like_wildcards(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    store.insert_job(_job("abcd1234"))
    store.insert_job(_job("abcd5678"))
    assert sorted(store.job_ids_with_prefix("abcd")) == ["abcd1234", "abcd5678"]
    assert store.job_ids_with_prefix("abcd1") == ["abcd1234"]
    assert store.job_ids_with_prefix("ab%") == []


def test_an_image_index_is_stored_once(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    job = store.insert_job(_job("j1"))
    store.add_image(job, _image(job, 0), 1.0)
    with pytest.raises(WorkerError, match="UNIQUE"):
        store.add_image(job, _image(job, 0), 1.0)
    assert store.job("j1").images == ["j1-0"]


def _tagged_job(job_id: str, prompt: str, model: str = "procedural", tags: tuple[str, ...] = ()) -> JobRecord:
    job = _job(job_id)
    job.params = {**job.params, "prompt": prompt, "model": model, "tags": list(tags)}
    return job


def _image_at(job: JobRecord, index: int, created_at: float) -> ImageInfo:
    return _image(job, index).model_copy(update={"created_at": created_at})


def _gallery(tmp_path) -> Store:
    store = Store(tmp_path / "db.sqlite")
    jobs = [
        _tagged_job("j1", "Red Knight", tags=("hero",)),
        _tagged_job("j2", "blue knight", model="sdxl", tags=("hero", "blue")),
        _tagged_job("j3", "100% potion_of_healing", tags=("item",)),
        _tagged_job("j4", "green slime", model="sdxl"),
    ]
    at = 1000.0
    for job in jobs:
        store.insert_job(job)
        for index in range(2):
            at += 1
            store.add_image(job, _image_at(job, index, at), 1.0)
    return store


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


def test_set_priority_updates_the_row_and_adds_history_but_leaves_the_record(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    job = store.insert_job(_job("j1"))
    store.set_priority(job, 5)
    assert job.priority == 0  # the scheduler orders by the record's priority, so it changes it
    assert store.job("j1").priority == 5
    assert store.history("j1")[-1][1:] == ("queued", "priority 0 -> 5")


def test_a_database_of_the_first_schema_is_upgraded_in_place_and_keeps_its_images(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, state TEXT NOT NULL, params TEXT NOT NULL,"
        " prompt TEXT NOT NULL, model TEXT NOT NULL, priority INTEGER NOT NULL, client TEXT NOT NULL, user TEXT NOT NULL,"
        " request_id TEXT, retry_of TEXT, backend TEXT, backend_ref TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
        " created_at REAL NOT NULL, started_at REAL, finished_at REAL, backend_ms REAL NOT NULL DEFAULT 0, error TEXT);"
        "CREATE TABLE images (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, idx INTEGER NOT NULL, seed INTEGER NOT NULL,"
        " width INTEGER NOT NULL, height INTEGER NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,"
        " sha256 TEXT NOT NULL, created_at REAL NOT NULL, params TEXT NOT NULL, UNIQUE (job_id, idx));"
        "INSERT INTO jobs VALUES ('aaaa0001', 1, 'completed', '{}', 'knight', 'procedural', 0, 't', 'u', NULL, NULL,"
        " NULL, NULL, 1, 1.0, 1.0, 2.0, 0, NULL);"
        "INSERT INTO images VALUES ('aaaa0001-0', 'aaaa0001', 0, 1, 32, 32, 'images/x.png', 10, 'ab', 2.0, '{}');"
        "PRAGMA user_version=1;"
    )
    old.close()
    store = Store(path)
    assert store.image("aaaa0001-0") is not None
    job = store.insert_job(_job("bbbb0002"))
    store.add_image(job, _image(job, 0), backend_ms=1.0, cache_key="k1")
    assert store.cached_image("k1").id == "bbbb0002-0" and store.cached_image("k2") is None
    assert store.rows("PRAGMA user_version")[0][0] == 2
